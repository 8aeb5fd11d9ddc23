// Tables of store connections: a merchant's platform credentials (encrypted), each sync run (resumable), webhook
// deliveries already applied (dedupe), and the merchant's own id for our orders (so fulfilment can come back).
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { idColumn, timestamps } from '../../db/columns.js';
import { merchants } from '../schema.js';

export const merchantConnections = pgTable('merchant_connections', {
  merchantId: text('merchant_id')
    .primaryKey()
    .references(() => merchants.id, { onDelete: 'cascade' }),
  platform: text('platform', { enum: ['shopify', 'woocommerce'] }).notNull(),
  /** The store's API base: https://NAME.myshopify.com, or the WordPress site URL. */
  baseUrl: text('base_url').notNull(),
  /** AES-256-GCM of the JSON credentials (token, key/secret, webhook secret); see secrets.ts. Never returned. */
  credentials: text('credentials').notNull(),
  lastFullSyncAt: timestamp('last_full_sync_at', { withTimezone: true, mode: 'date' }),
  /** Reconciliation asks the store for what changed since this (minus a margin). */
  lastReconciledAt: timestamp('last_reconciled_at', { withTimezone: true, mode: 'date' }),
  ...timestamps,
});

export const SYNC_KINDS = ['full', 'reconcile'] as const;
export const SYNC_STATUSES = ['running', 'succeeded', 'failed'] as const;

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: idColumn('syn'),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: SYNC_KINDS }).notNull(),
    status: text('status', { enum: SYNC_STATUSES }).notNull().default('running'),
    /** Where the next page starts; a crashed run resumes from here. */
    cursor: text('cursor'),
    /** Only changes after this (reconciliation). */
    since: timestamp('since', { withTimezone: true, mode: 'date' }),
    fetched: integer('fetched').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    errors: jsonb('errors').$type<string[]>().notNull().default([]),
    /** Refreshed while the run works; a running run whose heartbeat stopped belonged to a dead process. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('sync_runs_merchant_idx').on(t.merchantId, t.startedAt)],
);

export const storeWebhookReceipts = pgTable(
  'store_webhook_receipts',
  {
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id, { onDelete: 'cascade' }),
    /** X-Shopify-Webhook-Id, or X-WC-Webhook-Delivery-ID. */
    deliveryId: text('delivery_id').notNull(),
    topic: text('topic').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.merchantId, t.deliveryId] }),
    index('store_webhook_receipts_received_idx').on(t.receivedAt),
  ],
);

export const merchantOrders = pgTable(
  'merchant_orders',
  {
    orderId: text('order_id').notNull(),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id, { onDelete: 'cascade' }),
    /** The store's id for its part of our order. */
    externalId: text('external_id').notNull(),
    externalStatus: text('external_status').notNull().default('created'),
    tracking: jsonb('tracking').$type<{ carrier?: string; number?: string; url?: string }>(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.merchantId] }),
    index('merchant_orders_external_idx').on(t.merchantId, t.externalId),
  ],
);

export type MerchantConnectionRow = typeof merchantConnections.$inferSelect;
export type SyncRunRow = typeof syncRuns.$inferSelect;
