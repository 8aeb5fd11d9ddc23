// The demo catalog shipped in data/demo: six fictional stores, loaded by `aisle serve` when the catalog is empty so
// a new user can search at once.
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readCatalogFile, type ImportSummary } from './import-file.js';
import { ensureMerchant } from './merchants.js';
import type { Catalog } from './service.js';
import type { Db } from '../db/client.js';

export const DEMO_DIR = fileURLToPath(new URL('../../data/demo/', import.meta.url));

const merchantsSchema = z.array(
  z.object({
    slug: z.string(),
    name: z.string(),
    store_url: z.string().url(),
    description: z.string().optional(),
  }),
);

export async function loadDemoCatalog(db: Db, catalog: Catalog, dir = DEMO_DIR) {
  const merchants = merchantsSchema.parse(JSON.parse(await fs.readFile(`${dir}/merchants.json`, 'utf8')));
  const results: (ImportSummary & { merchant: string })[] = [];
  for (const m of merchants) {
    await ensureMerchant(db, { name: m.name, slug: m.slug, storeUrl: m.store_url });
    const summary = await catalog.importRecords(m.slug, readCatalogFile(`${dir}/${m.slug}.jsonl`));
    results.push({ ...summary, merchant: m.name });
  }
  return results;
}
