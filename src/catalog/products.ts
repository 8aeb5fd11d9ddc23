// Reading products from Postgres (the source of truth) and shaping them as the reference's product cards.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
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

/** Products by id, with their merchant and live variants, in the order of `ids`. Missing ids are left out. */
export async function loadProducts(db: Db, ids: string[]): Promise<ProductWithVariants[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ product: products, merchant: merchants })
    .from(products)
    .innerJoin(merchants, eq(products.merchantId, merchants.id))
    .where(inArray(products.id, ids));
  const vars = await db
    .select()
    .from(variants)
    .where(and(inArray(variants.productId, ids), isNull(variants.deletedAt)))
    .orderBy(asc(variants.position), asc(variants.id));
  const byProduct = new Map<string, VariantRow[]>();
  for (const v of vars) byProduct.set(v.productId, [...(byProduct.get(v.productId) ?? []), v]);
  const byId = new Map(
    rows.map((r) => [r.product.id, { ...r, variants: byProduct.get(r.product.id) ?? [] }]),
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

/** A product card listing `shown` variants (all live ones by default); long descriptions cut at `maxDescription`. */
export function toProductCard(
  p: ProductWithVariants,
  options: { shown?: VariantRow[]; maxDescription?: number } = {},
): ProductCard {
  const shown = options.shown ?? p.variants;
  const inStock = shown.filter((v) => v.availableQty > 0);
  const priced = inStock.length ? inStock : shown;
  const cheapest = priced.reduce<VariantRow | undefined>(
    (min, v) => (!min || toMinor(v.price) < toMinor(min.price) ? v : min),
    undefined,
  );
  const max = options.maxDescription;
  const description =
    max && p.product.description.length > max
      ? `${p.product.description.slice(0, max).replace(/\s+\S*$/, '')}…`
      : p.product.description;
  return {
    id: p.product.id,
    title: p.product.title,
    name: p.product.title,
    description,
    merchant: p.merchant.name,
    merchant_id: p.merchant.id,
    vendor: p.product.vendor,
    category: p.product.category || p.product.productType,
    image_url: p.product.imageUrls[0] ?? null,
    product_url: p.product.productUrl,
    price: cheapest ? fromMinor(toMinor(cheapest.price)) : null,
    currency: cheapest?.currency ?? null,
    in_stock: inStock.length > 0,
    variant_count: p.variants.length,
    variants: shown.map(toVariantCard),
  };
}
