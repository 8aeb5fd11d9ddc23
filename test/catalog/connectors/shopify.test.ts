// The Shopify connector end to end: our real sync engine, webhook receiver, checkout and outbox against a fake
// Shopify Admin GraphQL API on loopback (full sync, resync, reconciliation, deletes, cost-based throttling, a dead
// run resumed, a bulk operation, every webhook topic, orders handed to the store and fulfilment coming back).
import { and, eq, inArray, isNull } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Connector, MerchantOrder } from '../../../src/catalog/connectors/connector.js';
import { connectStore } from '../../../src/catalog/connectors/connections.js';
import { storeHandoff } from '../../../src/catalog/connectors/handoff.js';
import { merchantOrders, storeWebhookReceipts, syncRuns } from '../../../src/catalog/connectors/schema.js';
import {
  assembleBulk,
  createShopifyConnector,
  htmlToText,
  splitName,
  type ShopifyConnectorOptions,
} from '../../../src/catalog/connectors/shopify.js';
import { runSync } from '../../../src/catalog/connectors/sync.js';
import { merchants, products, variants } from '../../../src/catalog/schema.js';
import { orders } from '../../../src/commerce/order-schema.js';
import type { Db } from '../../../src/db/client.js';
import { buyProduct } from '../../../src/tools/buy-product.js';
import { webhookDeliveries } from '../../../src/webhooks/schema.js';
import { startOutboxWorker, type OutboxWorker } from '../../../src/webhooks/worker.js';
import {
  startFakeShopify,
  toRestProduct,
  type FakeProduct,
  type FakeShopify,
  type FakeShopifyOptions,
  type ShopifyWebhook,
} from '../../fakes/shopify.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { openShop, type Shop } from '../../helpers/shop.js';

const TOKEN = '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';
const SECRET = 'shpss_aisle_test_app_secret';
const credentials = { accessToken: TOKEN, webhookSecret: SECRET };

let t: TestApp;
let shipped: Connector | undefined;
const fakes: FakeShopify[] = [];

/** Our variant ids to the store's, as app.ts wires it (read from our catalog). */
const sourceIds = (db: Db) => async (merchantId: string, variantIds: string[]) => {
  const rows = variantIds.length
    ? await db
        .select({ id: variants.id, variantSourceId: variants.sourceId, productSourceId: products.sourceId })
        .from(variants)
        .innerJoin(products, eq(products.id, variants.productId))
        .where(and(eq(products.merchantId, merchantId), inArray(variants.id, variantIds)))
    : [];
  return new Map(rows.map((r) => [r.id, r]));
};

/** Requests of the connector under test go through here, so a test can script what the network does. */
let intercept: ((body: string, real: () => Promise<Response>) => Promise<Response>) | undefined;
const calls: { sent: number; at: number; body: string; answer: Promise<string> }[] = [];
const connector = (extra: ShopifyConnectorOptions = {}) =>
  createShopifyConnector({
    resolveSourceIds: sourceIds(t.db),
    fetch: async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      let sent = Date.now();
      const real = () => ((sent = Date.now()), fetch(input, init));
      const res = await (intercept ? intercept(body, real) : real());
      calls.push({ sent, at: Date.now(), body, answer: res.clone().text() });
      return res;
    },
    ...extra,
  });

async function startFake(options: Partial<FakeShopifyOptions> = {}) {
  const fake = await startFakeShopify({ accessToken: TOKEN, appSecret: SECRET, seed: 3, ...options });
  fakes.push(fake);
  return fake;
}

const connect = (fake: FakeShopify, name: string, creds: Connection['credentials'] = credentials) =>
  connectStore(
    t.db,
    { connectors: t.deps.stores.connectors, sealer: t.deps.stores.sealer },
    { platform: 'shopify', baseUrl: fake.url, credentials: creds, name },
  );

const connectionOf = (fake: FakeShopify, merchantId = ''): Connection => ({
  merchantId,
  merchantName: '',
  platform: 'shopify',
  baseUrl: fake.url,
  credentials,
});

async function held(merchantId: string) {
  const rows = await t.db.select().from(products).where(eq(products.merchantId, merchantId));
  const vars = await t.db
    .select({ v: variants, sourceId: products.sourceId })
    .from(variants)
    .innerJoin(products, eq(products.id, variants.productId))
    .where(and(eq(products.merchantId, merchantId), isNull(variants.deletedAt)));
  const byProduct = new Map<string, (typeof vars)[number]['v'][]>();
  for (const { v, sourceId } of vars) byProduct.set(sourceId, [...(byProduct.get(sourceId) ?? []), v]);
  return new Map(
    rows.map((p) => [
      p.sourceId,
      { ...p, variants: (byProduct.get(p.sourceId) ?? []).sort((a, b) => a.position - b.position) },
    ]),
  );
}

const post = (merchantId: string, hook: ShopifyWebhook) =>
  t.app.inject({
    method: 'POST',
    url: `/webhooks/stores/${merchantId}`,
    headers: hook.headers,
    payload: hook.body,
  });

const lower = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

const STATUS = { ACTIVE: 'active', DRAFT: 'draft', ARCHIVED: 'archived' } as const;

