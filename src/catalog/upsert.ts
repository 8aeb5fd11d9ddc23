// Writes canonical records into the catalog, keyed by (merchant, source id): new products are created, changed ones
// updated in place, identical ones left alone, and records older than what we hold are ignored.
import { createHash } from 'node:crypto';
import { and, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { normalizeMoney } from '../money.js';
import type { ProductRecord, VariantRecord } from './import-format.js';
import { products, variants, type ProductRow } from './schema.js';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'stale';
export type UpsertResult = { sourceId: string; productId: string; outcome: UpsertOutcome };

function contentHash(record: ProductRecord): string {
  const { updated_at: _ignored, ...content } = record;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

export function variantTitle(v: VariantRecord): string {
  return v.title || Object.values(v.options).join(' / ') || 'Default';
}

function productColumns(r: ProductRecord) {
  return {
    title: r.title,
    description: r.description,
    vendor: r.vendor,
    productType: r.product_type,
    category: r.category,
    tags: r.tags,
    imageUrls: r.image_urls,
    productUrl: r.product_url ?? null,
    status: r.status,
    contentHash: contentHash(r),
    sourceUpdatedAt: r.updated_at ? new Date(r.updated_at) : null,
  };
}

function variantColumns(v: VariantRecord, position: number) {
  return {
    sku: v.sku ?? '',
    title: variantTitle(v),
    options: v.options,
    price: normalizeMoney(v.price),
    compareAtPrice: v.compare_at_price ? normalizeMoney(v.compare_at_price) : null,
    currency: v.currency,
    availableQty: v.available_qty,
    imageUrl: v.image_url ?? null,
    position,
    deletedAt: null,
  };
}

// On conflict, every column takes the incoming row's value ("excluded"): one statement for all of a product's variants.
const UPDATE_FROM_EXCLUDED = Object.fromEntries(
  (
    [
      'sku',
      'title',
      'options',
      'price',
      'compareAtPrice',
      'currency',
      'availableQty',
      'imageUrl',
      'position',
      'deletedAt',
    ] as const
  ).map((key) => [key, sql.raw(`excluded.${variants[key].name}`)]),
);

async function writeVariants(tx: Db, productId: string, record: ProductRecord) {
  const incoming = record.variants.map((v) => v.source_id);
  await tx
    .insert(variants)
    .values(record.variants.map((v, i) => ({ productId, sourceId: v.source_id, ...variantColumns(v, i) })))
    .onConflictDoUpdate({
      target: [variants.productId, variants.sourceId],
      set: { ...UPDATE_FROM_EXCLUDED, updatedAt: new Date() },
    });
  // Variants the source no longer has stay as rows (orders name them) but leave the catalog.
  await tx
    .update(variants)
    .set({ deletedAt: new Date() })
    .where(
      and(
        eq(variants.productId, productId),
        notInArray(variants.sourceId, incoming),
        isNull(variants.deletedAt),
      ),
    );
}

/** Rows of variants per insert statement: 12 columns each stays well under Postgres's 65,535 parameters. */
const VARIANT_ROWS_PER_INSERT = 4000;

/**
 * New products in set-based statements: one insert for the products, then their variants in as few inserts as the
 * parameter limit allows (a new product has no old variants to retire). A full sync is mostly this path.
 */
async function insertNew(tx: Db, merchantId: string, records: ProductRecord[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (records.length === 0) return ids;
  const inserted = await tx
    .insert(products)
    .values(records.map((r) => ({ merchantId, sourceId: r.source_id, ...productColumns(r) })))
    .returning({ id: products.id, sourceId: products.sourceId });
  for (const row of inserted) ids.set(row.sourceId, row.id);
  const rows = records.flatMap((r) =>
    r.variants.map((v, i) => ({
      productId: ids.get(r.source_id)!,
      sourceId: v.source_id,
      ...variantColumns(v, i),
    })),
  );
  for (let i = 0; i < rows.length; i += VARIANT_ROWS_PER_INSERT) {
    await tx.insert(variants).values(rows.slice(i, i + VARIANT_ROWS_PER_INSERT));
  }
  return ids;
}

/** Upserts one batch of records of one merchant in one transaction. Records must have distinct source ids. */
export async function upsertProducts(
  db: Db,
  merchantId: string,
  records: ProductRecord[],
): Promise<UpsertResult[]> {
  if (records.length === 0) return [];
  return db.transaction(async (tx) => {
    const existing = await tx
      .select()
      .from(products)
      .where(
        and(
          eq(products.merchantId, merchantId),
          inArray(
            products.sourceId,
            records.map((r) => r.source_id),
          ),
        ),
      )
      .for('update');
    const bySource = new Map<string, ProductRow>(existing.map((p) => [p.sourceId, p]));
    const created = await insertNew(
      tx,
      merchantId,
      records.filter((r) => !bySource.has(r.source_id)),
    );
    const results: UpsertResult[] = [];
    for (const record of records) {
      const current = bySource.get(record.source_id);
      if (!current) {
        results.push({
          sourceId: record.source_id,
          productId: created.get(record.source_id)!,
          outcome: 'created',
        });
        continue;
      }
      const columns = productColumns(record);
      const stale =
        current.sourceUpdatedAt &&
        columns.sourceUpdatedAt &&
        columns.sourceUpdatedAt < current.sourceUpdatedAt;
      if (stale || (current.contentHash === columns.contentHash && current.status !== 'deleted')) {
        results.push({
          sourceId: record.source_id,
          productId: current.id,
          outcome: stale ? 'stale' : 'unchanged',
        });
        continue;
      }
      await tx.update(products).set(columns).where(eq(products.id, current.id));
      await writeVariants(tx, current.id, record);
      results.push({ sourceId: record.source_id, productId: current.id, outcome: 'updated' });
    }
    return results;
  });
}

/** Marks products deleted (the source removed them); returns the ids that changed. */
export async function deleteProducts(db: Db, merchantId: string, sourceIds: string[]): Promise<string[]> {
  if (sourceIds.length === 0) return [];
  const rows = await db
    .update(products)
    .set({ status: 'deleted' })
    .where(and(eq(products.merchantId, merchantId), inArray(products.sourceId, sourceIds)))
    .returning({ id: products.id });
  return rows.map((r) => r.id);
}
