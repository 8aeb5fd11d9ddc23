// Every table, gathered for drizzle (queries with relations) and drizzle-kit (migrations). Domains own their tables.
export * from '../commerce/schema.js';
export * from '../commerce/order-schema.js';
export * from '../catalog/schema.js';
export * from '../webhooks/schema.js';
export * from '../transport/rest/idempotency-schema.js';
export * from '../agent/schema.js';
export * from '../catalog/connectors/schema.js';
export * from '../portal/schema.js';
