// Pure translation between our search model and Meilisearch's: index settings, documents (one per variant, made
// distinct by product, so filters apply to one variant at a time), and search parameters. Tested without a server.
import type { SearchParams, Settings } from 'meilisearch';
import { SYNONYM_GROUPS } from './analyzer.js';
import { categoryKeys, normalizeColor, normalizeSize, variantColors, variantSizes } from './filters.js';
import type { IndexQuery, SearchDocument } from './port.js';

export const EMBEDDER_NAME = 'aisle';

export type MeiliDocument = {
  id: string;
  product_id: string;
  merchant_id: string;
  merchant_slug: string;
  merchant_name: string;
  title: string;
  vendor: string;
  product_type: string;
  category: string;
  category_keys: string[];
  tags: string[];
  option_values: string[];
  variant_title: string;
  description: string;
  size: string[];
  color: string[];
  price_minor: number;
  in_stock: boolean;
  updated_at: number;
};

const plural = (w: string) => (w.endsWith('s') || w.includes(' ') ? w : `${w}s`);

/** Meilisearch has no stemming: each synonym is given in its singular and plural form. */
export function meiliSynonyms(): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const group of SYNONYM_GROUPS) {
    const words = [...new Set(group.flatMap((w) => [w, plural(w)]))];
    for (const w of words) {
      out[w] ??= new Set();
      for (const other of words) if (other !== w) out[w].add(other);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]]));
}

export function meiliSettings(embedder?: Record<string, unknown>): Settings {
  return {
    searchableAttributes: [
      'title',
      'product_type',
      'category',
      'vendor',
      'tags',
      'variant_title',
      'option_values',
      'merchant_name',
      'description',
    ],
    filterableAttributes: [
      'product_id',
      'merchant_id',
      'merchant_slug',
      'category_keys',
      'size',
      'color',
      'price_minor',
      'in_stock',
    ],
    sortableAttributes: ['price_minor', 'updated_at'],
    displayedAttributes: ['id', 'product_id', 'price_minor', 'in_stock'],
    distinctAttribute: 'product_id',
    // Among products matching as many query words, what can be bought comes first (as in the embedded engine).
    rankingRules: ['words', 'in_stock:desc', 'typo', 'proximity', 'attribute', 'sort', 'exactness'],
    synonyms: meiliSynonyms(),
    stopWords: [
      'a',
      'an',
      'the',
      'for',
      'with',
      'of',
      'and',
      'to',
      'in',
      'me',
      'show',
      'find',
      'some',
      'any',
    ],
    typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
    pagination: { maxTotalHits: 10_000 },
    ...(embedder && {
      embedders: {
        [EMBEDDER_NAME]: {
          documentTemplate:
            '{{doc.title}} by {{doc.vendor}}: a {{doc.product_type}} in {{doc.category}}. {{doc.variant_title}}. {{doc.description|truncatewords: 40}}',
          ...embedder,
        },
      },
    }),
  } as Settings;
}

/** One Meilisearch document per live variant of the product. */
export function toMeiliDocuments(doc: SearchDocument): MeiliDocument[] {
  const optionValues = [...new Set(doc.variants.flatMap((v) => Object.values(v.options)))];
  return doc.variants.map((v) => ({
    id: v.id,
    product_id: doc.id,
    merchant_id: doc.merchantId,
    merchant_slug: doc.merchantSlug,
    merchant_name: doc.merchantName,
    title: doc.title,
    vendor: doc.vendor,
    product_type: doc.productType,
    category: doc.category,
    category_keys: categoryKeys(doc),
    tags: doc.tags,
    option_values: optionValues,
    variant_title: v.title,
    description: doc.description,
    size: variantSizes(v),
    color: variantColors(doc, v),
    price_minor: v.priceMinor,
    in_stock: v.availableQty > 0,
    updated_at: doc.updatedAt,
  }));
}

/** A string literal in Meilisearch's filter syntax. */
export const quote = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

export function meiliFilter(q: IndexQuery): string[] {
  const f = q.filters;
  const out: string[] = [];
  if (f.minPriceMinor !== undefined) out.push(`price_minor >= ${Math.trunc(f.minPriceMinor)}`);
  if (f.maxPriceMinor !== undefined) out.push(`price_minor <= ${Math.trunc(f.maxPriceMinor)}`);
  if (f.inStock) out.push('in_stock = true');
  if (f.merchant) out.push(`(merchant_slug = ${quote(f.merchant)} OR merchant_id = ${quote(f.merchant)})`);
  if (f.category) out.push(`category_keys = ${quote(f.category.trim().toLowerCase())}`);
  if (f.size) out.push(`size = ${quote(normalizeSize(f.size))}`);
  if (f.color) out.push(`color = ${quote(normalizeColor(f.color))}`);
  return out;
}

const SORTS: Record<IndexQuery['sort'], string[] | undefined> = {
  relevance: undefined,
  price_asc: ['price_minor:asc'],
  price_desc: ['price_minor:desc'],
  newest: ['updated_at:desc'],
};

export function meiliSearchParams(
  q: IndexQuery,
  options: { semanticRatio?: number; hybrid: boolean },
): SearchParams {
  const limit = Math.max(1, q.limit);
  // Page numbers give exact totals; an offset that is not a multiple of the limit is served from the page holding it.
  return {
    hitsPerPage: limit,
    page: Math.floor(q.offset / limit) + 1,
    filter: meiliFilter(q),
    attributesToRetrieve: ['product_id'],
    ...(SORTS[q.sort] && { sort: SORTS[q.sort] }),
    ...(options.hybrid &&
      q.text && { hybrid: { embedder: EMBEDDER_NAME, semanticRatio: options.semanticRatio ?? 0.5 } }),
  };
}
