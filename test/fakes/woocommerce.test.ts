// The fake WooCommerce store, driven over real HTTP the way a connector would: WordPress pagination headers, the
// `modified_after` filter, variations, key authentication, WordPress's error bodies, host-level 429/5xx, orders, and
// webhook deliveries verified with the subscriber-side HMAC check.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  generateWooProducts,
  startFakeWooCommerce,
  type FakeWooCommerce,
  type WooOrder,
  type WooProduct,
  type WooVariation,
} from './woocommerce.js';

const KEY = 'ck_0123456789abcdef0123456789abcdef01234567';
const SECRET = 'cs_76543210fedcba9876543210fedcba9876543210';
const WEBHOOK_SECRET = 'aisle-webhook-secret';
const BASIC = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64');
let nowMs = Date.parse('2025-07-01T10:00:00Z');

let fake: FakeWooCommerce;
beforeAll(async () => {
  fake = await startFakeWooCommerce({
    consumerKey: KEY,
    consumerSecret: SECRET,
    webhookSecret: WEBHOOK_SECRET,
    products: 250,
    now: () => new Date(nowMs),
  });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.rateLimit(false);
  fake.failNext(0);
});

const api = (path: string, init: RequestInit & { auth?: string | null } = {}) => {
  const { auth = BASIC, headers, ...rest } = init;
  return fetch(`${fake.url}/wp-json/wc/v3/${path}`, {
    ...rest,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(rest.body ? { 'content-type': 'application/json' } : {}),
      ...(headers as Record<string, string> | undefined),
    },
  });
};
const post = (path: string, body: unknown, method = 'POST') =>
  api(path, { method, body: JSON.stringify(body) });
const nextLink = (link: string | null) => /<([^>]+)>; rel="next"/.exec(link ?? '')?.[1];

// Keys of the WooCommerce docs samples (/work/shared/samples/woocommerce-v3-*.docs.json): ours must be a superset.
const SAMPLE_PRODUCT_KEYS =
  'id name slug permalink date_created date_created_gmt date_modified date_modified_gmt type status featured catalog_visibility description short_description sku price regular_price sale_price date_on_sale_from date_on_sale_from_gmt date_on_sale_to date_on_sale_to_gmt price_html on_sale purchasable total_sales virtual downloadable downloads download_limit download_expiry external_url button_text tax_status tax_class manage_stock stock_quantity stock_status backorders backorders_allowed backordered sold_individually weight dimensions shipping_required shipping_taxable shipping_class shipping_class_id reviews_allowed average_rating rating_count related_ids upsell_ids cross_sell_ids parent_id purchase_note categories tags images attributes default_attributes variations grouped_products menu_order meta_data _links'.split(
    ' ',
  );
const SAMPLE_VARIATION_KEYS =
  'id date_created date_created_gmt date_modified date_modified_gmt description permalink sku price regular_price sale_price date_on_sale_from date_on_sale_from_gmt date_on_sale_to date_on_sale_to_gmt on_sale status purchasable virtual downloadable downloads download_limit download_expiry tax_status tax_class manage_stock stock_quantity stock_status backorders backorders_allowed backordered weight dimensions shipping_class shipping_class_id image attributes menu_order meta_data _links'.split(
    ' ',
  );
const SAMPLE_ORDER_KEYS =
  'id parent_id number order_key created_via version status currency date_created date_created_gmt date_modified date_modified_gmt discount_total discount_tax shipping_total shipping_tax cart_tax total total_tax prices_include_tax customer_id customer_ip_address customer_user_agent customer_note billing shipping payment_method payment_method_title transaction_id date_paid date_paid_gmt date_completed date_completed_gmt cart_hash meta_data line_items tax_lines shipping_lines fee_lines coupon_lines refunds _links'.split(
    ' ',
  );
const SAMPLE_WEBHOOK_KEYS =
  'id name status topic resource event hooks delivery_url date_created date_created_gmt date_modified date_modified_gmt _links'.split(
    ' ',
  );

