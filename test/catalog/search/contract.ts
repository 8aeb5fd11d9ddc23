// The behaviour every SearchIndex adapter must have; each adapter's test file runs it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IndexQuery, SearchDocument, SearchIndex } from '../../../src/catalog/search/port.js';

const variant = (id: string, options: Record<string, string>, price: number, qty = 5) => ({
  id,
  title: Object.values(options).join(' / ') || 'Default',
  options,
  priceMinor: price,
  compareAtMinor: null,
  currency: 'USD',
  availableQty: qty,
});

const base = {
  merchantId: 'mer_a',
  merchantSlug: 'pace',
  merchantName: 'Pace Running',
  description: '',
  vendor: '',
  tags: [] as string[],
  imageUrl: null,
  productUrl: null,
  updatedAt: 1_700_000_000_000,
};

export const FIXTURE: SearchDocument[] = [
  {
    ...base,
    id: 'prod_pacer',
    title: 'Stridewell Pacer 3 Neutral Running Shoe',
    description: 'A cushioned daily trainer for road miles.',
    vendor: 'Stridewell',
    productType: 'Running Shoes',
    category: 'Footwear > Running Shoes',
    variants: [
      variant('var_pacer_9', { Color: 'Black', Size: '9' }, 12999),
      variant('var_pacer_10', { Color: 'Black', Size: '10' }, 12999, 0),
      variant('var_pacer_10b', { Color: 'Blue', Size: '10' }, 16999),
    ],
    updatedAt: 1_700_000_000_100,
  },
  {
    ...base,
    id: 'prod_court',
    title: 'Courtline Classic Low Sneaker',
    vendor: 'Courtline',
    productType: 'Sneakers',
    category: 'Footwear > Sneakers',
    variants: [variant('var_court_10', { Color: 'White', Size: '10' }, 8900)],
    updatedAt: 1_700_000_000_200,
  },
  {
    ...base,
    id: 'prod_hoodie',
    merchantId: 'mer_b',
    merchantSlug: 'northloom',
    merchantName: 'Northloom Apparel',
    title: 'Heavyweight Pullover Hoodie',
    vendor: 'Northloom',
    productType: 'Hoodies',
    category: 'Apparel > Hoodies',
    variants: [
      variant('var_hoodie_m', { Color: 'Black', Size: 'M' }, 6800),
      variant('var_hoodie_l', { Color: 'Grey', Size: 'L' }, 6800),
    ],
    updatedAt: 1_700_000_000_300,
  },
  {
    ...base,
    id: 'prod_headphones',
    merchantId: 'mer_c',
    merchantSlug: 'voltbay',
    merchantName: 'Voltbay',
    title: 'Tonewell Hush 500 Noise Cancelling Headphones',
    vendor: 'Tonewell',
    productType: 'Headphones',
    category: 'Electronics > Headphones',
    tags: ['wireless'],
    variants: [variant('var_hush', {}, 19999, 0)],
    updatedAt: 1_700_000_000_400,
  },
  {
    ...base,
    id: 'prod_tent',
    merchantId: 'mer_d',
    merchantSlug: 'ridgeline',
    merchantName: 'Ridgeline Outfitters',
    title: 'Basecamp 2 Backpacking Tent',
    vendor: 'Ridgeline',
    productType: 'Tents',
    category: 'Outdoor > Tents',
    variants: [variant('var_tent', { Color: 'Green' }, 22900)],
    updatedAt: 1_700_000_000_500,
  },
];

const q = (text: string, over: Partial<IndexQuery> = {}): IndexQuery => ({
  text,
  filters: {},
  sort: 'relevance',
  offset: 0,
  limit: 10,
  ...over,
});

