// The demo catalog in an in-memory database, with a way to rebuild any engine's index from it.
import { sql } from 'drizzle-orm';
import { loadDemoCatalog } from '../../src/catalog/demo.js';
import { rebuildIndex } from '../../src/catalog/index-sync.js';
import { EmbeddedSearchIndex } from '../../src/catalog/search/embedded.js';
import type { SearchIndex } from '../../src/catalog/search/port.js';
import { createCatalog } from '../../src/catalog/service.js';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export async function demoDatabase() {
  const database = await openDatabase({ driver: 'pglite', dir: null });
  await migrateDatabase(database);
  await loadDemoCatalog(database.db, createCatalog({ db: database.db, index: new EmbeddedSearchIndex() }));
  const rows = await database.db.execute<{ id: string; slug: string; source_id: string }>(
    sql`select p.id, m.slug, p.source_id from products p join merchants m on m.id = p.merchant_id`,
  );
  const list = (rows as unknown as { rows: { id: string; slug: string; source_id: string }[] }).rows;
  const idOf = new Map(list.map((r) => [`${r.slug}/${r.source_id}`, r.id]));
  return {
    database,
    db: database.db,
    /** Our product id for a judgment's (merchant slug, source id). */
    productId: (merchant: string, sourceId: string) => idOf.get(`${merchant}/${sourceId}`),
    async catalogWith(index: SearchIndex) {
      await rebuildIndex(database.db, index);
      return createCatalog({ db: database.db, index });
    },
  };
}
