// The WooCommerce connector end to end: our real sync engine, webhook receiver, checkout and outbox against a fake
// WooCommerce store on loopback (full sync, reconciliation, deletes, retries, a dead run resumed, webhooks, orders
// handed to the store and fulfilment coming back).
import { and, desc, eq, isNull } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Connector, MerchantOrder } from '../../../src/catalog/connectors/connector.js';
import { connectStore } from '../../../src/catalog/connectors/connections.js';
import { storeHandoff } from '../../../src/catalog/connectors/handoff.js';
import { merchantOrders, storeWebhookReceipts, syncRuns } from '../../../src/catalog/connectors/schema.js';
import { runSync } from '../../../src/catalog/connectors/sync.js';
import {
  catalogSourceIds,
  createWooCommerceConnector,
  htmlToText,
  UNMANAGED_IN_STOCK_QTY,
  type WooCommerceOptions,
} from '../../../src/catalog/connectors/woocommerce.js';
import { products, variants } from '../../../src/catalog/schema.js';
import { orders } from '../../../src/commerce/order-schema.js';
import { buyProduct } from '../../../src/tools/buy-product.js';
import { webhookDeliveries } from '../../../src/webhooks/schema.js';
import { startOutboxWorker, type OutboxWorker } from '../../../src/webhooks/worker.js';
import {
  startFakeWooCommerce,
  type FakeWooCommerce,
  type WooProduct,
  type WooWebhookDelivery,
} from '../../fakes/woocommerce.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { openShop, type Shop } from '../../helpers/shop.js';

const KEY = 'ck_4f1d0a9b2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a';
const SECRET = 'cs_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';
const HOOK_SECRET = 'aisle-woo-webhook-secret';
const credentials = { consumerKey: KEY, consumerSecret: SECRET, webhookSecret: HOOK_SECRET };

let t: TestApp;
/** Requests of the connector under test go through here, so a test can script what the network does. */
let intercept: ((url: URL, real: () => Promise<Response>) => Promise<Response>) | undefined;
const fast = (extra: WooCommerceOptions = {}) =>
  createWooCommerceConnector({
    backoffMs: 2,
    maxBackoffMs: 20,
    retries: 4,
    resolveSourceIds: catalogSourceIds(t.db),
    fetch: (input, init) => {
      const real = () => fetch(input, init);
      return intercept ? intercept(new URL(String(input)), real) : real();
    },
    ...extra,
  });
const fakes: FakeWooCommerce[] = [];
let shipped: Connector | undefined;

async function startFake(products: number, seed = 42) {
  const fake = await startFakeWooCommerce({
    consumerKey: KEY,
    consumerSecret: SECRET,
    webhookSecret: HOOK_SECRET,
    products,
    seed,
  });
  fakes.push(fake);
  return fake;
}

const connect = (fake: FakeWooCommerce, name: string, creds = credentials) =>
  connectStore(
    t.db,
    { connectors: t.deps.stores.connectors, sealer: t.deps.stores.sealer },
    { platform: 'woocommerce', baseUrl: fake.url, credentials: creds, name },
  );

const connectionOf = (fake: FakeWooCommerce, merchantId = ''): Connection => ({
  merchantId,
  merchantName: '',
  platform: 'woocommerce',
  baseUrl: fake.url,
  credentials,
});

/** What a sync should import: products with at least one enabled, priced variant (not trashed, not grouped). */
function sellable(fake: FakeWooCommerce): WooProduct[] {
  return fake.store.products().filter((p) => {
    if (p.status === 'trash') return false;
    if (p.type === 'variable') {
      return fake.store.variations(p.id).some((v) => v.status === 'publish' && v.price !== '');
    }
    return p.type === 'simple' && p.price !== '';
  });
}

async function held(merchantId: string) {
  const rows = await t.db.select().from(products).where(eq(products.merchantId, merchantId));
  const vars = await t.db
    .select({ v: variants, sourceId: products.sourceId })
    .from(variants)
    .innerJoin(products, eq(products.id, variants.productId))
    .where(and(eq(products.merchantId, merchantId), isNull(variants.deletedAt)));
  return new Map(
    rows.map((p) => [
      p.sourceId,
      { ...p, variants: vars.filter((v) => v.sourceId === p.sourceId).map((v) => v.v) },
    ]),
  );
}

const post = (merchantId: string, d: WooWebhookDelivery) =>
  t.app.inject({
    method: 'POST',
    url: `/webhooks/stores/${merchantId}`,
    headers: d.headers,
    payload: d.body,
  });

const productListRequests = (fake: FakeWooCommerce, from = 0) =>
  fake.received.slice(from).filter((r) => r.route === '/wc/v3/products' && r.method === 'GET');

