import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCompany, startTestApp, type TestApp, type TestCompany } from '../../helpers/app.js';

let t: TestApp;
let co: TestCompany;

beforeAll(async () => {
  t = await startTestApp({ demoCatalog: true });
  co = await createTestCompany(t.db);
});
afterAll(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: co.headers });

describe('GET /api/v1/products/', () => {
  it('searches with the query string filters and pages with links that keep them', async () => {
    const res = await get('/api/v1/products/?q=running%20shoes&max_price=150&in_stock=true&page_size=3');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.understood).toEqual({
      text: 'running shoes',
      filters: { max_price: '150.00', in_stock: true },
      sort: 'relevance',
    });
    expect(body.results).toHaveLength(3);
    expect(body.count).toBeGreaterThan(3);
    expect(body.next).toBe(
      '/api/v1/products/?q=running+shoes&max_price=150&in_stock=true&page=2&page_size=3',
    );
    expect(body.previous).toBeNull();
    for (const p of body.results) {
      expect(p.in_stock).toBe(true);
      for (const v of p.variants) {
        expect(Number(v.price)).toBeLessThanOrEqual(150);
        expect(v.in_stock).toBe(true);
      }
    }
    const next = (await get(body.next)).json();
    expect(next.results.map((p: { id: string }) => p.id)).not.toContain(body.results[0].id);
  });

  it('filters by merchant and category', async () => {
    const merchants = (await get('/api/v1/products/?merchant=voltbay&page_size=100')).json();
    expect(merchants.count).toBeGreaterThan(50);
    expect(new Set(merchants.results.map((p: { merchant: string }) => p.merchant))).toEqual(
      new Set(['Voltbay Electronics']),
    );
    const beauty = (await get('/api/v1/products/?category=Beauty&page_size=5')).json();
    expect(beauty.results.every((p: { category: string }) => p.category.startsWith('Beauty'))).toBe(true);
  });

  it.each(['min_price=abc', 'in_stock=maybe', 'sort=random', 'page=0'])('400 for ?%s', async (query) => {
    const res = await get(`/api/v1/products/?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('needs credentials', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/products/' })).statusCode).toBe(401);
  });
});

describe('GET /api/v1/products/{id}/', () => {
  it('returns the product with every variant, or 404', async () => {
    const [first] = (await get('/api/v1/products/?q=tent&page_size=1')).json().results;
    const res = await get(`/api/v1/products/${first.id}/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: first.id,
      title: first.title,
      variant_count: res.json().variants.length,
    });
    const missing = await get('/api/v1/products/prod_nope/');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'product_not_found', status: 404 });
  });
});
