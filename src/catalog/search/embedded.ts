// The embedded search engine (default): an in-process inverted index with BM25F over weighted fields, our analyzer
// (stemming, compound words), synonyms, typo and prefix matching as a fallback, and variant-level filters.
// Chosen by measurement over MiniSearch, Orama and Postgres full-text search: see bench/search.
import { setImmediate } from 'node:timers/promises';
import { analyze, synonymsOf } from './analyzer.js';
import {
  categoryKeys,
  hasVariantFilters,
  normalizeColor,
  normalizeSize,
  variantFacets,
  variantPasses,
  type SearchFilters,
  type VariantFacets,
} from './filters.js';
import { InvertedIndex, type Scored, type TermGroup } from './inverted-index.js';
import type { IndexQuery, IndexResult, SearchDocument, SearchIndex } from './port.js';

/** Field weights and typical lengths (in words): a word in the title says more than one in the description. */
export const FIELDS = {
  title: { weight: 4, typicalLength: 8 },
  type: { weight: 2.5, typicalLength: 6 },
  brand: { weight: 2, typicalLength: 2 },
  tags: { weight: 1.5, typicalLength: 6 },
  options: { weight: 0.8, typicalLength: 10 },
  merchant: { weight: 0.5, typicalLength: 3 },
  description: { weight: 0.7, typicalLength: 60 },
};
type Field = keyof typeof FIELDS;

const SYNONYM_WEIGHT = 0.6;
const TYPO_WEIGHT = 0.45;
const PREFIX_WEIGHT = 0.3;
/** Fewer results than this when every word must match exactly, and typos, prefixes and partial matches come in. */
const MIN_RESULTS = 10;

const terms = analyze;

function fieldTerms(doc: SearchDocument): Record<Field, string[]> {
  return {
    title: terms(doc.title),
    type: terms(`${doc.productType} ${doc.category.replaceAll('>', ' ')}`),
    brand: terms(doc.vendor),
    tags: terms(doc.tags.join(' ')),
    options: terms([...new Set(doc.variants.flatMap((v) => Object.values(v.options)))].join(' ')),
    merchant: terms(doc.merchantName),
    description: terms(doc.description),
  };
}

/** Edit distance between a and b, or max + 1 as soon as it must exceed max. */
export function boundedEditDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length]!;
}

// What filtering needs, worked out once at indexing: filters then cost a few comparisons per variant.
export type Stored = {
  doc: SearchDocument;
  inStock: boolean;
  minPrice: number;
  categories: string[];
  variants: VariantFacets[];
};

export function storedOf(doc: SearchDocument): Stored {
  const prices = doc.variants.map((v) => v.priceMinor);
  return {
    doc,
    inStock: doc.variants.some((v) => v.availableQty > 0),
    minPrice: prices.length ? Math.min(...prices) : 0,
    categories: categoryKeys(doc),
    variants: doc.variants.map((v) => variantFacets(doc, v)),
  };
}

/**
 * The filters as a test of one stored product: the cheapest matching variant's price (-1 = filtered out) and whether
 * a matching variant is in stock. Engines run it only on products the words already matched.
 */
export function storedMatcher(f: SearchFilters): (s: Stored) => { price: number; inStock: boolean } {
  const variantFilters = hasVariantFilters(f);
  const size = f.size ? normalizeSize(f.size) : undefined;
  const color = f.color ? normalizeColor(f.color) : undefined;
  const category = f.category?.trim().toLowerCase();
  return (s) => {
    const productOk =
      (!f.merchant || f.merchant === s.doc.merchantSlug || f.merchant === s.doc.merchantId) &&
      (!category || s.categories.includes(category));
    if (!productOk) return { price: -1, inStock: false };
    if (!variantFilters) return { price: s.minPrice, inStock: s.inStock };
    const e = { price: -1, inStock: false };
    for (const v of s.variants) {
      if (!variantPasses(v, f, size, color)) continue;
      if (e.price < 0 || v.priceMinor < e.price) e.price = v.priceMinor;
      if (v.inStock) e.inStock = true;
    }
    return e;
  };
}

/** Documents indexed between two turns of the event loop (about 10 ms of work). */
const UPSERT_SLICE = 100;

