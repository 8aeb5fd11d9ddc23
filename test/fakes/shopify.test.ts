// The fake Shopify Admin API, driven over HTTP the way a connector would: cursor pagination over a generated
// catalog, the updated_at search filter, auth and version errors, cost-based throttling and its recovery, a bulk
// operation end to end (poll, download JSONL, reassemble), signed webhooks, order creation and injected failures.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateProducts,
  inventoryLevel,
  startFakeShopify,
  toRestProduct,
  type FakeShopify,
} from './shopify.js';

const TOKEN = 'shpat_0123456789abcdef';
const SECRET = 'shpss_fake_app_secret';

type Cost = {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
};
type GqlError = { message: string; path?: unknown[]; extensions?: Record<string, unknown> };
type Body<D> = { data?: D; errors?: GqlError[]; extensions: { cost: Cost; search?: unknown[] } };
type Reply<D> = { status: number; headers: Headers; body: Body<D> };
type UserErrors = { field: string[] | null; message: string; code?: string }[];

async function gql<D>(
  fake: FakeShopify,
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string | null; version?: string } = {},
): Promise<Reply<D>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.token !== null) headers['x-shopify-access-token'] = opts.token ?? TOKEN;
  const res = await fetch(fake.graphqlUrl(opts.version), {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Body<D> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type PageNode = {
  id: string;
  legacyResourceId: string;
  title: string;
  status: string;
  updatedAt: string;
  variants: { nodes: { id: string; sku: string; price: string; selectedOptions: { name: string }[] }[] };
};
type ProductsPage = {
  products: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: PageNode }[];
  };
};
const PAGE = `query Page($first: Int!, $after: String, $q: String, $sort: ProductSortKeys) {
  products(first: $first, after: $after, query: $q, sortKey: $sort) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id legacyResourceId title status updatedAt
        variants(first: 100) { nodes { id sku price selectedOptions { name value } } }
      }
    }
  }
}`;