beforeAll(async () => {
  t = await startTestApp({
    env: {
      AISLE_WEBHOOK_RETRY_BASE_MS: '1',
      AISLE_WEBHOOK_RETRY_MAX_MS: '1',
      AISLE_WEBHOOK_MAX_ATTEMPTS: '3',
    },
  });
  // The server ships with the connector; the tests use one with millisecond backoffs and a scriptable network.
  shipped = t.deps.stores.connectors.woocommerce;
  t.deps.stores.connectors.woocommerce = fast();
});
afterAll(async () => {
  for (const f of fakes) await f.close();
  await t?.close();
});

it('the server ships with the WooCommerce connector', () => {
  expect(shipped?.platform).toBe('woocommerce');
});

describe('catalog sync', () => {
  let fake: FakeWooCommerce;
  let merchantId: string;

  beforeAll(async () => {
    fake = await startFake(250);
  });

  it('refuses a wrong consumer secret with a clear, final error; connects with the right one', async () => {
    await expect(
      connect(fake, 'Woo Outfitters', { ...credentials, consumerSecret: 'cs_wrong' }),
    ).rejects.toMatchObject({
      name: 'StoreError',
      retryable: false,
      status: 401,
      message: expect.stringMatching(/consumer key was refused.*Read/),
    });
    const connected = await connect(fake, 'Woo Outfitters');
    merchantId = connected.merchantId;
    // The fake serves no WordPress index: the store is named after its host.
    expect(connected).toMatchObject({ platform: 'woocommerce', baseUrl: fake.url, storeName: '127.0.0.1' });
    expect(fake.received.every((r) => r.auth === 'basic' || r.route === '/')).toBe(true);
  });

  it('a full sync imports every sellable product with its variations, prices, sales and stock', async () => {
    const expected = sellable(fake);
    expect(expected.length).toBeGreaterThan(200);
    const from = fake.received.length;
    const run = await runSync(t.deps.stores.sync, merchantId, 'full');
    expect(run).toMatchObject({
      status: 'succeeded',
      fetched: expected.length,
      created: expected.length,
      updated: 0,
      rejected: 0,
      deleted: 0,
      errors: [],
    });

    // Pages of 100 in id order, drafts and private products included.
    const pages = productListRequests(fake, from).filter((r) => r.query._fields === undefined);
    expect(pages.map((r) => r.query.page)).toEqual(['1', '2', '3']);
    for (const r of pages) {
      expect(r.query).toMatchObject({ per_page: '100', orderby: 'id', order: 'asc', status: 'any' });
    }
    const variable = expected.filter((p) => p.type === 'variable');
    expect(variable.length).toBeGreaterThan(50);
    expect(
      fake.received.slice(from).filter((r) => /^\/wc\/v3\/products\/\d+\/variations$/.test(r.route)),
    ).toHaveLength(fake.store.products().filter((p) => p.type === 'variable').length);

    const db = await held(merchantId);
    expect(db.size).toBe(expected.length);
    let sales = 0;
    let unmanaged = 0;
    for (const p of expected) {
      const row = db.get(String(p.id))!;
      expect(row.title).toBe(p.name.replace(/&amp;/g, '&'));
      expect(row.status).toBe(
        { publish: 'active', draft: 'draft', pending: 'draft', private: 'archived' }[p.status as string],
      );
      // The latest change of the product or any of its variations.
      const changed = [p, ...(p.type === 'variable' ? fake.store.variations(p.id) : [])].map((x) =>
        Date.parse(`${x.date_modified_gmt}Z`),
      );
      expect(row.sourceUpdatedAt?.getTime()).toBe(Math.max(...changed));
      expect(row.productUrl).toBe(p.permalink);
      expect(row.imageUrls).toEqual(p.images.map((i) => i.src));
      const wooVariants =
        p.type === 'variable'
          ? fake.store.variations(p.id).filter((v) => v.status === 'publish' && v.price !== '')
          : [p];
      expect(row.variants.map((v) => v.sourceId).sort()).toEqual(wooVariants.map((v) => String(v.id)).sort());
      for (const w of wooVariants) {
        const v = row.variants.find((x) => x.sourceId === String(w.id))!;
        expect(Number(v.price)).toBe(Number(w.on_sale ? w.sale_price : w.regular_price));
        expect(v.compareAtPrice === null ? null : Number(v.compareAtPrice)).toBe(
          w.on_sale ? Number(w.regular_price) : null,
        );
        if (w.on_sale) sales++;
        expect(v.currency).toBe('USD');
        if (w.manage_stock === true) expect(v.availableQty).toBe(Math.max(0, w.stock_quantity ?? 0));
        else {
          unmanaged++;
          expect(v.availableQty).toBe(w.stock_status === 'instock' ? UNMANAGED_IN_STOCK_QTY : 0);
        }
        if (p.type === 'variable') {
          const attrs = (w as { attributes: { name: string; option: string }[] }).attributes;
          expect(v.options).toEqual(Object.fromEntries(attrs.map((a) => [a.name, a.option])));
          expect(v.title).toBe(attrs.map((a) => a.option).join(' / '));
        }
      }
    }
    expect(sales).toBeGreaterThan(10);
    expect(unmanaged).toBeGreaterThan(10);

    // Text: tags stripped, entities decoded; the categories as a path.
    const kitchen = expected.find((p) => p.categories.some((c) => c.slug === 'kitchen'))!;
    const row = db.get(String(kitchen.id))!;
    expect(row.category).toBe('Home & Living > Kitchen');
    expect(row.productType).toBe('Kitchen');
    expect(row.description).toBe(htmlToText(kitchen.description));
    expect(row.description).not.toMatch(/<|&amp;|&#/);
    expect(row.tags).toEqual(kitchen.tags.map((tag) => tag.name));

    // Searchable at once.
    const published = expected.find((p) => p.status === 'publish' && p.name.split(' ').length === 2)!;
    const found = await t.deps.catalog.search({ query: published.name, limit: 50 });
    expect(found.products.map((c) => c.id)).toContain(db.get(String(published.id))!.id);
  });

  it('a reconciliation asks only for what changed since the last sync and writes only that', async () => {
    const [simple] = sellable(fake).filter((p) => p.type === 'simple' && p.status === 'publish');
    const parent = sellable(fake).find((p) => p.type === 'variable' && p.status === 'publish')!;
    const variation = fake.store.variations(parent.id).find((v) => v.status === 'publish')!;
    fake.updateProduct(simple!.id, { regular_price: '99.00', sale_price: '' });
    fake.updateVariation(parent.id, variation.id, { manage_stock: true, stock_quantity: 3 });
    const added = fake.addProduct({
      name: 'Harbor Storm Lantern',
      type: 'simple',
      regular_price: '64.5',
      manage_stock: true,
      stock_quantity: 7,
      description: '<p>Hurricane-proof &amp; bright.</p>',
    });

    const from = fake.received.length;
    const run = await runSync(t.deps.stores.sync, merchantId, 'reconcile');
    expect(run).toMatchObject({ status: 'succeeded', fetched: 3, created: 1, updated: 2, unchanged: 0 });
    const [page] = productListRequests(fake, from);
    expect(page!.query).toMatchObject({ dates_are_gmt: 'true', status: 'any' });
    expect(page!.query.modified_after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

    const db = await held(merchantId);
    expect(db.get(String(simple!.id))!.variants[0]).toMatchObject({ price: '99.00', compareAtPrice: null });
    expect(
      db.get(String(parent.id))!.variants.find((v) => v.sourceId === String(variation.id)),
    ).toMatchObject({
      availableQty: 3,
    });
    expect(db.get(String(added.id))).toMatchObject({
      title: 'Harbor Storm Lantern',
      description: 'Hurricane-proof & bright.',
      status: 'active',
    });
    expect(db.get(String(added.id))!.variants[0]).toMatchObject({ price: '64.50', availableQty: 7 });
  });

  it('a full sync removes what the store no longer has (trashed or deleted for good)', async () => {
    const [a, b] = sellable(fake).filter((p) => p.status === 'publish');
    fake.deleteProduct(a!.id);
    fake.deleteProduct(b!.id, { force: true });
    const run = await runSync(t.deps.stores.sync, merchantId, 'full');
    expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 2 });
    const db = await held(merchantId);
    expect(db.get(String(a!.id))!.status).toBe('deleted');
    expect(db.get(String(b!.id))!.status).toBe('deleted');
    const found = await t.deps.catalog.search({ query: a!.name, limit: 50 });
    expect(found.products.map((c) => c.id)).not.toContain(db.get(String(a!.id))!.id);
  });

  it('retries 5xx and 429 (honouring Retry-After); gives up with a retryable error when the store stays down', async () => {
    fake.failNext(2, 503);
    const from = fake.received.length;
    const run = await runSync(t.deps.stores.sync, merchantId, 'reconcile');
    expect(run.status).toBe('succeeded');
    expect(fake.received.slice(from, from + 3).map((r) => r.status)).toEqual([503, 503, 200]);

    const patient = createWooCommerceConnector({ backoffMs: 2, maxBackoffMs: 5000 });
    fake.rateLimit(true, { retryAfterSeconds: 1 });
    setTimeout(() => fake.rateLimit(false), 200);
    const started = Date.now();
    await expect(patient.verify(connectionOf(fake))).resolves.toEqual({ storeName: '127.0.0.1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    fake.failNext(100, 500);
    const before = fake.received.length;
    await expect(
      t.deps.stores.connectors.woocommerce!.fetchPage(connectionOf(fake), { cursor: null, since: null }),
    ).rejects.toMatchObject({ name: 'StoreError', retryable: true, status: 500 });
    expect(fake.received.length - before).toBe(5); // 1 + 4 retries
    // A run against a store that stays down fails, and says why.
    await expect(runSync(t.deps.stores.sync, merchantId, 'reconcile')).rejects.toThrow(/HTTP 500/);
    fake.failNext(0);
    const [last] = await t.db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.merchantId, merchantId))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1);
    expect(last).toMatchObject({ status: 'failed', errors: [expect.stringMatching(/HTTP 500/)] });
  });
});