export function searchIndexContract(name: string, make: () => Promise<SearchIndex>) {
  describe(`SearchIndex contract: ${name}`, () => {
    let index: SearchIndex;
    beforeAll(async () => {
      index = await make();
    });
    afterAll(() => index.close());
    beforeEach(async () => {
      await index.clear();
      await index.upsert(FIXTURE);
    });

    it('holds one document per product and answers health', async () => {
      expect(await index.count()).toBe(FIXTURE.length);
      expect((await index.health()).status).toBe('ok');
    });

    it('finds products by words in the title, type and brand, once each', async () => {
      const r = await index.search(q('running shoe'));
      expect(r.ids[0]).toBe('prod_pacer');
      expect(new Set(r.ids).size).toBe(r.ids.length);
      expect((await index.search(q('Tonewell'))).ids).toEqual(['prod_headphones']);
    });

    it('understands synonyms and typos', async () => {
      expect((await index.search(q('trainers'))).ids).toContain('prod_court');
      expect((await index.search(q('sweatshirt'))).ids).toContain('prod_hoodie');
      expect((await index.search(q('hedphones'))).ids).toContain('prod_headphones');
    });

    it('applies variant filters to one variant at a time', async () => {
      // Pacer has a $129.99 variant and a size-10 variant, but its only size-10 variant under $150 is sold out.
      const footwear = { category: 'Footwear', size: '10', maxPriceMinor: 15000 };
      const cheap10 = await index.search(q('', { filters: footwear }));
      expect(cheap10.ids.sort()).toEqual(['prod_court', 'prod_pacer']);
      const inStock = await index.search(q('', { filters: { ...footwear, inStock: true } }));
      expect(inStock.ids).toEqual(['prod_court']);
      const cheapBlue = await index.search(
        q('running', { filters: { color: 'blue', maxPriceMinor: 15000 } }),
      );
      expect(cheapBlue.ids).toEqual([]);
      const blue = await index.search(q('running', { filters: { color: 'blue' } }));
      expect(blue.ids).toEqual(['prod_pacer']);
    });

    it('filters by price range, merchant, category and stock with no text', async () => {
      const mid = await index.search(q('', { filters: { minPriceMinor: 10000, maxPriceMinor: 20000 } }));
      expect(mid.ids.sort()).toEqual(['prod_headphones', 'prod_pacer']);
      expect((await index.search(q('', { filters: { merchant: 'northloom' } }))).ids).toEqual([
        'prod_hoodie',
      ]);
      expect((await index.search(q('', { filters: { merchant: 'mer_d' } }))).ids).toEqual(['prod_tent']);
      expect((await index.search(q('', { filters: { category: 'Footwear' } }))).ids.sort()).toEqual([
        'prod_court',
        'prod_pacer',
      ]);
      expect((await index.search(q('', { filters: { category: 'tents' } }))).ids).toEqual(['prod_tent']);
      const stocked = await index.search(q('', { filters: { inStock: true } }));
      expect(stocked.ids).not.toContain('prod_headphones');
      expect(stocked.total).toBe(4);
    });

    it('sorts by the matching variant price and by newest', async () => {
      const asc = await index.search(q('', { sort: 'price_asc' }));
      expect(asc.ids).toEqual(['prod_hoodie', 'prod_court', 'prod_pacer', 'prod_headphones', 'prod_tent']);
      const desc = await index.search(q('', { sort: 'price_desc', filters: { category: 'footwear' } }));
      expect(desc.ids).toEqual(['prod_pacer', 'prod_court']);
      const newest = await index.search(q('', { sort: 'newest' }));
      expect(newest.ids[0]).toBe('prod_tent');
    });

    it('pages with a stable total', async () => {
      const all = await index.search(q('', { sort: 'price_asc' }));
      const p1 = await index.search(q('', { sort: 'price_asc', offset: 0, limit: 2 }));
      const p3 = await index.search(q('', { sort: 'price_asc', offset: 4, limit: 2 }));
      expect([p1.total, p1.ids]).toEqual([5, all.ids.slice(0, 2)]);
      expect([p3.total, p3.ids]).toEqual([5, all.ids.slice(4, 6)]);
      // An engine that hands back documents hands back those of the page, in order.
      if (p1.docs) expect(p1.docs.map((d) => d.id)).toEqual(p1.ids);
    });

    it('replaces a document on upsert, dropping variants it no longer has', async () => {
      const [pacer] = FIXTURE;
      await index.upsert([
        { ...pacer!, title: 'Stridewell Glide Road Shoe', variants: pacer!.variants.slice(0, 1) },
      ]);
      expect(await index.count()).toBe(FIXTURE.length);
      expect((await index.search(q('neutral'))).ids).toEqual([]);
      expect((await index.search(q('glide'))).ids).toEqual(['prod_pacer']);
      expect((await index.search(q('', { filters: { color: 'blue' } }))).ids).toEqual([]);
    });

    it('removes documents and clears', async () => {
      await index.remove(['prod_tent', 'prod_unknown']);
      expect((await index.search(q('tent'))).ids).toEqual([]);
      expect(await index.count()).toBe(FIXTURE.length - 1);
      await index.clear();
      expect(await index.count()).toBe(0);
      expect((await index.search(q(''))).total).toBe(0);
    });
  });
}
