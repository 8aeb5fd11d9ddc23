// Merchants: the stores products come from. Found or created by name for file imports; connectors add their own.
import { eq, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { merchants, type MerchantRow } from './schema.js';

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

export async function findMerchant(db: Db, ref: string): Promise<MerchantRow | undefined> {
  const [row] = await db
    .select()
    .from(merchants)
    .where(or(eq(merchants.id, ref), eq(merchants.slug, slugify(ref)), eq(merchants.name, ref)))
    .limit(1);
  return row;
}

export async function getMerchant(db: Db, ref: string): Promise<MerchantRow> {
  const row = await findMerchant(db, ref);
  if (!row) throw new AppError('not_found', `No merchant "${ref}".`, { code: 'merchant_not_found' });
  return row;
}

/** The merchant with this name (or slug), created as a file-import merchant when there is none. */
export async function ensureMerchant(
  db: Db,
  input: { name: string; slug?: string; storeUrl?: string | null; platform?: MerchantRow['platform'] },
): Promise<MerchantRow> {
  const slug = input.slug ?? slugify(input.name);
  if (!slug)
    throw new AppError('bad_request', `"${input.name}" is not a usable merchant name.`, {
      code: 'invalid_merchant',
    });
  const existing = await findMerchant(db, slug);
  if (existing) return existing;
  const [row] = await db
    .insert(merchants)
    .values({ slug, name: input.name, storeUrl: input.storeUrl ?? null, platform: input.platform ?? 'file' })
    .onConflictDoNothing({ target: merchants.slug })
    .returning();
  return row ?? (await getMerchant(db, slug));
}

export async function listMerchants(db: Db): Promise<MerchantRow[]> {
  return db.select().from(merchants).orderBy(merchants.name);
}
