// Keeps a search index in step with Postgres: documents built from the catalog tables, per product or all at once.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { toMinor } from '../money.js';
import { loadProducts, type ProductWithVariants } from './products.js';
import { products, type MerchantRow } from './schema.js';
import type { SearchDocument, SearchIndex } from './search/port.js';
import type { WrittenProduct } from './upsert.js';

export function toSearchDocument(p: ProductWithVariants): SearchDocument {
  return {
    id: p.product.id,
    merchantId: p.merchant.id,
    merchantSlug: p.merchant.slug,
    merchantName: p.merchant.name,
    title: p.product.title,
    description: p.product.description,
    vendor: p.product.vendor,
    productType: p.product.productType,
    category: p.product.category,
    tags: p.product.tags,
    imageUrl: p.product.imageUrls[0] ?? null,
    productUrl: p.product.productUrl,
    variants: p.variants.map((v) => ({
      id: v.id,
      title: v.title,
      options: v.options,
      priceMinor: toMinor(v.price),
      compareAtMinor: v.compareAtPrice === null ? null : toMinor(v.compareAtPrice),
      currency: v.currency,
      availableQty: v.availableQty,
    })),
    updatedAt: p.product.updatedAt.getTime(),
  };
}

/** Searchable = an active product of an active merchant with at least one live variant. */
function isSearchable(p: ProductWithVariants): boolean {
  return p.product.status === 'active' && p.merchant.status === 'active' && p.variants.length > 0;
}

/** Brings these products' documents up to date: upserts the searchable ones, removes the rest. */
export async function syncProducts(db: Db, index: SearchIndex, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const loaded = await loadProducts(db, batch);
    const searchable = loaded.filter(isSearchable);
    const keep = new Set(searchable.map((p) => p.product.id));
    await index.upsert(searchable.map(toSearchDocument));
    await index.remove(batch.filter((id) => !keep.has(id)));
  }
}

/** Indexes products just written, from the rows in hand (nothing is read back): as syncProducts would. */
export async function indexWritten(
  index: SearchIndex,
  merchant: MerchantRow,
  written: WrittenProduct[],
): Promise<void> {
  const all = written.map((w) => ({ ...w, merchant }));
  const searchable = all.filter(isSearchable);
  const keep = new Set(searchable.map((p) => p.product.id));
  if (searchable.length) await index.upsert(searchable.map(toSearchDocument));
  const gone = all.filter((p) => !keep.has(p.product.id)).map((p) => p.product.id);
  if (gone.length) await index.remove(gone);
}

/** Rebuilds the index from Postgres. Returns how many documents it holds. */
export async function rebuildIndex(
  db: Db,
  index: SearchIndex,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const ids = (
    await db
      .select({ id: products.id })
      .from(products)
      .where(eq(products.status, 'active'))
      .orderBy(asc(products.id))
  ).map((r) => r.id);
  await index.clear();
  for (let i = 0; i < ids.length; i += 1000) {
    await syncProducts(db, index, ids.slice(i, i + 1000));
    onProgress?.(Math.min(i + 1000, ids.length), ids.length);
  }
  return index.count();
}