describe('catalog generation', () => {
  it('is deterministic and shaped like a real store', () => {
    const a = generateWooProducts(400, 7);
    expect(generateWooProducts(400, 7)).toEqual(a);
    expect(generateWooProducts(400, 8)).not.toEqual(a);
    const variable = a.filter((p) => p.type === 'variable');
    const unpublished = a.filter((p) => p.status !== 'publish');
    expect(variable.length / a.length).toBeGreaterThan(0.3);
    expect(variable.length / a.length).toBeLessThan(0.5);
    expect(unpublished.length / a.length).toBeGreaterThan(0.05);
    expect(unpublished.length / a.length).toBeLessThan(0.16);
    for (const p of variable) {
      expect(p.variations!.length).toBeGreaterThanOrEqual(2);
      expect(p.variations!.length).toBeLessThanOrEqual(12);
      for (const v of p.variations!) expect(v.attributes.map((x) => x.name)[0]).toBe('Color');
    }
    const ids = a.flatMap((p) => [p.id, ...(p.variations ?? []).map((v) => v.id)]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('serves products in the current REST shape (a superset of the docs sample), with realistic payload sizes', () => {
    const all = fake.store.products();
    expect(all).toHaveLength(250);
    const simple = all.find((p) => p.type === 'simple') as WooProduct;
    const variable = all.find((p) => p.type === 'variable') as WooProduct;
    for (const p of [simple, variable]) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(SAMPLE_PRODUCT_KEYS));
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['global_unique_id', 'brands', 'has_options']));
    }
    expect(simple.price).toMatch(/^\d+(\.\d\d)?$/);
    expect(simple.stock_quantity === null).toBe(!simple.manage_stock);
    // A variable product: regular/sale price empty, `price` the cheapest enabled variation, variations as ids.
    expect(variable.regular_price).toBe('');
    const prices = fake.store
      .variations(variable.id)
      .filter((v) => v.status === 'publish')
      .map((v) => Number(v.price));
    expect(Number(variable.price)).toBe(Math.min(...prices));
    expect(variable.variations.every((id) => typeof id === 'number')).toBe(true);
    const avg = JSON.stringify(all).length / all.length;
    expect(avg).toBeGreaterThan(3000);
    expect(avg).toBeLessThan(12000);
  });
});

