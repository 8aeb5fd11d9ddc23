import { describe, expect, it } from 'vitest';
import {
  meiliFilter,
  meiliSearchParams,
  meiliSettings,
  meiliSynonyms,
  quote,
  toMeiliDocuments,
} from '../../../src/catalog/search/meilisearch-mapping.js';
import type { IndexQuery } from '../../../src/catalog/search/port.js';
import { FIXTURE } from './contract.js';

const q = (over: Partial<IndexQuery> = {}): IndexQuery => ({
  text: 'running shoes',
  filters: {},
  sort: 'relevance',
  offset: 0,
  limit: 10,
  ...over,
});

describe('Meilisearch settings', () => {
  it('make products distinct, filterable by variant fields, and rank stock right after matched words', () => {
    const s = meiliSettings();
    expect(s.distinctAttribute).toBe('product_id');
    expect(s.filterableAttributes).toEqual(
      expect.arrayContaining([
        'price_minor',
        'in_stock',
        'size',
        'color',
        'merchant_slug',
        'merchant_id',
        'category_keys',
        'product_id',
      ]),
    );
    expect(s.sortableAttributes).toEqual(['price_minor', 'updated_at']);
    expect(s.searchableAttributes?.[0]).toBe('title');
    expect(s.rankingRules?.slice(0, 2)).toEqual(['words', 'in_stock:desc']);
    expect(s.embedders).toBeUndefined();
  });

  it('carry synonyms both ways, singular and plural', () => {
    const syn = meiliSynonyms();
    expect(syn.sneakers).toEqual(expect.arrayContaining(['trainers', 'trainer', 'sneaker']));
    expect(syn.trainer).toContain('sneakers');
    expect(syn.hoodie).toContain('sweatshirt');
  });

  it('configure a hybrid embedder when one is given', () => {
    const s = meiliSettings({ source: 'huggingFace', model: 'BAAI/bge-small-en-v1.5' });
    expect(s.embedders?.aisle).toMatchObject({ source: 'huggingFace', model: 'BAAI/bge-small-en-v1.5' });
    expect((s.embedders?.aisle as { documentTemplate: string }).documentTemplate).toContain('{{doc.title}}');
  });
});

describe('Meilisearch documents', () => {
  it('are one per variant, with normalised size and colour', () => {
    const docs = toMeiliDocuments(FIXTURE[0]!);
    expect(docs.map((d) => d.id)).toEqual(['var_pacer_9', 'var_pacer_10', 'var_pacer_10b']);
    expect(docs[1]).toMatchObject({
      product_id: 'prod_pacer',
      merchant_slug: 'pace',
      size: ['10'],
      color: ['black'],
      price_minor: 12999,
      in_stock: false,
      category_keys: ['footwear > running shoes', 'footwear', 'running shoes'],
    });
    expect(docs[0]!.option_values).toEqual(['Black', '9', '10', 'Blue']);
  });
});

describe('Meilisearch search parameters', () => {
  it('translate every filter, quoting strings', () => {
    expect(
      meiliFilter(
        q({
          filters: {
            minPriceMinor: 5000,
            maxPriceMinor: 15000,
            inStock: true,
            merchant: 'pace',
            category: 'Footwear',
            size: 'Medium',
            color: 'Gray',
          },
        }),
      ),
    ).toEqual([
      'price_minor >= 5000',
      'price_minor <= 15000',
      'in_stock = true',
      '(merchant_slug = "pace" OR merchant_id = "pace")',
      'category_keys = "footwear"',
      'size = "m"',
      'color = "grey"',
    ]);
    expect(quote('a "b" \\ c')).toBe('"a \\"b\\" \\\\ c"');
  });

  it('page, sort, and go hybrid only with an embedder and text', () => {
    expect(meiliSearchParams(q({ offset: 20, limit: 10, sort: 'price_asc' }), { hybrid: false })).toEqual({
      hitsPerPage: 10,
      page: 3,
      filter: [],
      attributesToRetrieve: ['product_id'],
      sort: ['price_minor:asc'],
    });
    expect(meiliSearchParams(q(), { hybrid: true, semanticRatio: 0.7 }).hybrid).toEqual({
      embedder: 'aisle',
      semanticRatio: 0.7,
    });
    expect(meiliSearchParams(q({ text: '' }), { hybrid: true }).hybrid).toBeUndefined();
  });
});