async function allPages(fake: FakeShopify, vars: Record<string, unknown>) {
  const nodes: PageNode[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const { status, body }: Reply<ProductsPage> = await gql<ProductsPage>(fake, PAGE, {
      first: 80,
      ...vars,
      after,
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const conn: ProductsPage['products'] = body.data!.products;
    nodes.push(...conn.edges.map((e) => e.node));
    pages++;
    if (conn.edges.length) expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1)!.cursor);
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  return { nodes, pages };
}

describe('fake Shopify: catalog reads', () => {
  let fake: FakeShopify;
  beforeAll(async () => {
    fake = await startFakeShopify({ accessToken: TOKEN, appSecret: SECRET, products: 260 });
  });
  afterAll(() => fake.close());

  it('pages through 260 generated products with opaque cursors, every product exactly once', async () => {
    const { nodes, pages } = await allPages(fake, {});
    expect(pages).toBe(4);
    expect(nodes).toHaveLength(260);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(260);
    // Default sort is by id; the nodes are the store's products.
    expect(nodes.map((n) => n.legacyResourceId)).toEqual(
      [...fake.store].sort((a, b) => a.id - b.id).map((p) => String(p.id)),
    );
    for (const n of nodes) {
      expect(n.id).toMatch(/^gid:\/\/shopify\/Product\/\d+$/);
      expect(n.variants.nodes.length).toBeGreaterThanOrEqual(1);
      expect(n.variants.nodes.length).toBeLessThanOrEqual(12);
      for (const v of n.variants.nodes) {
        expect(v.id).toMatch(/^gid:\/\/shopify\/ProductVariant\/\d+$/);
        expect(v.price).toMatch(/^\d+\.\d{2}$/);
      }
    }
    const notActive = nodes.filter((n) => n.status !== 'ACTIVE').length;
    expect(notActive).toBeGreaterThan(10);
    expect(notActive).toBeLessThan(50);
    expect(new Set(nodes.map((n) => n.status))).toEqual(new Set(['ACTIVE', 'DRAFT', 'ARCHIVED']));
  });

  it('generates the same catalog for the same seed, and product i whatever N is', () => {
    expect(generateProducts(5, 1)).toEqual(fake.store.slice(0, 5));
    expect(generateProducts(5, 2)[0]).not.toEqual(fake.store[0]);
    const p = fake.store.find((x) => x.options.length === 2)!;
    expect(p.options.map((o) => o.name)).toEqual(['Color', expect.any(String)]);
    expect(p.variants.length).toBe(p.options[0]!.values.length * p.options[1]!.values.length);
  });

  it('rejects unknown fields, missing pagination arguments and too-expensive queries like Shopify', async () => {
    const unknown = await gql(fake, '{ products(first: 2) { nodes { id colour } } }');
    expect(unknown.status).toBe(200);
    expect(unknown.body.errors![0]).toMatchObject({
      message: "Field 'colour' doesn't exist on type 'Product'",
      extensions: { code: 'undefinedField', typeName: 'Product', fieldName: 'colour' },
    });
    expect(unknown.body.data).toBeUndefined();

    const noFirst = await gql(fake, '{ products { nodes { id } } }');
    expect(noFirst.body.errors![0]!.message).toBe('you must provide one of first or last');

    const huge = await gql(
      fake,
      '{ products(first: 250) { nodes { id variants(first: 250) { nodes { id } } } } }',
    );
    expect(huge.body.errors![0]!.extensions).toMatchObject({ code: 'MAX_COST_EXCEEDED', maxCost: 1000 });
    expect(huge.body.extensions.cost.requestedQueryCost).toBe(2 + 250 * (1 + 25));
  });

  it('filters by updated_at, sorted by UPDATED_AT, and sees a product once it is updated', async () => {
    const times = fake.store.map((p) => p.updatedAt).sort();
    const threshold = times[200]!;
    const newer = (t: string) => fake.store.filter((p) => p.updatedAt > t);
    const q = `updated_at:>'${threshold}'`;
    const first = await allPages(fake, { q, sort: 'UPDATED_AT' });
    expect(first.nodes.map((n) => n.legacyResourceId).sort()).toEqual(
      newer(threshold)
        .map((p) => String(p.id))
        .sort(),
    );
    const updatedAts = first.nodes.map((n) => n.updatedAt);
    expect(updatedAts).toEqual([...updatedAts].sort());

    const oldest = fake.store.find((p) => p.updatedAt === times[0])!;
    fake.updateProduct(oldest.id, { title: 'Renamed Overshirt' });
    const second = await allPages(fake, { q, sort: 'UPDATED_AT' });
    expect(second.nodes).toHaveLength(first.nodes.length + 1);
    expect(second.nodes.at(-1)).toMatchObject({
      legacyResourceId: String(oldest.id),
      title: 'Renamed Overshirt',
    });
  });

  it('answers product(id:), nodes(ids:) and other search filters', async () => {
    const [a, b] = fake.store;
    const one = await gql<{ product: { handle: string; category: unknown; featuredImage: { url: string } } }>(
      fake,
      'query($id: ID!) { product(id: $id) { handle category { fullName } featuredImage { url altText } } }',
      { id: `gid://shopify/Product/${a!.id}` },
    );
    expect(one.body.data!.product.handle).toBe(a!.handle);
    expect(one.body.data!.product.featuredImage.url).toMatch(/^https:\/\/cdn\.shopify\.com\//);

    const many = await gql<{ nodes: ({ id: string; title: string } | null)[] }>(
      fake,
      'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { title } } }',
      { ids: [`gid://shopify/Product/${b!.id}`, 'gid://shopify/Product/1'] },
    );
    expect(many.body.data!.nodes).toEqual([{ id: `gid://shopify/Product/${b!.id}`, title: b!.title }, null]);

    const drafts = await gql<{ productsCount: { count: number } }>(
      fake,
      '{ productsCount(query: "status:draft,archived") { count } }',
    );
    expect(drafts.body.data!.productsCount.count).toBe(
      fake.store.filter((p) => p.status !== 'ACTIVE').length,
    );
  });
});

describe('fake Shopify: auth, versions, failures', () => {
  let fake: FakeShopify;
  beforeAll(async () => {
    fake = await startFakeShopify({ accessToken: TOKEN, appSecret: SECRET, products: 3 });
  });
  afterAll(() => fake.close());

  it('answers 401 for a wrong or missing token and 404 for an unsupported version', async () => {
    for (const token of ['shpat_wrong', null]) {
      const res = await fetch(fake.graphqlUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token && { 'x-shopify-access-token': token }) },
        body: JSON.stringify({ query: '{ shop { name } }' }),
      });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe(
        '{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}',
      );
    }
    const old = await fetch(fake.graphqlUrl('2019-13'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': TOKEN },
      body: JSON.stringify({ query: '{ shop { name } }' }),
    });
    expect(old.status).toBe(404);

    const ok = await gql<{ shop: { name: string; myshopifyDomain: string } }>(
      fake,
      '{ shop { name myshopifyDomain } }',
      {},
      {
        version: '2026-01',
      },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-shopify-api-version')).toBe('2026-01');
    expect(ok.body.data!.shop.myshopifyDomain).toBe(fake.shopDomain);
  });

  it('failNext answers 5xx for the next n requests, then recovers', async () => {
    const failedBefore = fake.stats.failed;
    fake.failNext(2, 503);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(fake.graphqlUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': TOKEN },
        body: JSON.stringify({ query: '{ shop { name } }' }),
      });
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([503, 503, 200]);
    expect(fake.stats.failed - failedBefore).toBe(2);
    expect(fake.received.slice(-3).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(fake.received.at(-1)!.graphql!.rootFields).toEqual(['shop']);
  });
});

