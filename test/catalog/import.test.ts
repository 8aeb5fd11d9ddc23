import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogFile } from '../../src/catalog/import-file.js';
import { products, variants } from '../../src/catalog/schema.js';
import { EmbeddedSearchIndex } from '../../src/catalog/search/embedded.js';
import { createCatalog, type Catalog } from '../../src/catalog/service.js';
import { toSearchDocument } from '../../src/catalog/index-sync.js';
import { loadProducts } from '../../src/catalog/products.js';
import { deleteProducts } from '../../src/catalog/upsert.js';
import { jsonl, record, writeTempFile } from '../helpers/catalog.js';
import { openTestDb } from '../helpers/database.js';

let t: Awaited<ReturnType<typeof openTestDb>>;
let catalog: Catalog;
let index: EmbeddedSearchIndex;

beforeAll(async () => {
  t = await openTestDb();
  index = new EmbeddedSearchIndex();
  catalog = createCatalog({ db: t.db, index });
});
afterAll(() => t.close());

const importJsonl = async (merchant: string, items: unknown[]) =>
  catalog.importRecords(merchant, readCatalogFile(await writeTempFile('c.jsonl', jsonl(items))));
const ids = async (query: string) => (await catalog.search({ query })).products.map((p) => p.title);

describe('catalog import', () => {
  it('creates, then leaves identical records alone, then updates what changed', async () => {
    const tent = record({
      source_id: 'tent-1',
      title: 'Basecamp 2 Tent',
      category: 'Outdoor > Tents',
      variants: [{ price: '229.00', options: { Color: 'Green' } }],
    });
    const lamp = record({ source_id: 'lamp-1', title: 'Trail Headlamp' });
    const first = await importJsonl('Ridgeline', [tent, lamp]);
    expect(first).toMatchObject({
      created: 2,
      updated: 0,
      unchanged: 0,
      rejected: [],
      merchant: { slug: 'ridgeline' },
    });
    expect(await ids('tent')).toEqual(['Basecamp 2 Tent']);

    const again = await importJsonl('Ridgeline', [tent, lamp]);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2 });

    const cheaper = { ...tent, variants: [{ ...tent.variants[0]!, price: '199.5' }] };
    const third = await importJsonl('ridgeline', [cheaper, lamp]);
    expect(third).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    const found = await catalog.search({ query: 'tent under $200' });
    expect(found.products.map((p) => [p.title, p.price])).toEqual([['Basecamp 2 Tent', '199.50']]);
  });

  it('rejects bad records with their line and reason, and imports the rest', async () => {
    const good = record({ source_id: 'ok-1', title: 'Merino Hiking Socks' });
    const summary = await importJsonl('Ridgeline', [
      good,
      '{"source_id": "broken", ',
      { ...record({ source_id: 'no-title' }), title: '' },
      record({ source_id: 'bad-price', variants: [{ price: '12.999' }] }),
      { ...record({ source_id: 'extra' }), colour: 'red' },
      record({ source_id: 'ok-1', title: 'Duplicate' }),
      { source_id: 'no-variants', title: 'X', variants: [] },
      '',
      record({ source_id: 'ok-2', title: 'Camp Mug' }),
    ]);
    expect(summary.created).toBe(2);
    expect(summary.rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^not valid JSON/) },
      { line: 3, source_id: 'no-title', reason: expect.stringMatching(/^title: /) },
      {
        line: 4,
        source_id: 'bad-price',
        reason: expect.stringMatching(/^variants\.0\.price: must be a decimal string/),
      },
      { line: 5, source_id: 'extra', reason: expect.stringMatching(/Unrecognized key: "colour"/) },
      {
        line: 6,
        source_id: 'ok-1',
        reason: 'duplicate source_id (first on line 1); the first one was imported',
      },
      {
        line: 7,
        source_id: 'no-variants',
        reason: expect.stringMatching(/variants: a product needs at least one variant/),
      },
    ]);
    expect(await ids('socks')).toEqual(['Merino Hiking Socks']);
  });

  it('reads JSON arrays and {"products": [...]} too', async () => {
    const arr = await catalog.importRecords(
      'Hearth',
      readCatalogFile(
        await writeTempFile(
          'a.json',
          JSON.stringify([record({ source_id: 'pan-1', title: 'Cast Iron Skillet' })]),
        ),
      ),
    );
    expect(arr.created).toBe(1);
    const wrapped = await catalog.importRecords(
      'Hearth',
      readCatalogFile(
        await writeTempFile(
          'b.json',
          JSON.stringify({ products: [record({ source_id: 'pot-1', title: 'Dutch Oven' }), 7] }),
        ),
      ),
    );
    expect(wrapped.created).toBe(1);
    expect(wrapped.rejected).toEqual([{ line: 2, reason: expect.stringMatching(/expected object/) }]);
    const bad = await catalog.importRecords(
      'Hearth',
      readCatalogFile(await writeTempFile('c.json', '[1, 2')),
    );
    expect(bad.rejected).toEqual([{ line: 1, reason: expect.stringMatching(/^the file is not valid JSON/) }]);
    expect(await ids('pan')).toContain('Cast Iron Skillet');
  });

  it('never lets an older record overwrite a newer one', async () => {
    const newer = record({
      source_id: 'jacket-1',
      title: 'Rain Jacket v2',
      updated_at: '2026-05-02T00:00:00Z',
    });
    const older = { ...newer, title: 'Rain Jacket v1', updated_at: '2026-05-01T00:00:00Z' };
    await importJsonl('Northloom', [newer]);
    const r = await importJsonl('Northloom', [older]);
    expect(r).toMatchObject({ stale: 1, updated: 0 });
    expect(await ids('rain jacket')).toEqual(['Rain Jacket v2']);
  });

  it('drops removed variants from search but keeps their rows; unpublishing and deleting remove products', async () => {
    const shoe = record({
      source_id: 'shoe-1',
      title: 'Pacer Running Shoe',
      variants: [
        { source_id: 's9', options: { Size: '9' }, price: '120.00' },
        { source_id: 's10', options: { Size: '10' }, price: '120.00' },
      ],
    });
    await importJsonl('Pace', [shoe]);
    expect((await catalog.search({ query: 'running shoe size 10' })).products).toHaveLength(1);

    await importJsonl('Pace', [{ ...shoe, variants: [shoe.variants[0]] }]);
    expect((await catalog.search({ query: 'running shoe size 10' })).products).toHaveLength(0);
    const [row] = await t.db.select().from(products).where(eq(products.sourceId, 'shoe-1'));
    const rows = await t.db.select().from(variants).where(eq(variants.productId, row!.id));
    expect(rows.map((v) => [v.sourceId, v.deletedAt !== null]).sort()).toEqual([
      ['s10', true],
      ['s9', false],
    ]);
    expect((await catalog.getProduct(row!.id)).variants.map((v) => v.options.Size)).toEqual(['9']);

    await importJsonl('Pace', [{ ...shoe, status: 'draft' }]);
    expect(await ids('running shoe')).toEqual([]);
    await expect(catalog.getProduct(row!.id)).rejects.toMatchObject({ code: 'product_not_found' });

    await importJsonl('Pace', [shoe]);
    expect(await ids('running shoe')).toEqual(['Pacer Running Shoe']);
    const deleted = await deleteProducts(t.db, row!.merchantId, ['shoe-1']);
    await catalog.sync(deleted);
    expect(await ids('running shoe')).toEqual([]);
  });

  it('indexes what it wrote exactly as Postgres then holds it', async () => {
    // The index is fed from the rows the upsert wrote, not read back: each document must equal the one built from
    // Postgres, through creation, a changed price, a dropped and a revived variant, a new one, and a deletion undone.
    const tent = record({
      source_id: 'tent-9',
      title: 'Summit 3 Tent',
      description: 'Three people, four seasons.',
      tags: ['tent', 'camping'],
      image_urls: ['https://img.example/tent-9.jpg'],
      product_url: 'https://shop.example/tent-9',
      updated_at: '2026-06-01T00:00:00Z',
      variants: [
        { source_id: 'g', sku: 'T9-G', options: { Color: 'Green' }, price: '349.5', compare_at_price: '399' },
        { source_id: 'o', options: { Color: 'Orange' }, price: '349.50', available_qty: 0 },
      ],
    });
    const steps = [
      tent,
      { ...tent, variants: [{ ...tent.variants[0]!, price: '299.00' }], updated_at: '2026-06-02T00:00:00Z' },
      {
        ...tent,
        variants: [...tent.variants, { ...tent.variants[0]!, source_id: 'b', options: { Color: 'Blue' } }],
        updated_at: '2026-06-03T00:00:00Z',
      },
    ];
    for (const step of steps) {
      const summary = await importJsonl('Summit', [step]);
      expect(summary.created + summary.updated).toBe(1);
      const [row] = await t.db.select().from(products).where(eq(products.sourceId, 'tent-9'));
      const [loaded] = await loadProducts(t.db, [row!.id]);
      expect(index.document(row!.id)).toEqual(toSearchDocument(loaded!));
    }
    const [row] = await t.db.select().from(products).where(eq(products.sourceId, 'tent-9'));
    await catalog.sync(await deleteProducts(t.db, row!.merchantId, ['tent-9']));
    expect(index.document(row!.id)).toBeUndefined();
    await importJsonl('Summit', [steps[2]]);
    const [revived] = await loadProducts(t.db, [row!.id]);
    expect(revived!.product.status).toBe('active');
    expect(index.document(row!.id)).toEqual(toSearchDocument(revived!));
    expect(revived!.variants.map((v) => [v.sourceId, v.price, v.compareAtPrice])).toEqual([
      ['g', '349.50', '399.00'],
      ['o', '349.50', null],
      ['b', '349.50', '399.00'],
    ]);
  });

  it('rebuilds the index from Postgres', async () => {
    const before = await catalog.search({ query: '', limit: 20 });
    await index.clear();
    expect((await catalog.search({ query: '' })).total).toBe(0);
    const n = await catalog.rebuild();
    expect(n).toBe(before.total);
    expect((await catalog.search({ query: '', limit: 20 })).products.map((p) => p.id).sort()).toEqual(
      before.products.map((p) => p.id).sort(),
    );
  });
});