describe('mapping', () => {
  it('maps brands, hidden products, inherited and unmanaged stock, partial variations; leaves out what cannot be sold', async () => {
    const fake = await startFakeWooCommerce({
      consumerKey: KEY,
      consumerSecret: SECRET,
      webhookSecret: HOOK_SECRET,
      products: [
        {
          id: 10,
          name: 'Salt &amp; Pepper Set',
          type: 'simple',
          regular_price: '24.5',
          brands: [{ id: 3, name: 'Acme &amp; Sons', slug: 'acme-sons' }],
          description: '<h3>Details</h3>\n<ul>\n<li>Stoneware</li>\n<li>Dishwasher safe</li>\n</ul>',
          stock_status: 'onbackorder',
        },
        {
          id: 11,
          name: 'Hidden Gift Card',
          type: 'simple',
          regular_price: '50',
          catalog_visibility: 'hidden',
        },
        {
          id: 12,
          name: 'Field Jacket',
          type: 'variable',
          manage_stock: true,
          stock_quantity: 9,
          attributes: [
            { id: 1, name: 'Color', position: 0, visible: true, variation: true, options: ['Olive', 'Sand'] },
            { id: 2, name: 'Size', position: 1, visible: true, variation: true, options: ['M', 'L'] },
          ],
          variations: [
            {
              id: 13,
              regular_price: '120',
              manage_stock: 'parent',
              attributes: [{ id: 1, name: 'Color', option: 'Olive' }],
            },
            { id: 14, regular_price: '', attributes: [{ id: 1, name: 'Color', option: 'Sand' }] },
            {
              id: 15,
              regular_price: '125',
              stock_status: 'instock',
              attributes: [
                { id: 1, name: 'Color', option: 'Sand' },
                { id: 2, name: 'Size', option: 'L' },
              ],
            },
          ],
        },
        { id: 20, name: 'Gift Bundle', type: 'grouped', grouped_products: [10, 11] },
        {
          id: 21,
          name: 'Affiliate Kettle',
          type: 'external',
          regular_price: '80',
          external_url: 'https://example.com/k',
        },
        { id: 22, name: 'Price On Request', type: 'simple', regular_price: '' },
        {
          id: 23,
          name: 'Unpriced Variable',
          type: 'variable',
          variations: [{ id: 24, regular_price: '', attributes: [{ id: 1, name: 'Color', option: 'Red' }] }],
        },
      ],
    });
    fakes.push(fake);
    // The store's currency comes from /data/currencies/current (this fake has none: serve it here).
    let asked = 0;
    intercept = (url, real) => {
      if (!url.pathname.endsWith('/wc/v3/data/currencies/current')) return real();
      asked++;
      return Promise.resolve(Response.json({ code: 'EUR', name: 'Euro', symbol: '€' }));
    };
    try {
      const connector = t.deps.stores.connectors.woocommerce!;
      const page = await connector.fetchPage(connectionOf(fake), { cursor: null, since: null });
      expect(page.next).toBeNull();
      expect(page.deleted).toEqual(['20', '21', '22', '23']);
      const [salt, hidden, jacket] = page.records;
      expect(page.records).toHaveLength(3);
      expect(salt).toMatchObject({
        source_id: '10',
        title: 'Salt & Pepper Set',
        vendor: 'Acme & Sons',
        description: 'Details\n\n• Stoneware\n• Dishwasher safe',
        category: '',
        status: 'active',
        variants: [
          { source_id: '10', title: 'Salt & Pepper Set', price: '24.5', currency: 'EUR', available_qty: 0 },
        ],
      });
      expect(hidden).toMatchObject({ source_id: '11', status: 'archived' });
      expect(jacket!.variants).toEqual([
        expect.objectContaining({
          source_id: '13',
          title: 'Olive',
          options: { Color: 'Olive' },
          price: '120',
          available_qty: 9,
        }),
        expect.objectContaining({
          source_id: '15',
          title: 'Sand / L',
          options: { Color: 'Sand', Size: 'L' },
          available_qty: UNMANAGED_IN_STOCK_QTY,
        }),
      ]);
      // The currency is asked once per store.
      await connector.fetchProducts(connectionOf(fake), ['12']);
      expect(asked).toBe(1);
    } finally {
      intercept = undefined;
    }

    // Keys as query parameters, for servers that drop the Authorization header.
    const viaQuery = createWooCommerceConnector({ queryStringAuth: true });
    await viaQuery.verify(connectionOf(fake));
    expect(fake.received.at(-2)).toMatchObject({ auth: 'query', route: '/wc/v3/products' });
  });

  it('a product we hold that can no longer be sold leaves the catalog', async () => {
    const fake = await startFake(0);
    const p = fake.addProduct({ name: 'Fading Mug', type: 'simple', regular_price: '15' });
    const { merchantId } = await connect(fake, 'Woo Fading');
    await runSync(t.deps.stores.sync, merchantId, 'full');
    expect((await held(merchantId)).get(String(p.id))!.status).toBe('active');
    fake.updateProduct(p.id, { regular_price: '' });
    const run = await runSync(t.deps.stores.sync, merchantId, 'reconcile');
    expect(run).toMatchObject({ status: 'succeeded', fetched: 0, deleted: 1 });
    expect((await held(merchantId)).get(String(p.id))!.status).toBe('deleted');
  });
});

