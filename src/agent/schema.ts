// Tables of the chat: every message between a shopper and the agent (with the products and order shown), and
// short-lived session tokens that let a browser open the socket without the company's secret key.
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { companies, users } from '../commerce/schema.js';
import { idColumn } from '../db/columns.js';

export const chatMessages = pgTable(
  'chat_messages',
  {
    id: idColumn('msg'),
    /** Arrival order: ids made in the same millisecond do not sort by arrival. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['user', 'assistant'] }).notNull(),
    content: text('content').notNull(),
    products: jsonb('products').$type<unknown[]>(),
    order: jsonb('order').$type<Record<string, unknown>>(),
    /**
     * For assistant messages: the model-format messages of the turn after the user's text (assistant replies, tool
     * calls and results), replayed as context in later turns so quotes and ids stay known.
     */
    transcript: jsonb('transcript').$type<unknown[]>(),
    model: text('model'),
    usage: jsonb('usage').$type<Record<string, number>>(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('chat_messages_user_idx').on(t.userId, t.seq)],
);

export const chatSessions = pgTable(
  'chat_sessions',
  {
    /** SHA-256 of the token; the token itself is shown once. */
    tokenHash: text('token_hash').primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('chat_sessions_expires_idx').on(t.expiresAt)],
);

export type ChatMessageRow = typeof chatMessages.$inferSelect;
