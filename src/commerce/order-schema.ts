// Tables of checkout: quotes the shopper is asked to confirm, orders with their line items, and each order's history.
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { idColumn, timestamps } from '../db/columns.js';
import { companies, users } from './schema.js';

export const ORDER_STATUSES = [
  'PENDING',
  'APPROVED',
  'PAID',
  'FULFILLED',
  'SHIPPED',
  'DELIVERED',
  'DECLINED',
  'PAYMENT_FAILED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A snapshot of the address an order ships to: later edits of the address book never change an order. */
export type ShippingSnapshot = {
  id: string;
  label: string;
  recipient_name: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  phone: string;
};

export type QuotedLine = { variant_id: string; quantity: number };

export const quotes = pgTable(
  'quotes',
  {
    /** The confirmation token itself: random, bound to one company, user and quote hash. */
    id: text('id').primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 over merchants, items, prices, address and total: a confirmation places exactly this. */
    hash: text('hash').notNull(),
    lines: jsonb('lines').$type<QuotedLine[]>().notNull(),
    addressId: text('address_id').notNull(),
    total: numeric('total', { precision: 12, scale: 2 }).notNull(),
    currency: text('currency').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('quotes_expires_idx').on(t.expiresAt)],
);

export const orders = pgTable(
  'orders',
  {
    id: idColumn('ord'),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The confirmed quote; unique, so confirming a quote twice places one order. */
    quoteId: text('quote_id').unique(),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('PENDING'),
    amount: numeric('amount', { precision: 12, scale: 2 }).notNull(),
    currency: text('currency').notNull(),
    shippingAddress: jsonb('shipping_address').$type<ShippingSnapshot>().notNull(),
    /** The integrator's id for the payment, from their charge answer. */
    transactionId: text('transaction_id'),
    /** Why the order stopped (the integrator's decline reason, a failure), shown to the shopper. */
    statusReason: text('status_reason'),
    tracking: jsonb('tracking').$type<{ carrier?: string; number?: string; url?: string }>(),
    ...timestamps,
  },
  (t) => [
    index('orders_user_created_idx').on(t.userId, t.createdAt),
    index('orders_company_created_idx').on(t.companyId, t.createdAt),
    index('orders_open_idx')
      .on(t.status, t.createdAt)
      .where(sql`${t.status} in ('PENDING', 'APPROVED')`),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: idColumn('itm'),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    // No foreign keys to the catalog: an order outlives the products it names; the titles are snapshots.
    merchantId: text('merchant_id').notNull(),
    merchantName: text('merchant_name').notNull(),
    productId: text('product_id').notNull(),
    variantId: text('variant_id').notNull(),
    productTitle: text('product_title').notNull(),
    variantTitle: text('variant_title').notNull(),
    sku: text('sku').notNull().default(''),
    quantity: integer('quantity').notNull(),
    unitPrice: numeric('unit_price', { precision: 12, scale: 2 }).notNull(),
  },
  (t) => [index('order_items_order_idx').on(t.orderId, t.position)],
);

export const orderEvents = pgTable(
  'order_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    previousStatus: text('previous_status', { enum: ORDER_STATUSES }),
    /** Who moved it: checkout, integrator, merchant, admin, system. */
    actor: text('actor').notNull(),
    note: text('note').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.id)],
);

export type QuoteRow = typeof quotes.$inferSelect;
export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;
export type OrderEventRow = typeof orderEvents.$inferSelect;