/** Our catalog holds exactly the store's products, field by field. */
async function expectMirrors(fake: FakeShopify, merchantId: string) {
  const db = await held(merchantId);
  expect([...db.values()].filter((p) => p.status !== 'deleted')).toHaveLength(fake.store.length);
  for (const p of fake.store) {
    const row = db.get(String(p.id));
    expect(row, `product ${p.id}`).toBeDefined();
    expect(row).toMatchObject({
      title: p.title,
      vendor: p.vendor,
      productType: p.productType,
      category: p.category?.fullName ?? '',
      tags: p.tags,
      imageUrls: p.images.map((i) => i.url),
      productUrl:
        p.status === 'ACTIVE' && p.publishedAt ? `https://${fake.shopDomain}/products/${p.handle}` : null,
      status: STATUS[p.status],
      sourceUpdatedAt: new Date(p.updatedAt),
    });
    expect(row!.description).not.toMatch(/<[a-z/]/i);
    expect(row!.variants.map((v) => v.sourceId)).toEqual(p.variants.map((v) => String(v.id)));
    p.variants.forEach((v, i) => {
      const ours = row!.variants[i]!;
      const options = Object.fromEntries(
        v.selectedOptions
          .filter((o) => !(o.name === 'Title' && o.value === 'Default Title'))
          .map((o) => [o.name, o.value]),
      );
      expect(ours).toMatchObject({
        sku: v.sku,
        title: v.title === 'Default Title' ? 'Default' : v.title,
        options,
        currency: 'USD',
        availableQty: Math.max(0, v.inventoryQuantity),
        imageUrl: p.images.find((im) => im.id === v.imageId)?.url ?? null,
      });
      expect(Number(ours.price)).toBe(Number(v.price));
      expect(ours.compareAtPrice === null ? null : Number(ours.compareAtPrice)).toBe(
        v.compareAtPrice === null ? null : Number(v.compareAtPrice),
      );
    });
  }
  return db;
}

/** The GraphQL operations the connector sent since `from`, with their variables. */
const operations = (fake: FakeShopify, from = 0) =>
  fake.received
    .slice(from)
    .filter((r) => r.graphql)
    .map((r) => ({
      name: /^\s*(?:query|mutation)\s+(\w+)/.exec(r.graphql!.query)?.[1] ?? '',
      variables: r.graphql!.variables,
      status: r.status,
    }));

beforeAll(async () => {
  t = await startTestApp({
    env: {
      AISLE_ENCRYPTION_KEY: 'aisle-shopify-connector-test-key',
      AISLE_WEBHOOK_RETRY_BASE_MS: '1',
      AISLE_WEBHOOK_RETRY_MAX_MS: '1',
      AISLE_WEBHOOK_MAX_ATTEMPTS: '4',
    },
  });
  shipped = t.deps.stores.connectors.shopify;
});
afterAll(async () => {
  for (const f of fakes) await f.close();
  await t?.close();
});

it('the server ships with the Shopify connector', () => {
  expect(shipped?.platform).toBe('shopify');
});

describe('mapping helpers', () => {
  it('turns description HTML into plain text, one line per block, entities decoded', () => {
    expect(
      htmlToText(
        '<p>Fish &amp; chips&nbsp;&mdash; &#8220;crispy&#x201D;</p>\n<ul><li>One</li><li>Two &lt;3</li></ul>' +
          '<script>alert(1)</script><p>Care:<br>wash&nbsp;cold</p>',
      ),
    ).toBe('Fish & chips — “crispy”\nOne\nTwo <3\nCare:\nwash cold');
    expect(htmlToText(null)).toBe('');
  });

  it('splits a recipient name into first and last', () => {
    expect(splitName('Ann Lee Smith')).toEqual({ firstName: 'Ann', lastName: 'Lee Smith' });
    expect(splitName('Cher')).toEqual({ lastName: 'Cher' });
  });

  it('reassembles bulk JSONL whose children come after other parents', () => {
    const lines = [
      '{"id":"gid://shopify/Product/1","legacyResourceId":"1","title":"A","status":"ACTIVE"}',
      '{"id":"gid://shopify/ProductVariant/11","legacyResourceId":"11","__parentId":"gid://shopify/Product/1"}',
      '{"id":"gid://shopify/Product/2","legacyResourceId":"2","title":"B","status":"ACTIVE"}',
      '{"url":"https://cdn.example/b.jpg","__parentId":"gid://shopify/Product/2"}',
      '{"id":"gid://shopify/ProductVariant/21","legacyResourceId":"21","__parentId":"gid://shopify/Product/2"}',
      '{"id":"gid://shopify/ProductVariant/12","legacyResourceId":"12","__parentId":"gid://shopify/Product/1"}',
      // `__parentId` not last, and a value that only looks like it: both still read right.
      '{"__parentId":"gid://shopify/Product/1","id":"gid://shopify/ProductVariant/13","legacyResourceId":"13"}',
      '{"id":"gid://shopify/Product/3","legacyResourceId":"3","title":"x\\",\\"__parentId\\":\\"gid://shopify/Product/1\\"}"}',
    ];
    const out = assembleBulk(lines);
    expect(out.map((p) => [p.product.legacyResourceId, p.variants.map((v) => v.legacyResourceId)])).toEqual([
      ['1', ['11', '12', '13']],
      ['2', ['21']],
      ['3', []],
    ]);
    expect(out[2]!.product.title).toBe('x","__parentId":"gid://shopify/Product/1"}');
    expect(out[1]!.product.images?.nodes).toEqual([{ url: 'https://cdn.example/b.jpg' }]);
  });
});

