// Reading products from Postgres (the source of truth) and shaping them as the reference's product cards.
import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import type { SearchDocument, SearchVariantDoc } from './search/port.js';
import { fromMinor, toMinor } from '../money.js';
import {
  merchants,
  products,
  variants,
  type MerchantRow,
  type ProductRow,
  type VariantRow,
} from './schema.js';

export type ProductWithVariants = { product: ProductRow; merchant: MerchantRow; variants: VariantRow[] };

type VariantJson = {
  id: string;
  product_id: string;
  source_id: string;
  sku: string;
  title: string;
  options: Record<string, string>;
  price: string;
  compare_at_price: string | null;
  currency: string;
  available_qty: number;
  image_url: string | null;
  position: number;
  created_at: string;
  updated_at: string;
};

// One round trip: each product row carries its live variants as JSON (prices as text, so they stay exact).
const LIVE_VARIANTS = sql<VariantJson[]>`coalesce((
  select json_agg(json_build_object(
    'id', v.id, 'product_id', v.product_id, 'source_id', v.source_id, 'sku', v.sku, 'title', v.title,
    'options', v.options, 'price', v.price::text, 'compare_at_price', v.compare_at_price::text,
    'currency', v.currency, 'available_qty', v.available_qty, 'image_url', v.image_url, 'position', v.position,
    'created_at', v.created_at, 'updated_at', v.updated_at
  ) order by v.position, v.id)
  from ${variants} v where v.product_id = ${products.id} and v.deleted_at is null
), '[]'::json)`;

function toVariantRow(v: VariantJson): VariantRow {
  return {
    id: v.id,
    productId: v.product_id,
    sourceId: v.source_id,
    sku: v.sku,
    title: v.title,
    options: v.options,
    price: v.price,
    compareAtPrice: v.compare_at_price,
    currency: v.currency,
    availableQty: v.available_qty,
    imageUrl: v.image_url,
    position: v.position,
    deletedAt: null,
    createdAt: new Date(v.created_at),
    updatedAt: new Date(v.updated_at),
  };
}