describe('a sync whose process died', () => {
  it('is resumed from its page cursor once its heartbeat is old, without duplicates', async () => {
    const fake = await startFake(250, 7);
    const { merchantId } = await connect(fake, 'Woo Resumed');
    const expected = sellable(fake);
    // The process "dies" while it reads page 3 (of 5): that request never returns.
    let dead = true;
    const pageOf = (url: URL) =>
      url.pathname.endsWith('/wc/v3/products') && url.searchParams.get('per_page') === '50'
        ? url.searchParams.get('page')
        : null;
    const saved = t.deps.stores.connectors.woocommerce;
    t.deps.stores.connectors.woocommerce = fast({ pageSize: 50 });
    intercept = (url, real) => (dead && pageOf(url) === '3' ? new Promise<Response>(() => {}) : real());
    try {
      void runSync(t.deps.stores.sync, merchantId, 'full').catch(() => {});
      let run: typeof syncRuns.$inferSelect | undefined;
      for (let i = 0; i < 600 && run?.cursor !== '3'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.merchantId, merchantId));
      }
      expect(run).toMatchObject({ status: 'running', cursor: '3' });
      const firstTwoPages = run!.fetched;
      expect(firstTwoPages).toBeGreaterThan(80);

      // While its heartbeat is fresh, nobody else may start.
      await expect(runSync(t.deps.stores.sync, merchantId, 'full')).rejects.toMatchObject({
        code: 'sync_running',
      });

      await t.db
        .update(syncRuns)
        .set({ heartbeatAt: new Date(Date.now() - 5 * 60_000) })
        .where(eq(syncRuns.id, run!.id));
      dead = false;
      const from = fake.received.length;
      const resumed = await runSync(t.deps.stores.sync, merchantId, 'full');
      expect(resumed).toMatchObject({
        id: run!.id,
        status: 'succeeded',
        fetched: expected.length,
        created: expected.length,
        deleted: 0,
      });
      const pages = fake.received
        .slice(from)
        .map((r) => new URL(r.url, fake.url))
        .map(pageOf)
        .filter(Boolean);
      expect(pages).toEqual(['3', '4', '5']);
      const db = await held(merchantId);
      expect(db.size).toBe(expected.length);
    } finally {
      intercept = undefined;
      t.deps.stores.connectors.woocommerce = saved;
    }
  });
});