describe('fake Shopify: cost-based throttling', () => {
  let fake: FakeShopify;
  beforeAll(async () => {
    fake = await startFakeShopify({
      accessToken: TOKEN,
      appSecret: SECRET,
      products: 20,
      costLimit: { maximumAvailable: 50, restoreRate: 50 },
    });
  });
  afterAll(() => fake.close());

  const Q = '{ products(first: 10) { nodes { id } } }'; // 2 + 10 × 1

  it('drains the bucket, answers THROTTLED with the cost envelope, and recovers at the restore rate', async () => {
    const replies: Reply<unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await gql(fake, Q);
      replies.push(r);
      if (r.body.errors) break;
    }
    const ok = replies.filter((r) => !r.body.errors);
    expect(ok.length).toBeGreaterThanOrEqual(4);
    expect(ok[0]!.body.extensions.cost).toEqual({
      requestedQueryCost: 12,
      actualQueryCost: 12,
      throttleStatus: { maximumAvailable: 50, currentlyAvailable: 38, restoreRate: 50 },
    });
    const throttled = replies.at(-1)!;
    expect(throttled.status).toBe(200);
    expect(throttled.body).toMatchObject({
      errors: [
        {
          message: 'Throttled',
          extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
        },
      ],
      extensions: { cost: { requestedQueryCost: 12, actualQueryCost: null } },
    });
    expect(throttled.body.data).toBeUndefined();
    expect(fake.stats.throttled).toBe(1);

    const { currentlyAvailable, restoreRate } = throttled.body.extensions.cost.throttleStatus;
    await sleep(((12 - currentlyAvailable) / restoreRate) * 1000 + 60);
    const again = await gql<{ products: { nodes: unknown[] } }>(fake, Q);
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data!.products.nodes).toHaveLength(10);
  });

  it('throttle(true) throttles every call until switched off', async () => {
    await sleep(1000); // refill
    fake.throttle(true);
    const r = await gql(fake, '{ shop { name } }');
    expect(r.body.errors![0]!.extensions!.code).toBe('THROTTLED');
    fake.throttle(false);
    expect((await gql(fake, '{ shop { name } }')).body.errors).toBeUndefined();
  });

  it('refunds the difference when fewer nodes come back than were asked for', async () => {
    await sleep(1000);
    const r = await gql(fake, '{ products(first: 40, query: "id:1") { nodes { id } } }');
    expect(r.body.extensions.cost.requestedQueryCost).toBe(42);
    expect(r.body.extensions.cost.actualQueryCost).toBe(2);
  });
});

