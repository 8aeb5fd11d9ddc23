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

  it("leaves alone what its own node already indexed, and still follows the other node's writes", async () => {
    // Counts what reaches the index: the node's own import, then the refresher.
    class CountingIndex extends EmbeddedSearchIndex {
      written: string[] = [];
      override async upsert(docs: Parameters<EmbeddedSearchIndex['upsert']>[0]) {
        this.written.push(...docs.map((d) => d.id));
        return super.upsert(docs);
      }
      override async remove(ids: string[]) {
        this.written.push(...ids);
        return super.remove(ids);
      }
    }
    const index = new CountingIndex();
    const own = createCatalog({ db: t.db, index });
    const other = createCatalog({ db: t.db, index: new EmbeddedSearchIndex() });
    const refresher = startIndexRefresher(t.db, index, {
      intervalMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    try {
      await refresher.tick(); // what the first test wrote
      const items = [
        record({ source_id: 'stove', title: 'Camp Stove' }),
        record({ source_id: 'pot', title: 'Titanium Pot', status: 'draft' }),
      ];
      await own.importRecords('Ridgeline', readCatalogText(jsonl(items)));
      index.written = [];
      await refresher.tick();
      expect(index.written).toEqual([]);

      await other.importRecords(
        'Ridgeline',
        readCatalogText(
          jsonl([
            { ...items[0]!, title: 'Camp Stove Mk II' },
            { ...items[1]!, status: 'active' },
          ]),
        ),
      );
      await refresher.tick();
      expect(index.written).toHaveLength(2);
      expect((await own.search({ query: 'stove mk' })).products.map((p) => p.title)).toEqual([
        'Camp Stove Mk II',
      ]);
      expect((await own.search({ query: 'titanium pot' })).total).toBe(1);
    } finally {
      refresher.stop();
    }
  });
});