describe('store webhooks', () => {
  let fake: FakeWooCommerce;
  let merchantId: string;

  beforeAll(async () => {
    fake = await startFake(30, 11);
    ({ merchantId } = await connect(fake, 'Woo Hooks'));
    await runSync(t.deps.stores.sync, merchantId, 'full');
  });

  const productOf = async (id: number) => (await held(merchantId)).get(String(id));

  it('answers the unsigned creation ping with 200 and changes nothing', async () => {
    const res = await post(merchantId, fake.ping(3));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true });
    expect(await t.db.select().from(storeWebhookReceipts)).toHaveLength(0);
  });

  it('product.created and product.updated of a simple product are applied from the payload', async () => {
    const p = fake.addProduct({
      name: 'Canyon Camp Stool',
      type: 'simple',
      regular_price: '42.00',
      manage_stock: true,
      stock_quantity: 5,
      categories: [{ id: 26, name: 'Outdoor', slug: 'outdoor' }],
    });
    const from = fake.received.length;
    const created = await post(merchantId, fake.webhook('product.created', p.id));
    expect(created.statusCode).toBe(200);
    expect(created.json()).toEqual({ received: true, applied: 'upsert' });
    expect(fake.received.length).toBe(from); // nothing fetched: the payload is the product
    expect((await productOf(p.id))!.variants[0]).toMatchObject({ price: '42.00', availableQty: 5 });
    const found = await t.deps.catalog.search({ query: 'camp stool' });
    expect(found.products[0]?.title).toBe('Canyon Camp Stool');

    fake.updateProduct(p.id, { sale_price: '35' });
    const updated = await post(merchantId, fake.webhook('product.updated', p.id));
    expect(updated.json()).toEqual({ received: true, applied: 'upsert' });
    expect((await productOf(p.id))!.variants[0]).toMatchObject({ price: '35.00', compareAtPrice: '42.00' });

    fake.deleteProduct(p.id);
    const deleted = await post(merchantId, fake.webhook('product.deleted', p.id));
    expect(deleted.json()).toEqual({ received: true, applied: 'delete' });
    expect((await productOf(p.id))!.status).toBe('deleted');

    fake.updateProduct(p.id, { status: 'publish' });
    const restored = await post(merchantId, fake.webhook('product.restored', p.id));
    expect(restored.json()).toEqual({ received: true, applied: 'refetch' });
    expect((await productOf(p.id))!.status).toBe('active');
  });

  it('a variable product, or a variation edit (sent as its parent), is fetched again', async () => {
    const parent = sellable(fake).find((p) => p.type === 'variable' && p.status === 'publish')!;
    fake.updateProduct(parent.id, { name: 'Renamed Alpine Hoodie' });
    const res = await post(merchantId, fake.webhook('product.updated', parent.id));
    expect(res.json()).toEqual({ received: true, applied: 'refetch' });
    expect((await productOf(parent.id))!.title).toBe('Renamed Alpine Hoodie');

    const v = fake.store.variations(parent.id).find((x) => x.status === 'publish')!;
    fake.updateVariation(parent.id, v.id, { regular_price: '77.00', sale_price: '' });
    // WooCommerce's delivery id is per webhook and second: both deliveries of the edit may carry the same one.
    const deliveries = fake.variationWebhooks(parent.id, v.id, { deliveryId: 'same-second' });
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({
      id: v.id,
      type: 'variation',
      parent_id: parent.id,
    });
    for (const d of deliveries) {
      const r = await post(merchantId, d);
      expect(r.json()).toEqual({ received: true, applied: 'refetch' });
    }
    const row = await productOf(parent.id);
    expect(row!.variants.find((x) => x.sourceId === String(v.id))).toMatchObject({
      price: '77.00',
      compareAtPrice: null,
    });
  });

  it('a repeated delivery is applied once; a bad signature is refused and changes nothing', async () => {
    const p = sellable(fake).find((x) => x.type === 'simple' && x.status === 'publish')!;
    fake.updateProduct(p.id, { name: 'Once Only Mug' });
    const d = fake.webhook('product.updated', p.id);
    expect((await post(merchantId, d)).json()).toEqual({ received: true, applied: 'upsert' });
    expect((await post(merchantId, d)).json()).toEqual({ received: true, duplicate: true });

    fake.updateProduct(p.id, { name: 'Forged Name' });
    const forged = fake.webhook('product.updated', p.id, { secret: 'not-the-secret' });
    const res = await post(merchantId, forged);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'invalid_signature' });
    const tampered = fake.webhook('product.updated', p.id);
    const r2 = await post(merchantId, { ...tampered, body: tampered.body.replace('Forged', 'Evil') });
    expect(r2.statusCode).toBe(401);
    const unsigned = await post(merchantId, { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(unsigned.statusCode).toBe(401);
    expect((await productOf(p.id))!.title).toBe('Once Only Mug');
  });

  it('subscribes the store webhooks, answers the store ping and receives real deliveries', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const callback = `${address}/webhooks/stores/${merchantId}`;
    const connector = t.deps.stores.connectors.woocommerce!;
    const topics = await connector.registerWebhooks!(connectionOf(fake, merchantId), callback);
    expect(topics).toEqual(['product.created', 'product.updated', 'product.deleted', 'order.updated']);
    expect(fake.store.webhooks.map((w) => [w.topic, w.delivery_url, w.secret, w.ping?.status])).toEqual(
      topics.map((topic) => [topic, callback, HOOK_SECRET, 200]),
    );
    // Subscribing again adds nothing.
    await connector.registerWebhooks!(connectionOf(fake, merchantId), callback);
    expect(fake.store.webhooks).toHaveLength(4);

    const p = sellable(fake).find((x) => x.type === 'simple' && x.status === 'publish')!;
    fake.updateProduct(p.id, { name: 'Delivered Over The Wire' });
    const [result] = await fake.deliver('product.updated', p.id);
    expect(result).toMatchObject({ status: 200 });
    expect((await productOf(p.id))!.title).toBe('Delivered Over The Wire');
  });
});

