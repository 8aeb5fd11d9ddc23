// Tables of the portal (/portal): people's accounts (a company's or a merchant's, email and an scrypt password hash)
// and their browser sessions (only a hash of the cookie's token is stored, with the session's CSRF token).
import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { merchants } from '../catalog/schema.js';
import { companies } from '../commerce/schema.js';

export const PORTAL_ACCOUNT_KINDS = ['company', 'merchant'] as const;
export type PortalAccountKind = (typeof PORTAL_ACCOUNT_KINDS)[number];

export const portalAccounts = pgTable(
  'portal_accounts',
  {
    /** "acct_…", time-ordered like every other id. */
    id: text('id').primaryKey(),
    /** Lower-cased and trimmed before it is stored or looked up. */
    email: text('email').notNull(),
    /** "scrypt$N$r$p$salt$hash" (base64url salt and hash): memory-hard, with a salt of its own per account. */
    passwordHash: text('password_hash').notNull(),
    kind: text('kind', { enum: PORTAL_ACCOUNT_KINDS }).notNull(),
    companyId: text('company_id').references(() => companies.id, { onDelete: 'cascade' }),
    merchantId: text('merchant_id').references(() => merchants.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('portal_accounts_email_idx').on(t.email),
    index('portal_accounts_company_idx').on(t.companyId),
    index('portal_accounts_merchant_idx').on(t.merchantId),
    // A company account belongs to a company, a merchant account to a merchant: never both, never neither.
    check(
      'portal_accounts_owner_check',
      sql`(${t.kind} = 'company' and ${t.companyId} is not null and ${t.merchantId} is null) or (${t.kind} = 'merchant' and ${t.merchantId} is not null and ${t.companyId} is null)`,
    ),
  ],
);

export const portalSessions = pgTable(
  'portal_sessions',
  {
    /** SHA-256 of the cookie's token; the token itself lives only in the browser. */
    tokenHash: text('token_hash').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => portalAccounts.id, { onDelete: 'cascade' }),
    /** Sent back in X-CSRF-Token on every state-changing request of this session. */
    csrfToken: text('csrf_token').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('portal_sessions_account_idx').on(t.accountId),
    index('portal_sessions_expires_idx').on(t.expiresAt),
  ],
);

export type PortalAccountRow = typeof portalAccounts.$inferSelect;
export type PortalSessionRow = typeof portalSessions.$inferSelect;