describe('fake Shopify: bulk operations', () => {
  let fake: FakeShopify;
  beforeAll(async () => {
    fake = await startFakeShopify({ accessToken: TOKEN, appSecret: SECRET, products: 40 });
  });
  afterAll(() => fake.close());

  const RUN = `mutation Run($q: String!, $group: Boolean) {
    bulkOperationRunQuery(query: $q, groupObjects: $group) { bulkOperation { id status } userErrors { field message code } }
  }`;
  const CATALOG = `{
    products {
      edges { node { id title handle updatedAt variants { edges { node { id sku price inventoryQuantity selectedOptions { name value } } } } } }
    }
  }`;
  const POLL = '{ currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url } }';
  type Op = {
    id: string;
    status: string;
    errorCode: string | null;
    objectCount: string;
    rootObjectCount: string;
    fileSize: string | null;
    url: string | null;
  };
  type RunReply = {
    bulkOperationRunQuery: { bulkOperation: { id: string; status: string } | null; userErrors: UserErrors };
  };

  async function pollToEnd() {
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { body } = await gql<{ currentBulkOperation: Op }>(fake, POLL);
      const op = body.data!.currentBulkOperation;
      seen.push(op.status);
      if (op.status === 'COMPLETED' || op.status === 'FAILED') return { op, seen };
    }
    throw new Error('bulk operation never finished');
  }

  it('runs CREATED → RUNNING → COMPLETED and serves JSONL whose children reassemble onto their parents', async () => {
    const started = await gql<RunReply>(fake, RUN, { q: CATALOG });
    expect(started.body.data!.bulkOperationRunQuery).toEqual({
      bulkOperation: {
        id: expect.stringMatching(/^gid:\/\/shopify\/BulkOperation\/\d+$/),
        status: 'CREATED',
      },
      userErrors: [],
    });

    // Only one bulk query at a time before 2026-01.
    const second = await gql<RunReply>(fake, RUN, { q: CATALOG });
    expect(second.body.data!.bulkOperationRunQuery.userErrors[0]).toMatchObject({
      code: 'OPERATION_IN_PROGRESS',
    });

    const { op, seen } = await pollToEnd();
    expect(seen).toEqual(['RUNNING', 'COMPLETED']);
    const res = await fetch(op.url!);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(op.fileSize).toBe(String(Buffer.byteLength(text)));
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(op.objectCount).toBe(String(lines.length));
    expect(op.rootObjectCount).toBe('40');

    const parents = lines.filter((l) => !('__parentId' in l));
    const children = lines.filter((l) => '__parentId' in l);
    expect(parents).toHaveLength(40);
    expect(children).toHaveLength(fake.store.reduce((s, p) => s + p.variants.length, 0));
    expect(Object.keys(children[0]!).at(-1)).toBe('__parentId');
    expect(parents[0]).not.toHaveProperty('variants');

    // Some child is not right after its parent's block (Shopify does not promise it).
    let lastParent: unknown = null;
    let outOfOrder = 0;
    for (const l of lines) {
      if (!('__parentId' in l)) lastParent = l.id;
      else if (l.__parentId !== lastParent) outOfOrder++;
    }
    expect(outOfOrder).toBeGreaterThan(0);

    // Reassemble by id, whatever the order.
    const byId = new Map(
      parents.map((p) => [
        p.id,
        { ...p, variants: [] as Record<string, unknown>[] } as Record<string, unknown> & {
          variants: Record<string, unknown>[];
        },
      ]),
    );
    for (const c of children) byId.get(c.__parentId)!.variants.push(c);
    for (const p of fake.store) {
      const got = byId.get(`gid://shopify/Product/${p.id}`)!;
      expect(got.title).toBe(p.title);
      expect(got.variants.map((v) => v.id).sort()).toEqual(
        p.variants.map((v) => `gid://shopify/ProductVariant/${v.id}`).sort(),
      );
    }
  });

  it('keeps children under their parent with groupObjects, and refuses queries without a connection', async () => {
    await gql<RunReply>(fake, RUN, { q: CATALOG, group: true });
    const { op } = await pollToEnd();
    const lines = (await (await fetch(op.url!)).text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    let lastParent: unknown = null;
    for (const l of lines) {
      if (!('__parentId' in l)) lastParent = l.id;
      else expect(l.__parentId).toBe(lastParent);
    }

    const bad = await gql<RunReply>(fake, RUN, { q: '{ shop { name } }' });
    expect(bad.body.data!.bulkOperationRunQuery).toMatchObject({
      bulkOperation: null,
      userErrors: [{ field: ['query'], message: 'Bulk queries must contain at least one connection.' }],
    });
  });

  it('can fail a bulk operation', async () => {
    fake.failNextBulk('ACCESS_DENIED');
    await gql<RunReply>(fake, RUN, { q: CATALOG });
    const { op } = await pollToEnd();
    expect(op).toMatchObject({ status: 'FAILED', errorCode: 'ACCESS_DENIED', url: null });
  });
});