describe('catalog sync', () => {
  let fake: FakeShopify;
  let merchantId: string;
  let wide: FakeProduct;

  beforeAll(async () => {
    // Shopify Plus numbers (a 1000-point-a-second refill): the sync tests do not wait for the bucket.
    fake = await startFake({ products: 300, costLimit: { maximumAvailable: 2000, restoreRate: 1000 } });
    // A product past the first page of variants, one oversold (negative stock), one with entity-laden HTML.
    wide = fake.addProduct({
      title: 'Sock Drawer Sampler',
      vendor: 'Hosiery Co',
      variants: Array.from({ length: 130 }, (_, j) => ({
        title: `Pair ${j + 1}`,
        price: (5 + j / 100).toFixed(2),
        inventoryQuantity: j,
        selectedOptions: [{ name: 'Pair', value: `Pair ${j + 1}` }],
      })),
    });
    fake.addProduct({ title: 'Oversold Enamel Pin', variants: [{ price: '9.50', inventoryQuantity: -4 }] });
    fake.addProduct({
      title: 'Fish Knife',
      descriptionHtml: '<p>Fish &amp; chips&nbsp;&mdash; &#8220;crispy&#8221;</p><ul><li>Steel</li></ul>',
    });
  });

  it('refuses a wrong access token with a clear, final error; connects with the right one', async () => {
    await expect(
      connect(fake, 'Northwind Outfitters', { accessToken: 'shpat_wrong', webhookSecret: SECRET }),
    ).rejects.toMatchObject({
      name: 'StoreError',
      retryable: false,
      status: 401,
      message: expect.stringContaining(
        "the access token was refused; check it and the app's read_products scope",
      ),
    });
    const connected = await connect(fake, 'Northwind Outfitters');
    merchantId = connected.merchantId;
    expect(connected).toMatchObject({
      platform: 'shopify',
      baseUrl: fake.url,
      storeName: 'Aisle Test Store',
    });
    const [m] = await t.db.select().from(merchants).where(eq(merchants.id, merchantId));
    expect(m).toMatchObject({ platform: 'shopify', storeUrl: fake.url });
    const graphql = fake.received.filter((r) => r.graphql);
    expect(graphql.every((r) => r.path === '/admin/api/2025-07/graphql.json')).toBe(true);
    expect(graphql.every((r) => r.headers['x-shopify-access-token'] !== undefined)).toBe(true);
  });

  it('a full sync imports every product with its variants, prices, stock and status', async () => {
    const from = fake.received.length;
    const run = await runSync(t.deps.stores.sync, merchantId, 'full');
    expect(run).toMatchObject({
      status: 'succeeded',
      fetched: 303,
      created: 303,
      updated: 0,
      rejected: 0,
      deleted: 0,
      errors: [],
    });
    const db = await expectMirrors(fake, merchantId);
    const statuses = new Set([...db.values()].map((p) => p.status));
    expect(statuses).toEqual(new Set(['active', 'draft', 'archived']));
    expect(db.get(String(wide.id))!.variants).toHaveLength(130);
    const fish = [...db.values()].find((p) => p.title === 'Fish Knife')!;
    expect(fish.description).toBe('Fish & chips — “crispy”\nSteel');
    expect([...db.values()].find((p) => p.title === 'Oversold Enamel Pin')!.variants[0]!.availableQty).toBe(
      0,
    );

    // Pages of products by id (the page size shrunk once to fit the cost limit), the wide product's variants
    // paged with a follow-up query. Read by id from the first page on, they list the store: no pass over the ids.
    const ops = operations(fake, from);
    const pages = ops.filter((o) => o.name === 'AisleProducts' && o.status === 200);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.every((p) => p.variables.sortKey === 'ID' && p.variables.query === null)).toBe(true);
    expect(pages.every((p) => (p.variables.first as number) <= 100)).toBe(true);
    expect(ops.filter((o) => o.name === 'AisleMoreVariants')).toHaveLength(1);
    expect(ops.filter((o) => o.name === 'AisleProductIds')).toHaveLength(0);
    expect(fake.stats.throttled).toBe(0);

    const found = await t.deps.catalog.search({ query: 'Sock Drawer Sampler' });
    expect(found.products[0]).toMatchObject({ title: 'Sock Drawer Sampler' });
    const draft = fake.store.find((p) => p.status === 'DRAFT')!;
    const search = await t.deps.catalog.search({ query: draft.title, limit: 50 });
    expect(search.products.map((c) => c.id)).not.toContain(db.get(String(draft.id))!.id);
  });

  it('a resync writes only the products that changed', async () => {
    const [a, b, c] = fake.store.filter((p) => p.status === 'ACTIVE').slice(5, 8) as [
      FakeProduct,
      FakeProduct,
      FakeProduct,
    ];
    fake.updateProduct(a.id, { title: 'Renamed Field Jacket' });
    fake.updateVariant(b.variants[0]!.id, { price: '99.00', compareAtPrice: '129.00' });
    fake.setInventory(c.variants[0]!.id, 0);
    const run = await runSync(t.deps.stores.sync, merchantId, 'full');
    expect(run).toMatchObject({ status: 'succeeded', fetched: 303, created: 0, updated: 3, unchanged: 300 });
    const db = await expectMirrors(fake, merchantId);
    expect(db.get(String(a.id))!.title).toBe('Renamed Field Jacket');
    expect(db.get(String(b.id))!.variants[0]).toMatchObject({ price: '99.00', compareAtPrice: '129.00' });
    expect(db.get(String(c.id))!.variants[0]!.availableQty).toBe(0);
    const found = await t.deps.catalog.search({ query: 'Renamed Field Jacket' });
    expect(found.products[0]).toMatchObject({ title: 'Renamed Field Jacket' });
  });

  it('a reconciliation asks only for what changed since the last sync, stock changes included', async () => {
    const p = fake.store.find((x) => x.status === 'ACTIVE' && x.variants.length > 1)!;
    fake.updateProduct(p.id, { vendor: 'Reconciled Goods' });
    const from = fake.received.length;
    const run = await runSync(t.deps.stores.sync, merchantId, 'reconcile');
    // The 5-minute overlap brings back the previous test's three changes too (one of them a stock change, found
    // through its variant); they are unchanged.
    expect(run).toMatchObject({ status: 'succeeded', fetched: 4, created: 0, updated: 1, unchanged: 3 });
    const ops = operations(fake, from);
    const pages = ops.filter((o) => o.name === 'AisleProducts');
    expect(pages).toHaveLength(1);
    expect(pages[0]!.variables).toMatchObject({ sortKey: 'UPDATED_AT' });
    expect(pages[0]!.variables.query).toMatch(/^updated_at:>'\d{4}-\d\d-\d\dT[\d:.]+Z'$/);
    const variantPages = ops.filter((o) => o.name === 'AisleChangedVariants');
    expect(variantPages).toHaveLength(1);
    expect(variantPages[0]!.variables.query).toBe(pages[0]!.variables.query);
    expect(ops.filter((o) => o.name === 'AisleProductIds')).toHaveLength(0);
    expect((await held(merchantId)).get(String(p.id))!.vendor).toBe('Reconciled Goods');
  });

  it('a full sync removes what the store no longer has', async () => {
    const gone = fake.store.find((p) => p.title === 'Sock Drawer Sampler')!;
    fake.deleteProduct(gone.id);
    const run = await runSync(t.deps.stores.sync, merchantId, 'full');
    expect(run).toMatchObject({ status: 'succeeded', fetched: 302, created: 0, updated: 0, deleted: 1 });
    expect((await held(merchantId)).get(String(gone.id))!.status).toBe('deleted');
    const found = await t.deps.catalog.search({ query: 'Sock Drawer Sampler' });
    expect(found.products.map((c) => c.title)).not.toContain('Sock Drawer Sampler');
  });
});