describe('GET products: WordPress pagination', () => {
  it('pages 250 products with X-WP-Total, X-WP-TotalPages and Link, following rel="next" to the end', async () => {
    const first = await api('products?per_page=100');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-wp-total')).toBe('250'); // status defaults to "any": drafts/private/pending included
    expect(first.headers.get('x-wp-totalpages')).toBe('3');
    expect(first.headers.get('link')).toBe(
      `<${fake.url}/wp-json/wc/v3/products?per_page=100&page=2>; rel="next"`,
    );
    expect(first.headers.get('content-type')).toBe('application/json; charset=UTF-8');

    const seen: number[] = [];
    let url: string | undefined = `${fake.url}/wp-json/wc/v3/products?per_page=100`;
    let pages = 0;
    while (url) {
      const r = await fetch(url, { headers: { authorization: BASIC } });
      const page = (await r.json()) as WooProduct[];
      seen.push(...page.map((p) => p.id));
      pages++;
      if (pages === 2)
        expect(r.headers.get('link')).toBe(
          `<${fake.url}/wp-json/wc/v3/products?per_page=100&page=1>; rel="prev", <${fake.url}/wp-json/wc/v3/products?per_page=100&page=3>; rel="next"`,
        );
      url = nextLink(r.headers.get('link'));
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(250);
    // Default order is date desc (then id desc).
    const byDate = fake.store
      .products()
      .sort((a, b) => b.date_created_gmt.localeCompare(a.date_created_gmt) || b.id - a.id)
      .map((p) => p.id);
    expect(seen).toEqual(byDate);
  });

  it('defaults to 10 per page, answers [] past the end with a prev link to the last page, and filters by status', async () => {
    const r = await api('products');
    expect(((await r.json()) as unknown[]).length).toBe(10);
    expect(r.headers.get('x-wp-totalpages')).toBe('25');

    const past = await api('products?per_page=100&page=9');
    expect(await past.json()).toEqual([]);
    expect(past.headers.get('x-wp-total')).toBe('250');
    expect(past.headers.get('link')).toBe(
      `<${fake.url}/wp-json/wc/v3/products?per_page=100&page=3>; rel="prev"`,
    );

    const published = fake.store.products().filter((p) => p.status === 'publish').length;
    const pub = await api('products?status=publish&per_page=1&orderby=id&order=asc');
    expect(pub.headers.get('x-wp-total')).toBe(String(published));
    expect(pub.headers.get('link')).toContain(
      '?status=publish&per_page=1&orderby=id&order=asc&page=2>; rel="next"',
    );
  });

  it('sends PHP json_encode output: escaped slashes and \\u escapes', async () => {
    const p = fake.store.products()[0] as WooProduct;
    const raw = await (await api(`products/${p.id}`)).text();
    expect(raw).toContain(`"permalink":"${p.permalink.replace(/\//g, '\\/')}"`);
    expect([...raw].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect(JSON.parse(raw)).toEqual(p);
  });

  it('filters by modified_after (site-local unless dates_are_gmt) and sees writes to products and variations', async () => {
    const all = fake.store.products();
    const cut = '2025-03-01T00:00:00';
    const expected = all.filter((p) => p.date_modified_gmt > cut && p.status !== 'trash').map((p) => p.id);
    const count = async (qs: string) => {
      const r = await api(`products?per_page=100&${qs}`);
      return Number(r.headers.get('x-wp-total'));
    };
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(250);
    expect(await count(`modified_after=${cut}&dates_are_gmt=true`)).toBe(expected.length);
    // An explicit offset is converted to site time, and compared with the local column.
    expect(await count(`modified_after=${cut}Z`)).toBe(expected.length);
    // Without dates_are_gmt a naive value is site-local time (UTC-4 here), so the cut falls four hours later.
    const local = all.filter((p) => p.date_modified > cut).length;
    expect(local).not.toBe(expected.length);
    expect(await count(`modified_after=${cut}`)).toBe(local);

    // Nothing has changed since "now" … until a product and a variation are edited.
    const since = new Date(nowMs).toISOString().slice(0, 19);
    expect(await count(`modified_after=${since}&dates_are_gmt=true`)).toBe(0);
    nowMs += 60_000;
    const simple = all.find((p) => p.type === 'simple') as WooProduct;
    const variable = all.find((p) => p.type === 'variable') as WooProduct;
    fake.updateProduct(simple.id, { regular_price: '12.34' });
    const vid = variable.variations[0] as number;
    const v = fake.updateVariation(variable.id, vid, { regular_price: '1.00' });
    expect(v.price).toBe('1.00');
    const r = await api(
      `products?per_page=100&modified_after=${since}&dates_are_gmt=true&orderby=id&order=asc`,
    );
    const changed = (await r.json()) as WooProduct[];
    expect(changed.map((p) => p.id)).toEqual([simple.id, variable.id].sort((a, b) => a - b));
    expect(changed.find((p) => p.id === simple.id)?.price).toBe('12.34');
    expect(changed.find((p) => p.id === variable.id)?.price).toBe('1.00');

    const bad = await api('products?modified_after=yesterday');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { data: { params: unknown } }).data.params).toEqual({
      modified_after: 'Invalid date.',
    });
  });
});

describe('variations', () => {
  it('lists a variable product’s variations with pagination headers, partial attributes and a single image', async () => {
    const variable = fake.store.products().find((p) => p.type === 'variable' && p.variations.length >= 3)!;
    const r = await api(`products/${variable.id}/variations?per_page=2`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-wp-total')).toBe(String(variable.variations.length));
    expect(r.headers.get('x-wp-totalpages')).toBe(String(Math.ceil(variable.variations.length / 2)));
    expect(r.headers.get('link')).toBe(
      `<${fake.url}/wp-json/wc/v3/products/${variable.id}/variations?per_page=2&page=2>; rel="next"`,
    );
    const all = (await (
      await api(`products/${variable.id}/variations?per_page=100`)
    ).json()) as WooVariation[];
    expect(all.map((v) => v.id).sort()).toEqual([...variable.variations].sort());
    const colorOptions = (variable.attributes as Array<{ name: string; options: string[] }>).find(
      (a) => a.name === 'Color',
    )!.options;
    for (const v of all) {
      expect(Object.keys(v)).toEqual(expect.arrayContaining(SAMPLE_VARIATION_KEYS));
      expect(v.parent_id).toBe(variable.id);
      expect(colorOptions).toContain(v.attributes.find((a) => a.name === 'Color')?.option);
      expect(v.image === null || typeof v.image.src === 'string').toBe(true);
      expect(v.price).toMatch(/^\d+(\.\d\d)?$/);
      expect(v.stock_quantity === null).toBe(v.manage_stock !== true);
      expect(v._links.up?.[0]?.href).toBe(`${fake.url}/wp-json/wc/v3/products/${variable.id}`);
    }
    const one = all[0] as WooVariation;
    expect(await (await api(`products/${variable.id}/variations/${one.id}`)).json()).toEqual(one);
    // The products controller serves a variation too: product-shaped, type "variation".
    const asProduct = (await (await api(`products/${one.id}`)).json()) as WooProduct;
    expect(asProduct).toMatchObject({ id: one.id, type: 'variation', parent_id: variable.id, sku: one.sku });

    const missing = await api(`products/${variable.id}/variations/1`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      code: 'woocommerce_rest_product_variation_invalid_id',
      message: 'Invalid ID.',
      data: { status: 404 },
    });
  });
});

