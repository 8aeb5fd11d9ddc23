import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogText } from '../../src/catalog/import-file.js';
import { startIndexRefresher } from '../../src/catalog/index-refresher.js';
import { EmbeddedSearchIndex } from '../../src/catalog/search/embedded.js';
import { createCatalog } from '../../src/catalog/service.js';
import { jsonl, record } from '../helpers/catalog.js';
import { openTestDb } from '../helpers/database.js';

let t: Awaited<ReturnType<typeof openTestDb>>;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

describe('index refresher', () => {
  it("brings a node's own index up to date with writes made by another node", async () => {
    // Two nodes on one database, each with its own in-process index.
    const writer = createCatalog({ db: t.db, index: new EmbeddedSearchIndex() });
    const readerIndex = new EmbeddedSearchIndex();
    const reader = createCatalog({ db: t.db, index: readerIndex });
    const refresher = startIndexRefresher(t.db, readerIndex, {
      intervalMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    try {
      await writer.importRecords(
        'Ridgeline',
        readCatalogText(jsonl([record({ source_id: 'lamp', title: 'Trail Headlamp' })])),
      );
      expect((await reader.search({ query: 'headlamp' })).total).toBe(0);
      await refresher.tick();
      expect((await reader.search({ query: 'headlamp' })).products.map((p) => p.title)).toEqual([
        'Trail Headlamp',
      ]);

      await writer.importRecords(
        'Ridgeline',
        readCatalogText(jsonl([record({ source_id: 'lamp', title: 'Trail Headlamp', status: 'archived' })])),
      );
      await refresher.tick();
      expect((await reader.search({ query: 'headlamp' })).total).toBe(0);
    } finally {
      refresher.stop();
    }
  });
});