describe('fake Shopify: webhooks', () => {
  let fake: FakeShopify;
  let receiver: http.Server;
  let receiverUrl: string;
  const deliveries: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    fake = await startFakeShopify({ accessToken: TOKEN, appSecret: SECRET, products: 5 });
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/shopify`;
  });
  afterAll(async () => {
    await fake.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const hmac = (secret: string, raw: string) =>
    crypto.createHmac('sha256', secret).update(raw).digest('base64');

  it('builds deliveries signed over the raw body with the app secret, with every Shopify header', () => {
    const p = fake.store[0]!;
    const hook = fake.webhook('products/update', toRestProduct(p));
    expect(hook.headers['X-Shopify-Hmac-Sha256']).toBe(hmac(SECRET, hook.body));
    expect(hook.headers).toMatchObject({
      'Content-Type': 'application/json',
      'X-Shopify-Topic': 'products/update',
      'X-Shopify-Shop-Domain': fake.shopDomain,
      'X-Shopify-API-Version': '2025-07',
      'X-Shopify-Webhook-Id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'X-Shopify-Event-Id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'X-Shopify-Triggered-At': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(JSON.parse(hook.body)).toMatchObject({ id: p.id, tags: p.tags.join(', '), status: 'active' });
    expect(fake.webhook('PRODUCTS_UPDATE', {}).headers['X-Shopify-Webhook-Id']).not.toBe(hook.webhookId);
    expect(fake.webhook('INVENTORY_LEVELS_UPDATE', {}).topic).toBe('inventory_levels/update');

    // The research's test vector: a string payload is signed byte for byte.
    const vector = fake.webhook('products/delete', '{"id":788032119674292922}', { secret: 'my_app_secret' });
    expect(vector.headers['X-Shopify-Hmac-Sha256']).toBe('UgoQMW4qiqIBWnQV7nmS5aIGx/qcBbhnhnrqyjMHKTc=');
  });

  it('renders REST bodies with the fixture keys', () => {
    const rest = toRestProduct(fake.store[1]!);
    expect(Object.keys(rest)).toEqual([
      'id',
      'title',
      'body_html',
      'vendor',
      'product_type',
      'created_at',
      'handle',
      'updated_at',
      'published_at',
      'template_suffix',
      'published_scope',
      'tags',
      'status',
      'admin_graphql_api_id',
      'variants',
      'options',
      'images',
      'image',
    ]);
    expect(Object.keys(rest.variants[0]!)).toEqual([
      'id',
      'product_id',
      'title',
      'price',
      'position',
      'inventory_policy',
      'compare_at_price',
      'option1',
      'option2',
      'option3',
      'created_at',
      'updated_at',
      'taxable',
      'barcode',
      'fulfillment_service',
      'grams',
      'inventory_management',
      'requires_shipping',
      'sku',
      'weight',
      'weight_unit',
      'inventory_item_id',
      'inventory_quantity',
      'old_inventory_quantity',
      'presentment_prices',
      'admin_graphql_api_id',
      'image_id',
    ]);
    expect(rest.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-04:00$/);
    const v = fake.store[1]!.variants[0]!;
    expect(inventoryLevel(v, { available: 3 })).toEqual({
      inventory_item_id: v.inventoryItemId,
      location_id: expect.any(Number),
      available: 3,
      updated_at: expect.any(String),
      admin_graphql_api_id: expect.stringMatching(
        /^gid:\/\/shopify\/InventoryLevel\/\d+\?inventory_item_id=\d+$/,
      ),
    });
  });

  it('records webhookSubscriptionCreate and delivers to the subscribed address', async () => {
    const CREATE = `mutation($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
        webhookSubscription { id topic endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
        userErrors { field message }
      }
    }`;
    type Created = {
      webhookSubscriptionCreate: {
        webhookSubscription: { id: string; topic: string; endpoint: { callbackUrl: string } } | null;
        userErrors: UserErrors;
      };
    };
    const sub = { callbackUrl: receiverUrl, format: 'JSON' };
    const made = await gql<Created>(fake, CREATE, { topic: 'PRODUCTS_UPDATE', sub });
    expect(made.body.data!.webhookSubscriptionCreate.webhookSubscription).toMatchObject({
      topic: 'PRODUCTS_UPDATE',
      endpoint: { __typename: 'WebhookHttpEndpoint', callbackUrl: receiverUrl },
    });
    expect(fake.subscriptions).toHaveLength(1);
    const dup = await gql<Created>(fake, CREATE, { topic: 'PRODUCTS_UPDATE', sub });
    expect(dup.body.data!.webhookSubscriptionCreate.userErrors[0]!.message).toBe(
      'Address for this topic has already been taken',
    );

    const p = fake.updateProduct(fake.store[2]!.id, { title: 'Updated Title' });
    const [delivery] = await fake.deliver('products/update', toRestProduct(p));
    expect(delivery!.status).toBe(200);
    const got = deliveries.at(-1)!;
    expect(got.headers['x-shopify-hmac-sha256']).toBe(hmac(SECRET, got.body));
    expect(got.headers['x-shopify-topic']).toBe('products/update');
    expect(JSON.parse(got.body)).toMatchObject({ id: p.id, title: 'Updated Title' });
    expect(await fake.deliver('orders/create', {})).toEqual([]); // nobody subscribed
  });
});

describe('fake Shopify: orders', () => {
  let fake: FakeShopify;
  beforeAll(async () => {
    fake = await startFakeShopify({ accessToken: TOKEN, appSecret: SECRET, products: 10 });
  });
  afterAll(() => fake.close());

  const ORDER_CREATE = `mutation OrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
    orderCreate(order: $order, options: $options) {
      order { id name legacyResourceId displayFinancialStatus totalPriceSet { shopMoney { amount currencyCode } } }
      userErrors { field message code }
    }
  }`;
  type Created = {
    orderCreate: {
      order: {
        id: string;
        name: string;
        legacyResourceId: string;
        displayFinancialStatus: string;
        totalPriceSet: { shopMoney: { amount: string } };
      } | null;
      userErrors: UserErrors;
    };
  };

  it('orderCreate stores the order, decrements stock when asked, and answers userErrors for bad input', async () => {
    const product = fake.store.find((p) => p.variants[0]!.inventoryQuantity >= 2)!;
    const variant = product.variants[0]!;
    const stockBefore = variant.inventoryQuantity;
    const order = {
      lineItems: [{ variantId: `gid://shopify/ProductVariant/${variant.id}`, quantity: 2 }],
      email: 'buyer@example.com',
      financialStatus: 'PAID',
      shippingAddress: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        address1: '1 Main St',
        city: 'Brooklyn',
        provinceCode: 'NY',
        zip: '11201',
        countryCode: 'US',
      },
      sourceIdentifier: 'aisle_ord_123',
      tags: ['aisle'],
    };
    const r = await gql<Created>(fake, ORDER_CREATE, {
      order,
      options: { inventoryBehaviour: 'DECREMENT_IGNORING_POLICY', sendReceipt: false },
    });
    expect(r.body.errors).toBeUndefined();
    const created = r.body.data!.orderCreate;
    expect(created.userErrors).toEqual([]);
    expect(created.order).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/Order\/\d+$/),
      name: '#1001',
      displayFinancialStatus: 'PAID',
      totalPriceSet: { shopMoney: { amount: (Number(variant.price) * 2).toFixed(2), currencyCode: 'USD' } },
    });
    expect(fake.orders).toHaveLength(1);
    expect(fake.orders[0]).toMatchObject({
      email: 'buyer@example.com',
      sourceIdentifier: 'aisle_ord_123',
      shippingAddress: { name: 'Ada Lovelace', countryCodeV2: 'US' },
      lineItems: [{ variantId: variant.id, quantity: 2, price: variant.price, sku: variant.sku }],
    });
    expect(variant.inventoryQuantity).toBe(stockBefore - 2);

    const missing = await gql<Created>(fake, ORDER_CREATE, { order: { email: 'x@example.com' } });
    expect(missing.body.data!.orderCreate).toMatchObject({
      order: null,
      userErrors: [{ field: ['order', 'lineItems'] }],
    });
    const unknown = await gql<Created>(fake, ORDER_CREATE, {
      order: { lineItems: [{ variantId: 'gid://shopify/ProductVariant/1', quantity: 1 }] },
    });
    expect(unknown.body.data!.orderCreate.userErrors[0]!.field).toEqual([
      'order',
      'lineItems',
      '0',
      'variantId',
    ]);
    expect(fake.orders).toHaveLength(1);

    const noVar = await gql(fake, ORDER_CREATE, {});
    expect(noVar.body.errors![0]!.message).toBe(
      'Variable $order of type OrderCreateOrderInput! was provided invalid value',
    );

    // Read it back, and fulfil it (the fulfillments/create body a subscriber would get).
    const back = await gql<{ order: { lineItems: { nodes: { sku: string; quantity: number }[] } } }>(
      fake,
      'query($id: ID!) { order(id: $id) { lineItems(first: 10) { nodes { sku quantity } } } }',
      { id: created.order!.id },
    );
    expect(back.body.data!.order.lineItems.nodes).toEqual([{ sku: variant.sku, quantity: 2 }]);
    const fulfilment = fake.fulfillOrder(created.order!.id, { company: 'UPS', number: '1Z999' });
    expect(fulfilment).toMatchObject({
      order_id: Number(created.order!.legacyResourceId),
      status: 'success',
      tracking_company: 'UPS',
      tracking_number: '1Z999',
    });
    expect(fake.orders[0]!.fulfillmentStatus).toBe('FULFILLED');
  });

  it('draftOrderCreate then draftOrderComplete makes an order', async () => {
    const v = fake.store[3]!.variants[0]!;
    const created = await gql<{
      draftOrderCreate: { draftOrder: { id: string; status: string }; userErrors: UserErrors };
    }>(
      fake,
      `mutation($input: DraftOrderInput!) { draftOrderCreate(input: $input) { draftOrder { id status } userErrors { field message } } }`,
      {
        input: {
          lineItems: [{ variantId: `gid://shopify/ProductVariant/${v.id}`, quantity: 1 }],
          email: 'd@example.com',
        },
      },
    );
    const draft = created.body.data!.draftOrderCreate.draftOrder;
    expect(draft.status).toBe('OPEN');
    const done = await gql<{
      draftOrderComplete: {
        draftOrder: { status: string; order: { id: string; name: string } };
        userErrors: UserErrors;
      };
    }>(
      fake,
      `mutation($id: ID!) { draftOrderComplete(id: $id) { draftOrder { status order { id name } } userErrors { field message } } }`,
      { id: draft.id },
    );
    expect(done.body.data!.draftOrderComplete).toMatchObject({
      draftOrder: { status: 'COMPLETED', order: { name: '#1002' } },
      userErrors: [],
    });
    expect(fake.orders.at(-1)).toMatchObject({ via: 'draftOrderComplete', financialStatus: 'PAID' });
  });
});
