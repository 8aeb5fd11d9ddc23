// The outbox: every webhook and merchant hand-off is a row written in the same transaction as the state change
// that causes it, then claimed by a worker (FOR UPDATE SKIP LOCKED) and delivered with retries under one event id.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { companies } from '../commerce/schema.js';
import { idColumn, timestamps } from '../db/columns.js';

export const WEBHOOK_EVENTS = ['balance_check', 'charge', 'order_followup', 'merchant_order'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * pending: waiting for its next attempt; delivering: claimed by a worker until lease_until;
 * delivered: answered as expected; failed: answered with a final no-go, or not retried by nature (balance_check);
 * dead: retries exhausted, kept for redelivery; cancelled: no longer needed (its order moved on).
 */
export const DELIVERY_STATUSES = [
  'pending',
  'delivering',
  'delivered',
  'failed',
  'dead',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    /** The event id: X-Webhook-Id and Idempotency-Key, the same on every attempt. */
    id: idColumn('evt'),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    orderId: text('order_id'),
    /** For merchant hand-offs: which merchant's part of the order. */
    merchantId: text('merchant_id'),
    event: text('event', { enum: WEBHOOK_EVENTS }).notNull(),
    /** The JSON body, fixed when the event is created so every attempt sends the same bytes. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** A claim: the worker holding it, and until when; an expired claim is taken over (the worker died). */
    leaseToken: text('lease_token'),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    url: text('url'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastResponse: text('last_response'),
    lastDurationMs: integer('last_duration_ms'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (t) => [
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'delivering')`),
    index('webhook_deliveries_company_idx').on(t.companyId, t.createdAt),
    index('webhook_deliveries_order_idx').on(t.orderId),
  ],
);

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