/** Products by id, with their merchant and live variants, in the order of `ids`. Missing ids are left out. */
export async function loadProducts(db: Db, ids: string[]): Promise<ProductWithVariants[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ product: products, merchant: merchants, variants: LIVE_VARIANTS })
    .from(products)
    .innerJoin(merchants, eq(products.merchantId, merchants.id))
    .where(inArray(products.id, ids));
  const byId = new Map(
    rows.map((r) => {
      // postgres.js hands json back parsed; PGlite as text.
      const list = typeof r.variants === 'string' ? (JSON.parse(r.variants) as VariantJson[]) : r.variants;
      return [r.product.id, { product: r.product, merchant: r.merchant, variants: list.map(toVariantRow) }];
    }),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export const variantCardSchema = z.object({
  id: z.string().describe('Variant id ("var_…"): what buy_product takes.'),
  title: z.string().describe('e.g. "Black / 10".'),
  options: z.record(z.string(), z.string()).describe('e.g. {"Color": "Black", "Size": "10"}.'),
  price: z.string().describe('Decimal string, e.g. "129.99".'),
  compare_at_price: z.string().nullable().describe('The price before a discount, if on sale.'),
  currency: z.string(),
  available_qty: z.number().int().describe('Units in stock.'),
  in_stock: z.boolean().describe('false = sold out: cannot be bought.'),
});

export const productCardSchema = z.object({
  id: z.string().describe('Product id ("prod_…").'),
  title: z.string(),
  name: z.string().describe('Same as title.'),
  description: z.string(),
  merchant: z.string().describe('The store selling it.'),
  merchant_id: z.string(),
  vendor: z.string().describe('Brand.'),
  category: z.string(),
  image_url: z.string().nullable(),
  product_url: z.string().nullable(),
  price: z.string().nullable().describe('Lowest price among the listed variants (in stock ones first).'),
  currency: z.string().nullable(),
  in_stock: z.boolean().describe('Whether any listed variant can be bought.'),
  variant_count: z.number().int().describe('Live variants the product has in all.'),
  variants: z.array(variantCardSchema),
});

export type ProductCard = z.infer<typeof productCardSchema>;
export type VariantCard = z.infer<typeof variantCardSchema>;

export function toVariantCard(v: VariantRow): VariantCard {
  return {
    id: v.id,
    title: v.title,
    options: v.options,
    price: v.price,
    compare_at_price: v.compareAtPrice,
    currency: v.currency,
    available_qty: v.availableQty,
    in_stock: v.availableQty > 0,
  };
}

type CardBase = {
  id: string;
  title: string;
  description: string;
  merchantName: string;
  merchantId: string;
  vendor: string;
  category: string;
  productType: string;
  imageUrl: string | null;
  productUrl: string | null;
  variantCount: number;
};

/** The card from its parts; `price` is the cheapest listed variant's, preferring those in stock. */
function buildCard(p: CardBase, variants: VariantCard[], maxDescription?: number): ProductCard {
  const inStock = variants.filter((v) => v.in_stock);
  const priced = inStock.length ? inStock : variants;
  const cheapest = priced.reduce<VariantCard | undefined>(
    (min, v) => (!min || toMinor(v.price) < toMinor(min.price) ? v : min),
    undefined,
  );
  const description =
    maxDescription && p.description.length > maxDescription
      ? `${p.description.slice(0, maxDescription).replace(/\s+\S*$/, '')}…`
      : p.description;
  return {
    id: p.id,
    title: p.title,
    name: p.title,
    description,
    merchant: p.merchantName,
    merchant_id: p.merchantId,
    vendor: p.vendor,
    category: p.category || p.productType,
    image_url: p.imageUrl,
    product_url: p.productUrl,
    price: cheapest ? fromMinor(toMinor(cheapest.price)) : null,
    currency: cheapest?.currency ?? null,
    in_stock: inStock.length > 0,
    variant_count: p.variantCount,
    variants,
  };
}

/** A product card from Postgres rows, listing `shown` variants (all live ones by default). */
export function toProductCard(
  p: ProductWithVariants,
  options: { shown?: VariantRow[]; maxDescription?: number } = {},
): ProductCard {
  const base: CardBase = {
    id: p.product.id,
    title: p.product.title,
    description: p.product.description,
    merchantName: p.merchant.name,
    merchantId: p.merchant.id,
    vendor: p.product.vendor,
    category: p.product.category,
    productType: p.product.productType,
    imageUrl: p.product.imageUrls[0] ?? null,
    productUrl: p.product.productUrl,
    variantCount: p.variants.length,
  };
  return buildCard(base, (options.shown ?? p.variants).map(toVariantCard), options.maxDescription);
}

/** A product card from a search document (the index's copy), listing `shown` variants. */
export function cardFromDocument(
  doc: SearchDocument,
  shown: SearchVariantDoc[],
  maxDescription?: number,
): ProductCard {
  const base: CardBase = {
    id: doc.id,
    title: doc.title,
    description: doc.description,
    merchantName: doc.merchantName,
    merchantId: doc.merchantId,
    vendor: doc.vendor,
    category: doc.category,
    productType: doc.productType,
    imageUrl: doc.imageUrl,
    productUrl: doc.productUrl,
    variantCount: doc.variants.length,
  };
  const cards = shown.map((v) => ({
    id: v.id,
    title: v.title,
    options: v.options,
    price: fromMinor(v.priceMinor),
    compare_at_price: v.compareAtMinor === null ? null : fromMinor(v.compareAtMinor),
    currency: v.currency,
    available_qty: v.availableQty,
    in_stock: v.availableQty > 0,
  }));
  return buildCard(base, cards, maxDescription);
}
