// The commerce domain's only import point: companies, users, addresses (orders and checkout join later).
export * from './companies.js';
export * from './users.js';
export * from './addresses.js';
export { companies, users, addresses } from './schema.js';
export type { CompanyRow, UserRow, AddressRow } from './schema.js';