describe('authentication and errors', () => {
  it('rejects missing or unknown keys with the permission error, a wrong secret with the authentication error', async () => {
    const cannotList = {
      code: 'woocommerce_rest_cannot_view',
      message: 'Sorry, you cannot list resources.',
      data: { status: 401 },
    };
    const none = await api('products', { auth: null });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual(cannotList);
    const unknown = await api('products', {
      auth: 'Basic ' + Buffer.from('ck_nope:cs_nope').toString('base64'),
    });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(cannotList);
    const wrongSecret = await api('products', {
      auth: 'Basic ' + Buffer.from(`${KEY}:cs_wrong`).toString('base64'),
    });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({
      code: 'woocommerce_rest_authentication_error',
      message: 'Consumer secret is invalid.',
      data: { status: 401 },
    });
    const single = await api(`products/${fake.store.products()[0]!.id}`, { auth: null });
    expect(((await single.json()) as { message: string }).message).toBe(
      'Sorry, you cannot view this resource.',
    );
  });

  it('accepts consumer_key/consumer_secret query parameters (and echoes them into Link, as WordPress does)', async () => {
    const r = await api(`products?per_page=100&consumer_key=${KEY}&consumer_secret=${SECRET}`, {
      auth: null,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('link')).toContain(`consumer_key=${KEY}&consumer_secret=${SECRET}&page=2`);
    expect(fake.received.at(-1)?.auth).toBe('query');
  });

  it('answers per_page > 100 with rest_invalid_param, before any permission check', async () => {
    const body = {
      code: 'rest_invalid_param',
      message: 'Invalid parameter(s): per_page',
      data: {
        status: 400,
        params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' },
        details: {
          per_page: {
            code: 'rest_out_of_bounds',
            message: 'per_page must be between 1 (inclusive) and 100 (inclusive)',
            data: null,
          },
        },
      },
    };
    for (const auth of [BASIC, null]) {
      const r = await api('products?per_page=101', { auth });
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual(body);
    }
    const order = await api('products?order=up');
    expect(((await order.json()) as { data: { params: unknown } }).data.params).toEqual({
      order: 'order is not one of asc and desc.',
    });
    const noRoute = await api('nonsense');
    expect(noRoute.status).toBe(404);
    expect(((await noRoute.json()) as { code: string }).code).toBe('rest_no_route');
  });

  it('rate limits with 429 and Retry-After while switched on', async () => {
    fake.rateLimit(true, { retryAfterSeconds: 7 });
    const r = await api('products');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(((await r.json()) as { code: string }).code).toBe('rate_limit_exceeded');
    fake.rateLimit(false);
    expect((await api('products')).status).toBe(200);
  });

  it('fails the next n requests: 500 as WordPress’s critical-error JSON, other 5xx as a proxy page', async () => {
    fake.failNext(2, 503);
    for (let i = 0; i < 2; i++) {
      const r = await api('products');
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toContain('text/html');
      expect(await r.text()).toContain('503 Service Unavailable');
    }
    expect((await api('products')).status).toBe(200);
    fake.failNext(1);
    const r = await api('products');
    expect(r.status).toBe(500);
    expect(((await r.json()) as { code: string }).code).toBe('internal_server_error');
    expect((await api('products')).status).toBe(200);
    expect(fake.received.slice(-5).map((q) => q.status)).toEqual([503, 503, 200, 500, 200]);
  });
});

describe('orders', () => {
  const customer = {
    payment_method: 'aisle',
    payment_method_title: 'Paid via Aisle',
    billing: {
      first_name: 'John',
      last_name: 'Doe',
      address_1: '969 Market',
      city: 'San Francisco',
      state: 'CA',
      postcode: '94103',
      country: 'US',
      email: 'john.doe@example.com',
      phone: '(555) 555-5555',
    },
    shipping: {
      first_name: 'John',
      last_name: 'Doe',
      address_1: '969 Market',
      city: 'San Francisco',
      state: 'CA',
      postcode: '94103',
      country: 'US',
    },
    shipping_lines: [{ method_id: 'flat_rate', method_title: 'Flat Rate', total: '10.00' }],
  };

  it('creates a paid order (201, processing, stock reduced), reads it back and completes it with tracking meta', async () => {
    const products = fake.store.products();
    const simple = products.find(
      (p) => p.type === 'simple' && p.manage_stock && (p.stock_quantity ?? 0) > 5,
    )!;
    const variable = products.find((p) => p.type === 'variable' && p.status === 'publish')!;
    const variation = fake.store.variations(variable.id).find((v) => v.status === 'publish')!;
    const r = await post('orders', {
      ...customer,
      set_paid: true,
      line_items: [
        { product_id: simple.id, quantity: 2 },
        { product_id: variable.id, variation_id: variation.id, quantity: 1 },
      ],
      meta_data: [{ key: '_aisle_order_id', value: 'ord_123' }],
    });
    expect(r.status).toBe(201);
    const order = (await r.json()) as WooOrder;
    expect(r.headers.get('location')).toBe(`${fake.url}/wp-json/wc/v3/orders/${order.id}`);
    expect(Object.keys(order)).toEqual(expect.arrayContaining(SAMPLE_ORDER_KEYS));
    expect(order).toMatchObject({ status: 'processing', number: String(order.id), created_via: 'rest-api' });
    expect(order.date_paid_gmt).not.toBeNull();
    expect(order.billing.email).toBe('john.doe@example.com');
    expect(order.line_items).toHaveLength(2);
    const [a, b] = order.line_items as [WooOrder['line_items'][number], WooOrder['line_items'][number]];
    expect(a).toMatchObject({ product_id: simple.id, variation_id: 0, quantity: 2, sku: simple.sku });
    expect(a.total).toBe((Number(simple.price) * 2).toFixed(2));
    expect(b).toMatchObject({
      product_id: variable.id,
      variation_id: variation.id,
      parent_name: variable.name,
    });
    expect(b.name).toBe(variation.name);
    expect(b.meta_data.map((m) => m.display_key)).toEqual(expect.arrayContaining(['Color']));
    expect(order.total).toBe((Number(a.total) + Number(b.total) + 10).toFixed(2));
    expect(order.meta_data).toEqual([{ id: expect.any(Number), key: '_aisle_order_id', value: 'ord_123' }]);
    expect(fake.store.product(simple.id)?.stock_quantity).toBe((simple.stock_quantity ?? 0) - 2);
    expect(fake.orders.map((o) => o.id)).toContain(order.id);

    expect(await (await api(`orders/${order.id}`)).json()).toEqual(order);

    nowMs += 60_000;
    const done = await post(
      `orders/${order.id}`,
      { status: 'completed', meta_data: [{ key: '_tracking_number', value: '1Z999AA10123456784' }] },
      'PUT',
    );
    expect(done.status).toBe(200);
    const completed = (await done.json()) as WooOrder;
    expect(completed.status).toBe('completed');
    expect(completed.date_completed_gmt).toBe(new Date(nowMs).toISOString().slice(0, 19));
    expect(completed.meta_data.map((m) => m.key)).toEqual(['_aisle_order_id', '_tracking_number']);

    const unknown = await post('orders/999999', { status: 'completed' }, 'PUT');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe('woocommerce_rest_shop_order_invalid_id');
  });

  it('an unknown product: 201 with a product_id 0 line (as WooCommerce core does), keeping a posted total', async () => {
    const r = await post('orders', { ...customer, line_items: [{ product_id: 987654, quantity: 1 }] });
    expect(r.status).toBe(201);
    const order = (await r.json()) as WooOrder;
    expect(order.status).toBe('pending');
    expect(order.line_items[0]).toMatchObject({
      product_id: 0,
      variation_id: 0,
      name: '',
      total: '0.00',
      sku: null,
    });
    expect(order.total).toBe('10.00'); // shipping only
    const priced = await post('orders', {
      line_items: [{ product_id: 987654, quantity: 2, total: '30.00' }],
    });
    expect(((await priced.json()) as WooOrder).line_items[0]).toMatchObject({
      product_id: 0,
      total: '30.00',
      price: 15,
    });
  });

  it('finds orders by search over the address fields (not meta), as wc_order_search does', async () => {
    const made = (await (
      await post('orders', { ...customer, billing: { ...customer.billing, company: 'Aisle ord_search_1' } })
    ).json()) as WooOrder;
    const r = await api('orders?search=ord_search_1&per_page=20');
    expect(((await r.json()) as WooOrder[]).map((o) => o.id)).toEqual([made.id]);
    expect(r.headers.get('x-wp-total')).toBe('1');
    const byMeta = await api('orders?search=ord_123');
    expect(await byMeta.json()).toEqual([]);
  });

  it('rejects bad line items: no product reference, a non-integer quantity, and (when so configured) unknown ids', async () => {
    const noRef = await post('orders', { line_items: [{ quantity: 1 }] });
    expect(noRef.status).toBe(400);
    expect(await noRef.json()).toEqual({
      code: 'woocommerce_rest_required_product_reference',
      message: 'Product ID or SKU is required.',
      data: { status: 400 },
    });
    const badQty = await post('orders', { line_items: [{ product_id: 1, quantity: 'two' }] });
    expect(badQty.status).toBe(400);
    expect(((await badQty.json()) as { data: { params: unknown } }).data.params).toEqual({
      line_items: 'line_items[0][quantity] is not of type integer.',
    });

    const strict = await startFakeWooCommerce({
      consumerKey: KEY,
      consumerSecret: SECRET,
      webhookSecret: WEBHOOK_SECRET,
      products: 3,
      unknownLineItems: 'reject',
    });
    try {
      const r = await fetch(`${strict.url}/wp-json/wc/v3/orders`, {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/json' },
        body: JSON.stringify({ line_items: [{ product_id: 987654, quantity: 1 }] }),
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe('woocommerce_rest_invalid_product_id');
      expect(strict.orders).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});

describe('webhooks', () => {
  const verify = (raw: string, signature: string, secret: string) =>
    crypto.createHmac('sha256', secret).update(raw).digest('base64') === signature;

  it('builds deliveries exactly as WooCommerce sends them, verifiable with the subscriber-side HMAC', () => {
    const p = fake.store.products().find((x) => x.type === 'simple')!;
    const d = fake.webhook('product.updated', p.id);
    expect(d.headers).toEqual({
      'User-Agent': expect.stringMatching(
        /^WooCommerce\/\d+\.\d+(\.\d+)? Hookshot \(WordPress\/6\.\d+(\.\d+)?\)$/,
      ),
      'Content-Type': 'application/json',
      'X-WC-Webhook-Source': `${fake.url}/`,
      'X-WC-Webhook-Topic': 'product.updated',
      'X-WC-Webhook-Resource': 'product',
      'X-WC-Webhook-Event': 'updated',
      'X-WC-Webhook-Signature': expect.any(String),
      'X-WC-Webhook-ID': expect.stringMatching(/^\d+$/),
      'X-WC-Webhook-Delivery-ID': expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(verify(d.body, d.headers['X-WC-Webhook-Signature']!, WEBHOOK_SECRET)).toBe(true);
    expect(verify(d.body, d.headers['X-WC-Webhook-Signature']!, 'other-secret')).toBe(false);
    // The signature covers PHP's bytes: re-serialising the parsed body would not match.
    expect(d.body).toContain('\\/');
    expect(
      verify(JSON.stringify(JSON.parse(d.body)), d.headers['X-WC-Webhook-Signature']!, WEBHOOK_SECRET),
    ).toBe(false);
    expect(JSON.parse(d.body)).toEqual(fake.store.product(p.id));

    const deleted = fake.webhook('product.deleted', p.id);
    expect(deleted.body).toBe(`{"id":${p.id}}`);
    expect(deleted.headers['X-WC-Webhook-Event']).toBe('deleted');
  });

  it('a variation edit yields product.updated with the product-shaped variation, then the parent', () => {
    const variable = fake.store.products().find((p) => p.type === 'variable')!;
    const vid = variable.variations[0] as number;
    const [forVariation, forParent] = fake.variationWebhooks(variable.id, vid);
    expect(forVariation?.headers['X-WC-Webhook-Topic']).toBe('product.updated');
    expect(JSON.parse(forVariation!.body)).toMatchObject({
      id: vid,
      type: 'variation',
      parent_id: variable.id,
    });
    expect(JSON.parse(forParent!.body)).toMatchObject({ id: variable.id, type: 'variable' });
    for (const d of [forVariation!, forParent!])
      expect(verify(d.body, d.headers['X-WC-Webhook-Signature']!, WEBHOOK_SECRET)).toBe(true);
  });

  it('the creation ping is a form-encoded webhook_id=N with no signature', () => {
    const ping = fake.ping(42);
    expect(ping.body).toBe('webhook_id=42');
    expect(ping.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(Object.keys(ping.headers).some((h) => h.toLowerCase().startsWith('x-wc-'))).toBe(false);
  });

  it('POST webhooks records the subscription, pings the delivery URL, and deliver() signs with its secret', async () => {
    const hits: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    let answer = 200;
    const subscriber = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ headers: req.headers, body });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
    const deliveryUrl = `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/webhooks/woo`;
    try {
      const r = await post('webhooks', {
        name: 'Aisle product sync',
        topic: 'product.updated',
        delivery_url: deliveryUrl,
        secret: 'sub-secret',
      });
      expect(r.status).toBe(201);
      const created = (await r.json()) as Record<string, unknown>;
      expect(Object.keys(created)).toEqual(SAMPLE_WEBHOOK_KEYS);
      expect(created).toMatchObject({ status: 'active', topic: 'product.updated', resource: 'product' });
      expect(created).not.toHaveProperty('secret');
      // The ping went out before the response.
      expect(hits[0]?.body).toBe(`webhook_id=${created.id}`);
      expect(hits[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(hits[0]?.headers['x-wc-webhook-signature']).toBeUndefined();

      const p = fake.store.products()[5]!;
      const [result] = await fake.deliver('product.updated', p.id);
      expect(result).toMatchObject({ webhookId: created.id, status: 200 });
      const hook = hits[1]!;
      expect(hook.headers['x-wc-webhook-topic']).toBe('product.updated');
      expect(hook.headers['x-wc-webhook-id']).toBe(String(created.id));
      expect(verify(hook.body, String(hook.headers['x-wc-webhook-signature']), 'sub-secret')).toBe(true);

      // No retries; more than five consecutive failures disable the subscription.
      answer = 500;
      for (let i = 0; i < 7; i++) await fake.deliver('product.updated', p.id);
      expect(hits).toHaveLength(2 + 7);
      expect(fake.store.webhooks[0]?.status).toBe('disabled');
      expect(await fake.deliver('product.updated', p.id)).toEqual([]);

      const bad = await post('webhooks', { topic: 'product.exploded', delivery_url: deliveryUrl });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { code: string }).code).toBe('woocommerce_rest_webhook_invalid_topic');
    } finally {
      subscriber.closeAllConnections();
      await new Promise<void>((resolve) => subscriber.close(() => resolve()));
    }
  });
});

describe('request log', () => {
  it('records every request with its route, auth mode and status', async () => {
    const before = fake.received.length;
    await api('products?per_page=1');
    await api('products?per_page=1', { auth: null });
    const [ok, denied] = fake.received.slice(before);
    expect(ok).toMatchObject({ method: 'GET', route: '/wc/v3/products', auth: 'basic', status: 200 });
    expect(ok?.query).toEqual({ per_page: '1' });
    expect(denied).toMatchObject({ auth: 'none', status: 401 });
  });
});