describe('rate limits', () => {
  /** Another client of the same app spends the store's bucket down to a few points (mutations cost what they ask). */
  async function drainBucket(fake: FakeShopify) {
    for (let i = 0; i < 20 && fake.throttleStatus().currentlyAvailable >= 40; i++) {
      const n = Math.min(90, Math.floor((fake.throttleStatus().currentlyAvailable - 20) / 11));
      const fields = Array.from(
        { length: n },
        (_, k) =>
          `d${k}: webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/${k + 1}") { userErrors { message } }`,
      );
      await fetch(fake.graphqlUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': TOKEN },
        body: JSON.stringify({ query: `mutation Drain {\n${fields.join('\n')}\n}` }),
      });
    }
    expect(fake.throttleStatus().currentlyAvailable).toBeLessThan(40);
  }

  type Answer = {
    errors?: { extensions?: { code?: string } }[];
    extensions?: {
      cost?: {
        requestedQueryCost: number;
        throttleStatus: { currentlyAvailable: number; restoreRate: number };
      };
    };
  };

  it('paces itself by the cost bucket, and waits for the refill when THROTTLED: no burst', async () => {
    // A small bucket: a page asks ~900 points of 1000 and uses ~300, refilled at 500 a second.
    const fake = await startFake({ products: 150, costLimit: { maximumAvailable: 1000, restoreRate: 500 } });
    const saved = t.deps.stores.connectors.shopify;
    t.deps.stores.connectors.shopify = connector();
    // Before pages 2 and 3, someone else drains the bucket.
    const drained = new Set<string>();
    intercept = async (body, real) => {
      const after = body.includes('AisleProducts')
        ? (JSON.parse(body) as { variables: { after: string | null } }).variables.after
        : null;
      if (after && !drained.has(after)) {
        drained.add(after);
        await drainBucket(fake);
      }
      return real();
    };
    try {
      const { merchantId } = await connect(fake, 'Bucket Brigade');
      const from = calls.length;
      const run = await runSync(t.deps.stores.sync, merchantId, 'full');
      expect(run).toMatchObject({ status: 'succeeded', fetched: 150, created: 150 });
      await expectMirrors(fake, merchantId);
      expect(drained.size).toBe(2);

      const mine = await Promise.all(
        calls.slice(from).map(async (c) => ({ ...c, json: JSON.parse(await c.answer) as Answer })),
      );
      const throttled = mine.filter((c) => c.json.errors?.some((e) => e.extensions?.code === 'THROTTLED'));
      // THROTTLED only where the bucket was drained under it (pacing kept every other call within the bucket,
      // though each page needs most of it), and once each: the retry waited for the refill the answer implied.
      expect(throttled).toHaveLength(2);
      expect(fake.stats.throttled).toBe(2);
      for (const c of throttled) {
        const next = mine[mine.indexOf(c) + 1]!;
        const { requestedQueryCost, throttleStatus } = c.json.extensions!.cost!;
        const refillMs =
          ((requestedQueryCost - throttleStatus.currentlyAvailable) / throttleStatus.restoreRate) * 1000;
        expect(refillMs).toBeGreaterThan(1000);
        expect(next.sent - c.at).toBeGreaterThanOrEqual(refillMs - 20);
        expect(next.json.errors).toBeUndefined();
      }
    } finally {
      intercept = undefined;
      t.deps.stores.connectors.shopify = saved;
    }
  });

  it('retries 5xx and 429 (honouring Retry-After); a store that stays down fails the run, retryable', async () => {
    const fake = await startFake({ products: 20 });
    const saved = t.deps.stores.connectors.shopify;
    t.deps.stores.connectors.shopify = connector({ backoffMs: 5, attempts: 4 });
    try {
      const { merchantId } = await connect(fake, 'Flaky Store');
      fake.failNext(2, 503);
      fake.failNext(1, 429);
      const started = Date.now();
      const run = await runSync(t.deps.stores.sync, merchantId, 'full');
      expect(run).toMatchObject({ status: 'succeeded', fetched: 20, created: 20 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // Retry-After: 2.0
      expect(fake.stats.failed).toBe(3);

      fake.failNext(4, 502);
      await expect(runSync(t.deps.stores.sync, merchantId, 'full')).rejects.toMatchObject({
        name: 'StoreError',
        retryable: true,
        status: 502,
      });
    } finally {
      t.deps.stores.connectors.shopify = saved;
    }
  });
});

describe('a sync whose process died', () => {
  it('is resumed from its cursor once its heartbeat is old, without duplicates', async () => {
    const fake = await startFake({ products: 260, seed: 9 });
    const saved = t.deps.stores.connectors.shopify;
    t.deps.stores.connectors.shopify = connector({ backoffMs: 2, attempts: 3, pageSize: 60 });
    try {
      const { merchantId } = await connect(fake, 'Phoenix Supply');
      // The store goes down hard after the second page.
      let down = false;
      await expect(
        runSync(t.deps.stores.sync, merchantId, 'full', (run) => {
          if (run.fetched >= 120 && !down) {
            down = true;
            fake.failNext(100, 503);
          }
        }),
      ).rejects.toMatchObject({ name: 'StoreError', retryable: true });
      const [dead] = await t.db.select().from(syncRuns).where(eq(syncRuns.merchantId, merchantId));
      // runSync fetches a page ahead of the one it checks, and checks one while the last is written: the two pages
      // after the second may already be on their way and still succeed.
      expect(dead).toMatchObject({ status: 'failed' });
      expect([120, 180, 240]).toContain(dead!.fetched);
      expect(dead!.created).toBe(dead!.fetched);
      expect(dead!.cursor).toBeTruthy();
      // Whatever was in flight settled before the run was marked failed: nothing writes to it afterwards.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [later] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, dead!.id));
      expect(later).toEqual(dead);

      // As if the process had died mid-run: still "running", its heartbeat old. The store recovers.
      await t.db
        .update(syncRuns)
        .set({ status: 'running', finishedAt: null, heartbeatAt: new Date(Date.now() - 5 * 60_000) })
        .where(eq(syncRuns.id, dead!.id));
      while (fake.stats.failed < 100) {
        await fetch(fake.graphqlUrl(), { method: 'POST' });
      }

      const from = fake.received.length;
      const resumed = await runSync(t.deps.stores.sync, merchantId, 'full');
      expect(resumed).toMatchObject({
        id: dead!.id,
        status: 'succeeded',
        fetched: 260,
        created: 260,
        updated: 0,
        deleted: 0,
      });
      const pages = operations(fake, from).filter((o) => o.name === 'AisleProducts');
      expect(pages[0]!.variables.after).toBe(dead!.cursor);
      expect(pages).toHaveLength(Math.ceil((260 - dead!.fetched) / 60));
      // This process did not read the first pages: it lists the store's ids before deleting anything.
      expect(operations(fake, from).filter((o) => o.name === 'AisleProductIds').length).toBeGreaterThan(0);
      const db = await expectMirrors(fake, merchantId);
      expect(db.size).toBe(260);
      const rows = await t.db
        .select({ id: variants.id })
        .from(variants)
        .innerJoin(products, eq(products.id, variants.productId))
        .where(eq(products.merchantId, merchantId));
      expect(rows).toHaveLength(fake.store.reduce((n, p) => n + p.variants.length, 0));
    } finally {
      t.deps.stores.connectors.shopify = saved;
    }
  });
});

describe('a large store', () => {
  it('is read with one bulk operation (polled, JSONL reassembled) and paged from it', async () => {
    const fake = await startFake({ products: 140, seed: 5, bulkRunningPolls: 2 });
    const saved = t.deps.stores.connectors.shopify;
    t.deps.stores.connectors.shopify = connector({ bulkThreshold: 100, bulkPollMs: 10, bulkPageSize: 50 });
    try {
      const { merchantId } = await connect(fake, 'Bulk Barn');
      const from = fake.received.length;
      const run = await runSync(t.deps.stores.sync, merchantId, 'full');
      expect(run).toMatchObject({ status: 'succeeded', fetched: 140, created: 140, rejected: 0 });
      await expectMirrors(fake, merchantId);
      expect(fake.bulkOperations).toHaveLength(1);
      expect(fake.bulkOperations[0]).toMatchObject({ status: 'COMPLETED' });
      const ops = operations(fake, from).map((o) => o.name);
      expect(ops.filter((o) => o === 'AisleProducts')).toHaveLength(0);
      expect(ops.filter((o) => o === 'AisleBulk')).toHaveLength(1);
      // The file was read once: pages two and three were cut from memory.
      expect(fake.received.slice(from).filter((r) => r.path.startsWith('/bulk/'))).toHaveLength(1);

      // A reconciliation never uses bulk.
      fake.updateProduct(fake.store[0]!.id, { title: 'Bulk Barn Special' });
      const rec = await runSync(t.deps.stores.sync, merchantId, 'reconcile');
      expect(rec).toMatchObject({ fetched: 1, updated: 1 });
      expect(fake.bulkOperations).toHaveLength(1);

      // The bulk file is a snapshot of the whole store: the next full sync deletes what it lacks without listing the
      // store's ids again. A product written after the run began (a products/create webhook for one made after the
      // snapshot; here its row is stamped ahead) is kept.
      const gone = fake.store[1]!;
      const late = fake.store[2]!;
      fake.deleteProduct(gone.id);
      fake.deleteProduct(late.id);
      await t.db
        .update(products)
        .set({ updatedAt: new Date(Date.now() + 60_000) })
        .where(and(eq(products.merchantId, merchantId), eq(products.sourceId, String(late.id))));
      const again = fake.received.length;
      const second = await runSync(t.deps.stores.sync, merchantId, 'full');
      expect(second).toMatchObject({ status: 'succeeded', fetched: 138, deleted: 1 });
      expect(operations(fake, again).map((o) => o.name)).not.toContain('AisleProductIds');
      const rows = await held(merchantId);
      expect(rows.get(String(gone.id))!.status).toBe('deleted');
      expect(rows.get(String(late.id))!.status).toBe('active');
    } finally {
      t.deps.stores.connectors.shopify = saved;
    }
  });
});

describe('store webhooks', () => {
  let fake: FakeShopify;
  let merchantId: string;

  beforeAll(async () => {
    fake = await startFake({ products: 30, seed: 11 });
    ({ merchantId } = await connect(fake, 'Hook & Ladder'));
    await runSync(t.deps.stores.sync, merchantId, 'full');
  });

  const productOf = async (id: number) => (await held(merchantId)).get(String(id));

  it('products/create and products/update are applied from the payload', async () => {
    const p = fake.addProduct({
      title: 'Aurora Trail Parka',
      vendor: 'Northern Lights',
      productType: 'Jackets',
      tags: ['outerwear', 'winter'],
      category: {
        id: 'gid://shopify/TaxonomyCategory/aa-1-10',
        name: 'Coats & Jackets',
        fullName: 'Apparel & Accessories > Clothing > Outerwear > Coats & Jackets',
      },
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        {
          title: 'S',
          price: '249.00',
          inventoryQuantity: 3,
          selectedOptions: [{ name: 'Size', value: 'S' }],
        },
        {
          title: 'M',
          price: '249.00',
          inventoryQuantity: 0,
          selectedOptions: [{ name: 'Size', value: 'M' }],
        },
      ],
    });
    const created = await post(merchantId, fake.webhook('products/create', toRestProduct(p)));
    expect(created.statusCode).toBe(200);
    expect(created.json()).toEqual({ received: true, applied: 'upsert' });
    let row = await productOf(p.id);
    expect(row).toMatchObject({
      title: 'Aurora Trail Parka',
      vendor: 'Northern Lights',
      productType: 'Jackets',
      category: 'Apparel & Accessories > Clothing > Outerwear > Coats & Jackets',
      tags: ['outerwear', 'winter'],
      productUrl: `https://${fake.shopDomain}/products/aurora-trail-parka`,
      status: 'active',
    });
    expect(row!.variants.map((v) => [v.sourceId, v.title, v.options, v.price, v.availableQty])).toEqual([
      [String(p.variants[0]!.id), 'S', { Size: 'S' }, '249.00', 3],
      [String(p.variants[1]!.id), 'M', { Size: 'M' }, '249.00', 0],
    ]);
    expect((await t.deps.catalog.search({ query: 'Aurora Trail Parka' })).products[0]).toMatchObject({
      title: 'Aurora Trail Parka',
    });

    fake.updateProduct(p.id, (x) => {
      x.title = 'Aurora Summit Parka';
      x.variants[1]!.inventoryQuantity = 6;
      x.variants[1]!.price = '229.00';
    });
    const updated = await post(merchantId, fake.webhook('products/update', toRestProduct(p)));
    expect(updated.json()).toEqual({ received: true, applied: 'upsert' });
    row = await productOf(p.id);
    expect(row).toMatchObject({ title: 'Aurora Summit Parka', sourceUpdatedAt: new Date(p.updatedAt) });
    expect(row!.variants[1]).toMatchObject({ price: '229.00', availableQty: 6 });
    // The webhook's record is the one a sync makes: the next full sync finds nothing to change.
    const run = await runSync(t.deps.stores.sync, merchantId, 'full');
    expect(run).toMatchObject({ created: 0, updated: 0, unchanged: 31 });
  });

  it('a repeated delivery is applied once; a stale retry never overwrites newer data', async () => {
    const p = fake.store.find((x) => x.status === 'ACTIVE')!;
    const before = toRestProduct(p); // what a first, failed delivery carried
    const staleHook = fake.webhook('products/update', before);
    fake.updateProduct(p.id, { title: 'Newest Title' });
    const hook = fake.webhook('products/update', toRestProduct(p));
    expect((await post(merchantId, hook)).json()).toEqual({ received: true, applied: 'upsert' });
    expect((await post(merchantId, hook)).json()).toEqual({ received: true, duplicate: true });
    const receipts = await t.db
      .select()
      .from(storeWebhookReceipts)
      .where(eq(storeWebhookReceipts.deliveryId, hook.webhookId));
    expect(receipts).toHaveLength(1);

    // Shopify's retry of the older event arrives last, with its original payload.
    expect((await post(merchantId, staleHook)).statusCode).toBe(200);
    expect((await productOf(p.id))!.title).toBe('Newest Title');
  });

  it('a bad signature (or none, or no secret) is refused with 401 and changes nothing', async () => {
    const p = fake.store.find((x) => x.status === 'ACTIVE' && x.title !== 'Newest Title')!;
    const title = (await productOf(p.id))!.title;
    const forged = fake.webhook(
      'products/update',
      { ...toRestProduct(p), title: 'Forged' },
      { secret: 'nope' },
    );
    const res = await post(merchantId, forged);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'invalid_signature' });
    const unsigned = fake.webhook('products/update', { ...toRestProduct(p), title: 'Forged' });
    delete unsigned.headers['X-Shopify-Hmac-Sha256'];
    expect((await post(merchantId, unsigned)).statusCode).toBe(401);
    // A body changed after signing.
    const tampered = { ...fake.webhook('products/update', toRestProduct(p)) };
    tampered.body = tampered.body.replace(p.title, 'Forged');
    expect((await post(merchantId, tampered)).statusCode).toBe(401);
    expect((await productOf(p.id))!.title).toBe(title);
    const receipts = await t.db
      .select()
      .from(storeWebhookReceipts)
      .where(inArray(storeWebhookReceipts.deliveryId, [forged.webhookId, unsigned.webhookId]));
    expect(receipts).toHaveLength(0);

    const conn = { ...connectionOf(fake), credentials: { accessToken: TOKEN } };
    const hook = fake.webhook('products/update', toRestProduct(p));
    expect(shipped!.verifyWebhook(conn, Buffer.from(hook.body), lower(hook.headers))).toEqual({
      ok: false,
      reason: 'no webhook secret configured for this store',
    });
    expect(shipped!.verifyWebhook(connectionOf(fake), Buffer.from(hook.body), lower(hook.headers))).toEqual({
      ok: true,
      deliveryId: hook.webhookId,
      topic: 'products/update',
    });
  });

  it('inventory_levels/update fetches the product owning the inventory item again', async () => {
    const p = fake.store.find((x) => x.status === 'ACTIVE' && x.variants.length > 1)!;
    const v = p.variants[1]!;
    const body = fake.setInventory(v.inventoryItemId, 0);
    const res = await post(merchantId, fake.webhook('inventory_levels/update', body));
    expect(res.json()).toEqual({ received: true, applied: 'refetch' });
    const row = await productOf(p.id);
    expect(row!.variants.find((x) => x.sourceId === String(v.id))!.availableQty).toBe(0);
    const unknown = await post(
      merchantId,
      fake.webhook('inventory_levels/update', { ...body, inventory_item_id: 1234 }),
    );
    expect(unknown.json()).toEqual({ received: true, applied: 'ignore' });
  });

  it('products/delete removes the product; other topics are ignored', async () => {
    const p = fake.store.find((x) => x.status === 'ACTIVE')!;
    fake.deleteProduct(p.id);
    const res = await post(merchantId, fake.webhook('products/delete', { id: p.id }));
    expect(res.json()).toEqual({ received: true, applied: 'delete' });
    expect((await productOf(p.id))!.status).toBe('deleted');
    // A late products/update for it does not bring it back.
    const late = await post(merchantId, fake.webhook('products/update', toRestProduct(p)));
    expect(late.json()).toEqual({ received: true, applied: 'ignore' });
    expect((await productOf(p.id))!.status).toBe('deleted');
    const other = await post(merchantId, fake.webhook('shop/update', { id: 1 }));
    expect(other.json()).toEqual({ received: true, applied: 'ignore' });
  });

  it('subscribes the seven topics, once', async () => {
    const url = `https://aisle.example/webhooks/stores/${merchantId}`;
    const topics = await shipped!.registerWebhooks!(connectionOf(fake, merchantId), url);
    expect(topics).toEqual([
      'PRODUCTS_CREATE',
      'PRODUCTS_UPDATE',
      'PRODUCTS_DELETE',
      'INVENTORY_LEVELS_UPDATE',
      'FULFILLMENTS_CREATE',
      'FULFILLMENTS_UPDATE',
      'ORDERS_CANCELLED',
    ]);
    expect(fake.subscriptions.map((s) => [s.topic, s.uri])).toEqual(topics.map((topic) => [topic, url]));
    await shipped!.registerWebhooks!(connectionOf(fake, merchantId), url);
    expect(fake.subscriptions).toHaveLength(7);
  });
});