describe('orders', () => {
  let fake: FakeWooCommerce;
  let merchantId: string;
  let shop: Shop;
  let worker: OutboxWorker;

  beforeAll(async () => {
    fake = await startFake(20, 5);
    ({ merchantId } = await connect(fake, 'Woo Orders'));
    await runSync(t.deps.stores.sync, merchantId, 'full');
    shop = await openShop(t);
    // The server's outbox worker, as createDeps wires it: hand-offs go to the connected store.
    worker = startOutboxWorker(
      {
        ...t.deps,
        logger: pino({ level: 'silent' }),
        handoffFor: storeHandoff({
          db: t.db,
          connectors: t.deps.stores.connectors,
          sealer: t.deps.stores.sealer,
        }),
      },
      { autostart: false },
    );
  });
  afterAll(async () => {
    await worker?.stop();
    await shop?.close();
  });

  /** One of our variants of the store's product `p` (its variation `variationId`), in stock. */
  async function variantOf(productId: number, sourceId: string) {
    const row = (await held(merchantId)).get(String(productId))!;
    return row.variants.find((v) => v.sourceId === sourceId)!;
  }

  async function placeOrder(items: { variant_id: string; quantity: number }[]) {
    const ctx = await shop.ctx();
    const quoted = await buyProduct.run(ctx, buyProduct.input.parse({ items }));
    expect(quoted.status).toBe('quote');
    const placed = await buyProduct.run(
      await shop.ctx(),
      buyProduct.input.parse({ confirmation_token: quoted.quote!.confirmation_token }),
    );
    expect(placed.order).toMatchObject({ status: 'PAID' });
    return placed.order!.id;
  }

  function inStock() {
    const list = sellable(fake).filter((p) => p.status === 'publish');
    const simple = list.find((p) => p.type === 'simple' && !p.manage_stock && p.stock_status === 'instock')!;
    const parent = list.find(
      (p) =>
        p.type === 'variable' &&
        fake.store.variations(p.id).some((v) => v.status === 'publish' && v.stock_status === 'instock'),
    )!;
    const variation = fake.store
      .variations(parent.id)
      .find((v) => v.status === 'publish' && v.stock_status === 'instock')!;
    return { simple, parent, variation };
  }

  it('hands a paid order to the store once, though the store failed and answered 502 after creating it', async () => {
    const { simple, parent, variation } = inStock();
    const ours = {
      simple: await variantOf(simple.id, String(simple.id)),
      variation: await variantOf(parent.id, String(variation.id)),
    };
    const orderId = await placeOrder([
      { variant_id: ours.simple.id, quantity: 1 },
      { variant_id: ours.variation.id, quantity: 2 },
    ]);

    // The first search fails (503, retried); the create succeeds in the store but the answer is lost (502).
    fake.failNext(1, 503);
    let lost = false;
    intercept = async (url, real) => {
      const res = await real();
      if (!lost && url.pathname.endsWith('/wc/v3/orders') && res.status === 201) {
        lost = true;
        return new Response('<html><body>502 Bad Gateway</body></html>', { status: 502 });
      }
      return res;
    };
    try {
      await worker.drain();
    } finally {
      intercept = undefined;
    }
    expect(lost).toBe(true);
    expect(fake.received.filter((r) => r.status === 503)).toHaveLength(1);
    expect(fake.received.filter((r) => r.method === 'POST' && r.route === '/wc/v3/orders')).toHaveLength(1);
    expect(fake.orders).toHaveLength(1);
    const order = fake.orders[0]!;
    expect(order).toMatchObject({
      status: 'processing',
      currency: 'USD',
      customer_note: `Aisle order ${orderId}`,
      shipping: { address_1: '123 Main St', city: 'New York', state: 'NY', postcode: '10001', country: 'US' },
    });
    expect(order.date_paid_gmt).not.toBeNull();
    expect(order.meta_data).toContainEqual(
      expect.objectContaining({ key: '_aisle_order_id', value: orderId }),
    );
    const lines = order.line_items.map((i) => [i.product_id, i.variation_id, i.quantity, i.total]);
    expect(lines.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      [
        [simple.id, 0, 1, Number(ours.simple.price).toFixed(2)],
        [parent.id, variation.id, 2, (Number(ours.variation.price) * 2).toFixed(2)],
      ].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
    const [part] = await t.db.select().from(merchantOrders).where(eq(merchantOrders.orderId, orderId));
    expect(part).toMatchObject({ merchantId, externalId: String(order.id), externalStatus: 'created' });
    const [handoff] = await t.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.orderId, orderId), eq(webhookDeliveries.event, 'merchant_order')));
    expect(handoff).toMatchObject({ status: 'delivered' });

    // A hand-off retried after a crash (before we recorded the store's id) finds the order it made.
    const again = await t.deps.stores.connectors.woocommerce!.createOrder(
      connectionOf(fake, merchantId),
      handoff!.payload as unknown as MerchantOrder,
    );
    expect(again).toEqual({ externalId: String(order.id) });
    expect(fake.orders).toHaveLength(1);
  });

  it('a store that refuses the order (400) fails the hand-off for good, with its message', async () => {
    const strict = await startFakeWooCommerce({
      consumerKey: KEY,
      consumerSecret: SECRET,
      webhookSecret: HOOK_SECRET,
      unknownLineItems: 'reject',
    });
    fakes.push(strict);
    const connector = createWooCommerceConnector({
      backoffMs: 1,
      resolveSourceIds: async (_m, ids) =>
        new Map(ids.map((id) => [id, { productSourceId: '999', variantSourceId: '999' }])),
    });
    const order: MerchantOrder = {
      order_id: 'ord_refused',
      currency: 'USD',
      items: [
        {
          variant_id: 'var_x',
          product_id: 'prod_x',
          sku: '',
          quantity: 1,
          price: '10.00',
          product_title: 'Gone',
          variant_title: 'Default',
        },
      ],
      shipping_address: {
        recipient_name: 'Ann Lee',
        line1: '1 A St',
        line2: '',
        city: 'Boston',
        state: 'MA',
        zip: '02110',
        country: 'US',
        phone: '',
      },
    };
    await expect(connector.createOrder(connectionOf(strict), order)).rejects.toMatchObject({
      name: 'StoreError',
      retryable: false,
      status: 400,
      message: expect.stringContaining('Invalid product ID: 999'),
    });
    expect(strict.orders).toHaveLength(0);
  });

  it('fulfilment comes back: completed with tracking ships the order, without it fulfils it', async () => {
    const { simple } = inStock();
    const ours = await variantOf(simple.id, String(simple.id));
    const shippedId = await placeOrder([{ variant_id: ours.id, quantity: 1 }]);
    const fulfilledId = await placeOrder([{ variant_id: ours.id, quantity: 1 }]);
    await worker.drain();
    const storeOrderOf = async (orderId: string) => {
      const [part] = await t.db.select().from(merchantOrders).where(eq(merchantOrders.orderId, orderId));
      return fake.orders.find((o) => String(o.id) === part!.externalId)!;
    };

    const shipped = await storeOrderOf(shippedId);
    shipped.status = 'completed';
    shipped.meta_data.push({
      id: 777,
      key: '_wc_shipment_tracking_items',
      value: [
        {
          tracking_provider: 'usps',
          custom_tracking_provider: '',
          custom_tracking_link: '',
          tracking_number: '9400111899223100012345',
          date_shipped: '1751328000',
          tracking_id: 'a1b2c3',
        },
      ],
    });
    const res = await post(merchantId, fake.webhook('order.updated', shipped.id));
    expect(res.json()).toEqual({ received: true, applied: 'fulfillment' });
    const fulfilled = await storeOrderOf(fulfilledId);
    fulfilled.status = 'completed';
    await post(merchantId, fake.webhook('order.updated', fulfilled.id));
    // Other statuses change nothing.
    const other = await post(merchantId, fake.webhook('order.updated', { ...fulfilled, status: 'on-hold' }));
    expect(other.json()).toEqual({ received: true, applied: 'ignore' });

    const [a] = await t.db.select().from(orders).where(eq(orders.id, shippedId));
    expect(a).toMatchObject({
      status: 'SHIPPED',
      tracking: expect.objectContaining({ carrier: 'usps', number: '9400111899223100012345' }),
    });
    const [b] = await t.db.select().from(orders).where(eq(orders.id, fulfilledId));
    expect(b!.status).toBe('FULFILLED');
    const followups = await t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.event, 'order_followup'));
    expect(followups.map((f) => [f.orderId, (f.payload as { status: string }).status]).sort()).toEqual(
      [
        [shippedId, 'SHIPPED'],
        [fulfilledId, 'FULFILLED'],
      ].sort(),
    );
  });

  it('a cancelled or refunded store order cancels ours', async () => {
    const { simple } = inStock();
    const ours = await variantOf(simple.id, String(simple.id));
    const orderId = await placeOrder([{ variant_id: ours.id, quantity: 1 }]);
    await worker.drain();
    const [part] = await t.db.select().from(merchantOrders).where(eq(merchantOrders.orderId, orderId));
    const storeOrder = fake.orders.find((o) => String(o.id) === part!.externalId)!;
    const res = await post(merchantId, fake.webhook('order.updated', { ...storeOrder, status: 'cancelled' }));
    expect(res.json()).toEqual({ received: true, applied: 'fulfillment' });
    const [row] = await t.db.select().from(orders).where(eq(orders.id, orderId));
    expect(row!.status).toBe('CANCELLED');
  });
});
