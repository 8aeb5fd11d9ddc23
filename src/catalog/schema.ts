// Tables of the catalog domain: merchants, their products, and products' variants (prices, options, stock).
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { idColumn, timestamps } from '../db/columns.js';

export const MERCHANT_PLATFORMS = ['file', 'shopify', 'woocommerce'] as const;
export const MERCHANT_STATUSES = ['active', 'paused', 'disconnected'] as const;
/** draft and archived products are unpublished (kept, not searchable); deleted ones are kept for order history. */
export const PRODUCT_STATUSES = ['active', 'draft', 'archived', 'deleted'] as const;

export const merchants = pgTable('merchants', {
  id: idColumn('mer'),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  platform: text('platform', { enum: MERCHANT_PLATFORMS }).notNull().default('file'),
  storeUrl: text('store_url'),
  status: text('status', { enum: MERCHANT_STATUSES }).notNull().default('active'),
  ...timestamps,
});

export const products = pgTable(
  'products',
  {
    id: idColumn('prod'),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id, { onDelete: 'cascade' }),
    sourceId: text('source_id').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    vendor: text('vendor').notNull().default(''),
    productType: text('product_type').notNull().default(''),
    category: text('category').notNull().default(''),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    imageUrls: text('image_urls')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    productUrl: text('product_url'),
    status: text('status', { enum: PRODUCT_STATUSES }).notNull().default('active'),
    /** Hash of the last imported record: a re-import of the same record changes nothing. */
    contentHash: text('content_hash').notNull(),
    /** The source's own last-modified time; an older record never overwrites a newer one. */
    sourceUpdatedAt: timestamp('source_updated_at', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('products_merchant_source_idx').on(t.merchantId, t.sourceId),
    index('products_updated_idx').on(t.updatedAt),
  ],
);

export const variants = pgTable(
  'variants',
  {
    id: idColumn('var'),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sourceId: text('source_id').notNull(),
    sku: text('sku').notNull().default(''),
    title: text('title').notNull(),
    options: jsonb('options').$type<Record<string, string>>().notNull().default({}),
    price: numeric('price', { precision: 12, scale: 2 }).notNull(),
    compareAtPrice: numeric('compare_at_price', { precision: 12, scale: 2 }),
    currency: text('currency').notNull().default('USD'),
    availableQty: integer('available_qty').notNull().default(0),
    imageUrl: text('image_url'),
    position: integer('position').notNull().default(0),
    /** Set when the source no longer has the variant; the row stays for orders that name it. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('variants_product_source_idx').on(t.productId, t.sourceId),
    check('variants_qty_nonnegative', sql`${t.availableQty} >= 0`),
    check('variants_price_nonnegative', sql`${t.price} >= 0`),
  ],
);

export type MerchantRow = typeof merchants.$inferSelect;
export type ProductRow = typeof products.$inferSelect;
export type VariantRow = typeof variants.$inferSelect;