export class EmbeddedSearchIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  private readonly index = new InvertedIndex<Field, Stored>(FIELDS);

  async upsert(docs: SearchDocument[]): Promise<void> {
    for (let i = 0; i < docs.length; i += UPSERT_SLICE) {
      // A large batch is CPU-bound work: let waiting I/O (a sync's next write, requests) in between slices.
      if (i > 0) await setImmediate();
      for (const doc of docs.slice(i, i + UPSERT_SLICE))
        this.index.add(doc.id, fieldTerms(doc), storedOf(doc));
    }
  }

  document(id: string): SearchDocument | undefined {
    return this.index.payloadById(id)?.doc;
  }

  async remove(ids: string[]): Promise<void> {
    for (const id of ids) this.index.remove(id);
  }

  async clear(): Promise<void> {
    this.index.clear();
  }

  async count(): Promise<number> {
    return this.index.size;
  }

  async health() {
    return { status: 'ok' as const };
  }

  async close(): Promise<void> {}

  /** Words of the vocabulary one or two typos away from `term`, and those it begins (for the last word). */
  private looseAlternatives(term: string, last: boolean): TermGroup {
    const out: TermGroup = [];
    if (term.length < 4) return out;
    const max = term.length >= 8 ? 2 : 1;
    for (const word of this.index.vocabulary()) {
      if (word === term) continue;
      if (last && word.startsWith(term)) out.push({ term: word, weight: PREFIX_WEIGHT });
      else if (Math.abs(word.length - term.length) <= max && boundedEditDistance(term, word, max) <= max) {
        out.push({ term: word, weight: TYPO_WEIGHT });
      }
    }
    return out;
  }

  async search(q: IndexQuery): Promise<IndexResult> {
    const match = storedMatcher(q.filters);
    const evaluate = (slot: number) => {
      const s = this.index.payloadOf(slot);
      return {
        slot,
        score: 0,
        updatedAt: s?.doc.updatedAt ?? 0,
        ...(s ? match(s) : { price: -1, inStock: false }),
      };
    };
    type Hit = ReturnType<typeof evaluate>;
    // A tier: matching products by score, those that can be bought before sold-out ones (like Meilisearch's
    // in_stock rule right after "words").
    const tier = (scored: Scored[]): Hit[] =>
      scored
        .map((h) => ({ ...evaluate(h.slot), score: h.score }))
        .filter((h) => h.price >= 0)
        .sort((a, b) => Number(b.inStock) - Number(a.inStock) || b.score - a.score || a.slot - b.slot);

    const words = analyze(q.text);
    let hits: Hit[];
    if (words.length === 0) {
      hits = tier([...this.index.slots()].map((slot) => ({ slot, score: 0 })));
    } else {
      const groups: TermGroup[] = words.map((w) => [
        { term: w, weight: 1 },
        ...synonymsOf(w)
          .filter((s) => !words.includes(s))
          .map((s) => ({ term: s, weight: SYNONYM_WEIGHT })),
      ]);
      // First every word, exactly (or as a synonym); only if that finds too little, typos and prefixes too, and
      // products matching only some of the words after those matching all.
      hits = tier(this.index.score(groups).all);
      if (hits.length < MIN_RESULTS) {
        const loose = groups.map((g, i) => [
          ...g,
          ...this.looseAlternatives(words[i]!, i === words.length - 1),
        ]);
        const scored = this.index.score(loose, words.length > 1);
        hits = [...tier(scored.all), ...tier(scored.some)];
      }
    }

    if (q.sort !== 'relevance') {
      const key =
        q.sort === 'newest'
          ? (h: Hit) => -h.updatedAt
          : (h: Hit) => (q.sort === 'price_asc' ? 1 : -1) * h.price;
      hits = hits
        .map((h, i) => ({ h, i, k: key(h) }))
        .sort((a, b) => a.k - b.k || a.i - b.i)
        .map((x) => x.h);
    }
    const page = hits.slice(q.offset, q.offset + q.limit);
    return {
      total: hits.length,
      ids: page.map((h) => this.index.idOf(h.slot)!),
      docs: page.map((h) => this.index.payloadOf(h.slot)!.doc),
    };
  }
}
