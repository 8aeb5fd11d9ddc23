import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompany } from '../../src/commerce/index.js';
import { getProduct } from '../../src/tools/get-product.js';
import { searchProducts } from '../../src/tools/search-products.js';
import type { ToolContext } from '../../src/tools/tool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let ctx: ToolContext;

beforeAll(async () => {
  t = await startTestApp({ demoCatalog: true });
  ctx = {
    company: (await createCompany(t.db, { name: 'Tools' })).company,
    user: null,
    services: { db: t.db, catalog: t.deps.catalog, checkout: t.deps.checkout },
  };
});
afterAll(() => t.close());

const search = async (input: Record<string, unknown>) => {
  const parsed = searchProducts.input.parse(input);
  const out = await searchProducts.run(ctx, parsed);
  // What a tool returns always matches its declared output schema.
  expect(searchProducts.output.safeParse(out).success).toBe(true);
  return out;
};

describe('search_products on the demo catalog', () => {
  it('loads the demo catalog: 550 active products from 7 merchants', async () => {
    expect(await t.deps.catalog.productCount()).toBe(550);
    expect(await t.deps.searchIndex.count()).toBe(550);
  });

  it("answers the reference's query with cards in the reference's shape, filters applied to variants", async () => {
    const out = await search({ query: 'Show me running shoes under $150 in size 10' });
    expect(out.understood).toEqual({
      text: 'running shoes',
      filters: { max_price: '150.00', size: '10' },
      sort: 'relevance',
    });
    expect(out.products.length).toBeGreaterThan(2);
    for (const p of out.products) {
      expect(p).toMatchObject({
        id: expect.stringMatching(/^prod_/),
        title: expect.any(String),
        name: p.title,
        description: expect.any(String),
        merchant: expect.any(String),
        image_url: expect.stringMatching(/^https:\/\//),
      });
      expect(p.category).toMatch(/Footwear/);
      for (const v of p.variants) {
        expect(v.id).toMatch(/^var_/);
        expect(Number(v.price)).toBeLessThanOrEqual(150);
        expect(Object.entries(v.options).some(([k, val]) => /size/i.test(k) && Number(val) === 10)).toBe(
          true,
        );
        expect(v.in_stock).toBe(v.available_qty > 0);
      }
      expect(Number(p.price)).toBeLessThanOrEqual(150);
    }
    // Products with an in-stock match come before sold-out ones.
    const stock = out.products.map((p) => p.in_stock);
    expect(stock.indexOf(false) === -1 || stock.lastIndexOf(true) < stock.indexOf(false)).toBe(true);
  });

  it('understands synonyms: trainers finds sneakers, sweatshirt finds hoodies', async () => {
    const trainers = await search({ query: 'trainers' });
    expect(trainers.products.some((p) => /sneaker/i.test(`${p.title} ${p.category}`))).toBe(true);
    const sweat = await search({ query: 'sweatshirt' });
    expect(sweat.products.some((p) => /hoodie/i.test(p.title))).toBe(true);
  });

  it('lets explicit fields override the sentence, and pages', async () => {
    const out = await search({ query: 'tent under $300', max_price: '200', sort: 'price_asc', limit: 3 });
    expect(out.understood.filters).toEqual({ max_price: '200.00' });
    const prices = out.products.map((p) => Number(p.price));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(prices.every((p) => p <= 200)).toBe(true);
    const page2 = await search({ query: 'tent', limit: 3, page: 2 });
    expect(page2.page).toBe(2);
    expect(page2.products.map((p) => p.id)).not.toContain(out.products[0]?.id);
  });

  it('marks sold-out variants, never offering them as in stock', async () => {
    const out = await search({ query: 'shoes', in_stock: false, limit: 20 });
    const soldOut = out.products.flatMap((p) => p.variants).filter((v) => v.available_qty === 0);
    expect(soldOut.length).toBeGreaterThan(0);
    expect(soldOut.every((v) => v.in_stock === false)).toBe(true);
    const only = await search({ query: 'shoes', in_stock: true, limit: 20 });
    expect(only.products.flatMap((p) => p.variants).every((v) => v.in_stock)).toBe(true);
  });

  it('renders text a host can show, and says when nothing matched', async () => {
    const out = await search({ query: 'headlamp', limit: 2 });
    const text = searchProducts.render(out);
    expect(text).toMatch(/^\d+ products found; showing page 1\./);
    expect(text).toContain(out.products[0]!.id);
    const none = await search({ query: 'zeppelin' });
    expect(searchProducts.render(none)).toMatch(/^No products found for "zeppelin"/);
  });

  it('rejects bad input with a message naming the field', () => {
    const r = searchProducts.input.safeParse({ query: 'x', max_price: 'cheap', limit: 50 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path[0])).toEqual(['max_price', 'limit']);
  });
});

describe('get_product', () => {
  it('returns every variant and the full description', async () => {
    const { products } = await search({ query: 'running shoes size 10', limit: 1 });
    const out = await getProduct.run(ctx, getProduct.input.parse({ product_id: products[0]!.id }));
    expect(getProduct.output.safeParse(out).success).toBe(true);
    expect(out.product.variants.length).toBeGreaterThanOrEqual(products[0]!.variants.length);
    expect(out.product.variant_count).toBe(out.product.variants.length);
    expect(getProduct.render(out)).toContain(out.product.variants[0]!.id);
  });

  it('is a not-found error for unknown ids', async () => {
    await expect(getProduct.run(ctx, { product_id: 'prod_nope' })).rejects.toMatchObject({
      code: 'product_not_found',
    });
    expect(getProduct.input.safeParse({ product_id: 'var_x' }).success).toBe(false);
  });
});
