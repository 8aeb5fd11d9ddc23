// Tables of the commerce domain: companies (integrators and their keys), their end users, and users' addresses.
import { sql } from 'drizzle-orm';
import { boolean, index, numeric, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { idColumn, timestamps } from '../db/columns.js';

export const companies = pgTable('companies', {
  id: idColumn('cmp'),
  name: text('name').notNull(),
  clientId: text('client_id').notNull().unique(),
  /** SHA-256 of the secret key; the key itself is shown once and never stored. */
  secretKeyHash: text('secret_key_hash').notNull().unique(),
  /** The first characters of the secret key, so a person can tell keys apart. */
  secretKeyHint: text('secret_key_hint').notNull(),
  webhookUrl: text('webhook_url'),
  /** Kept readable: every outgoing webhook is signed with it. */
  webhookSecret: text('webhook_secret').notNull(),
  /** The tools its integration exposes (MCP, chat); null = all of them. */
  allowedTools: text('allowed_tools').array(),
  ...timestamps,
});

export const users = pgTable(
  'users',
  {
    id: idColumn('usr'),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    externalUserId: text('external_user_id').notNull(),
    displayName: text('display_name').notNull().default(''),
    /** Spending limits the integrator set, enforced before any payment webhook; null = no limit. */
    spendLimitPerOrder: numeric('spend_limit_per_order', { precision: 12, scale: 2 }),
    spendLimitPerDay: numeric('spend_limit_per_day', { precision: 12, scale: 2 }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_company_external_idx').on(t.companyId, t.externalUserId),
    index('users_company_created_idx').on(t.companyId, t.createdAt, t.id),
  ],
);

export const addresses = pgTable(
  'addresses',
  {
    id: idColumn('addr'),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: text('label').notNull().default(''),
    recipientName: text('recipient_name').notNull().default(''),
    line1: text('line1').notNull(),
    line2: text('line2').notNull().default(''),
    city: text('city').notNull(),
    state: text('state').notNull().default(''),
    zip: text('zip').notNull().default(''),
    country: text('country').notNull(),
    phone: text('phone').notNull().default(''),
    isDefault: boolean('is_default').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    index('addresses_user_idx').on(t.userId, t.createdAt),
    // The database itself refuses a second default address for one user.
    uniqueIndex('addresses_one_default_idx')
      .on(t.userId)
      .where(sql`${t.isDefault}`),
  ],
);

export type CompanyRow = typeof companies.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type AddressRow = typeof addresses.$inferSelect;