describe('orders', () => {
  let fake: FakeShopify;
  let merchantId: string;
  let shop: Shop;
  let worker: OutboxWorker;

  beforeAll(async () => {
    fake = await startFake({ products: 40, seed: 21 });
    ({ merchantId } = await connect(fake, 'Harbor Goods'));
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

  /** A store variant in stock, and ours for it. */
  async function inStock(skip = 0) {
    const p = fake.store.filter(
      (x) => x.status === 'ACTIVE' && x.variants.some((v) => v.inventoryQuantity > 3),
    )[skip]!;
    const v = p.variants.find((x) => x.inventoryQuantity > 3)!;
    const ours = (await held(merchantId))
      .get(String(p.id))!
      .variants.find((x) => x.sourceId === String(v.id))!;
    return { p, v, ours };
  }

  async function placeOrder(items: { variant_id: string; quantity: number }[]) {
    const quoted = await buyProduct.run(await shop.ctx(), buyProduct.input.parse({ items }));
    expect(quoted.status).toBe('quote');
    const placed = await buyProduct.run(
      await shop.ctx(),
      buyProduct.input.parse({ confirmation_token: quoted.quote!.confirmation_token }),
    );
    expect(placed.order).toMatchObject({ status: 'PAID' });
    return placed.order!.id;
  }

  const handoffOf = async (orderId: string) =>
    (
      await t.db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.orderId, orderId), eq(webhookDeliveries.event, 'merchant_order')))
    )[0]!;

  /** Drains until the order's hand-off is settled: its retry (backoff of about 1 ms) may not be due at once. */
  async function drainHandoff(orderId: string) {
    for (let i = 0; i < 50; i++) {
      await worker.drain();
      if ((await handoffOf(orderId)).status !== 'pending') return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('hands a paid order to the store once, though the store answered 503 first', async () => {
    const a = await inStock(0);
    const b = await inStock(1);
    const orderId = await placeOrder([
      { variant_id: a.ours.id, quantity: 1 },
      { variant_id: b.ours.id, quantity: 2 },
    ]);
    // The first attempt meets a 503 and is not retried inside the connector: the outbox retries the hand-off.
    fake.failNext(1, 503);
    await drainHandoff(orderId);
    expect(fake.stats.failed).toBe(1);
    expect(await handoffOf(orderId)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(fake.orders).toHaveLength(1);
    const order = fake.orders[0]!;
    expect(order).toMatchObject({
      via: 'orderCreate',
      financialStatus: 'PAID',
      currency: 'USD',
      tags: [`aisle-${orderId}`, 'aisle'],
      shippingAddress: {
        address1: '123 Main St',
        city: 'New York',
        provinceCode: 'NY',
        zip: '10001',
        countryCodeV2: 'US',
      },
    });
    expect(order.note).toContain(orderId);
    // Lines come in our order's item order (by our variant id), so compare them as a set.
    const byVariant = (x: unknown[], y: unknown[]) => String(x[0]).localeCompare(String(y[0]));
    expect(order.lineItems.map((li) => [li.variantId, li.quantity, li.price]).sort(byVariant)).toEqual(
      [
        [a.v.id, 1, a.ours.price],
        [b.v.id, 2, b.ours.price],
      ].sort(byVariant),
    );
    const [part] = await t.db.select().from(merchantOrders).where(eq(merchantOrders.orderId, orderId));
    expect(part).toMatchObject({ merchantId, externalId: String(order.id), externalStatus: 'created' });
  });

  it('creates no second order when the answer to the first was lost', async () => {
    const { ours } = await inStock(2);
    const orderId = await placeOrder([{ variant_id: ours.id, quantity: 1 }]);
    const saved = t.deps.stores.connectors.shopify;
    t.deps.stores.connectors.shopify = connector();
    let lost = false;
    intercept = async (body, real) => {
      const res = await real();
      if (!lost && body.includes('orderCreate')) {
        lost = true;
        throw new TypeError('fetch failed: socket hang up');
      }
      return res;
    };
    const before = fake.orders.length;
    try {
      await drainHandoff(orderId);
      expect(lost).toBe(true);
    } finally {
      intercept = undefined;
      t.deps.stores.connectors.shopify = saved;
    }
    // The retry found the order the first attempt made (by its tag) instead of making another.
    expect(await handoffOf(orderId)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(fake.orders).toHaveLength(before + 1);
    expect(fake.orders.at(-1)!.tags).toContain(`aisle-${orderId}`);
    const [part] = await t.db.select().from(merchantOrders).where(eq(merchantOrders.orderId, orderId));
    expect(part!.externalId).toBe(String(fake.orders.at(-1)!.id));
  });

  it('an order the store refuses (userErrors) fails the hand-off for good, with its message', async () => {
    const { p, v, ours } = await inStock(3);
    const [m] = await t.db.select().from(merchants).where(eq(merchants.id, merchantId));
    const order: MerchantOrder = {
      order_id: 'ord_refused',
      currency: 'USD',
      items: [
        {
          variant_id: ours.id,
          product_id: 'prod_x',
          sku: v.sku,
          quantity: 1,
          price: ours.price,
          product_title: p.title,
          variant_title: v.title,
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
    fake.deleteProduct(p.id); // the variant is gone from the store
    const before = fake.orders.length;
    const handoff = storeHandoff({
      db: t.db,
      connectors: t.deps.stores.connectors,
      sealer: t.deps.stores.sealer,
    })(m!)!;
    const result = await handoff(m!, order as unknown as Record<string, unknown>);
    expect(result).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/refused the order: .*does not exist/),
    });
    expect(fake.orders).toHaveLength(before);
  });

  it('fulfilment comes back: a fulfillments/create ships the order with tracking; orders/cancelled cancels', async () => {
    const { ours } = await inStock(4);
    const shippedId = await placeOrder([{ variant_id: ours.id, quantity: 1 }]);
    const cancelledId = await placeOrder([{ variant_id: ours.id, quantity: 1 }]);
    await worker.drain();
    const storeOrderOf = async (orderId: string) => {
      const [part] = await t.db.select().from(merchantOrders).where(eq(merchantOrders.orderId, orderId));
      return fake.orders.find((o) => String(o.id) === part!.externalId)!;
    };

    const shippedOrder = await storeOrderOf(shippedId);
    const body = fake.fulfillOrder(shippedOrder.id, {
      company: 'UPS',
      number: '1Z999AA10123456784',
      url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
    });
    const res = await post(merchantId, fake.webhook('fulfillments/create', body));
    expect(res.json()).toEqual({ received: true, applied: 'fulfillment' });
    const [a] = await t.db.select().from(orders).where(eq(orders.id, shippedId));
    expect(a).toMatchObject({
      status: 'SHIPPED',
      tracking: {
        carrier: 'UPS',
        number: '1Z999AA10123456784',
        url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
      },
    });
    const [part] = await t.db.select().from(merchantOrders).where(eq(merchantOrders.orderId, shippedId));
    expect(part).toMatchObject({ externalStatus: 'SHIPPED' });
    const followups = await t.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.event, 'order_followup'), eq(webhookDeliveries.orderId, shippedId)));
    expect(followups.map((f) => (f.payload as { status: string }).status)).toEqual(['SHIPPED']);
    expect(followups[0]!.payload).toMatchObject({
      tracking: expect.objectContaining({ number: '1Z999AA10123456784' }),
    });

    // Delivered later (fulfillments/update with shipment_status delivered).
    const delivered = await post(
      merchantId,
      fake.webhook('fulfillments/update', { ...body, shipment_status: 'delivered' }),
    );
    expect(delivered.json()).toEqual({ received: true, applied: 'fulfillment' });
    expect((await t.db.select().from(orders).where(eq(orders.id, shippedId)))[0]!.status).toBe('DELIVERED');

    const cancelled = fake.cancelOrder((await storeOrderOf(cancelledId)).id);
    const c = await post(merchantId, fake.webhook('orders/cancelled', cancelled));
    expect(c.json()).toEqual({ received: true, applied: 'fulfillment' });
    expect((await t.db.select().from(orders).where(eq(orders.id, cancelledId)))[0]!.status).toBe('CANCELLED');
  });
});
