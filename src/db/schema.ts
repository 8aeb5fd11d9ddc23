// Every table, gathered for drizzle (queries with relations) and drizzle-kit (migrations). Domains own their tables.
export * from '../commerce/schema.js';
export * from '../catalog/schema.js';
