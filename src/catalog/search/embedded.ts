// The embedded search engine (default): MiniSearch in process, BM25 over weighted fields, with our analyzer (stemming,
// synonyms) and filters. Chosen over Orama by measurement: see bench/search and the catalog issue's closing note.
import MiniSearch, { type Query, type SearchResult } from 'minisearch';
import { analyze, normalizeText, processWord, splitWords, synonymsOf } from './analyzer.js';
import { hasVariantFilters, productMatches, variantMatches } from './filters.js';
import type { IndexQuery, IndexResult, SearchDocument, SearchIndex } from './port.js';

/** Field weights: a word in the title says more about a product than one in its description. */
export const FIELD_BOOSTS = {
  title: 4,
  type: 2.5,
  brand: 2,
  tags: 1.5,
  options: 0.8,
  merchant: 0.5,
  description: 0.7,
};
const SYNONYM_WEIGHT = 0.6;
/** Fewer results than this when every word must match, and results matching only some words are added after them. */
const MIN_RESULTS = 10;

type Stored = { doc: SearchDocument; inStock: boolean; minPrice: number };

function fieldText(doc: SearchDocument, field: string): string {
  switch (field) {
    case 'title':
      return doc.title;
    case 'type':
      return `${doc.productType} ${doc.category.replaceAll('>', ' ')}`;
    case 'brand':
      return doc.vendor;
    case 'tags':
      return doc.tags.join(' ');
    case 'options':
      return [...new Set(doc.variants.flatMap((v) => Object.values(v.options)))].join(' ');
    case 'merchant':
      return doc.merchantName;
    case 'description':
      return doc.description;
    default:
      return '';
  }
}

function inStockFirst(
  results: SearchResult[],
  evaluate: (id: string) => { inStock: boolean },
): SearchResult[] {
  const inStock = results.filter((r) => evaluate(r.id as string).inStock);
  return inStock.length === results.length
    ? results
    : inStock.concat(results.filter((r) => !evaluate(r.id as string).inStock));
}

export class EmbeddedSearchIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  private readonly docs = new Map<string, Stored>();
  private mini = EmbeddedSearchIndex.createMini();

  private static createMini() {
    return new MiniSearch<SearchDocument>({
      fields: Object.keys(FIELD_BOOSTS),
      idField: 'id',
      extractField: (doc, field) => (field === 'id' ? doc.id : fieldText(doc, field)),
      tokenize: (text) => splitWords(normalizeText(text)),
      processTerm: processWord,
      // Queries arrive analysed already (see toQuery), so they are used as they are.
      searchOptions: { tokenize: (t) => [t], processTerm: (t) => t },
    });
  }

  async upsert(docs: SearchDocument[]): Promise<void> {
    for (const doc of docs) {
      if (this.docs.has(doc.id)) this.mini.discard(doc.id);
      const prices = doc.variants.map((v) => v.priceMinor);
      this.docs.set(doc.id, {
        doc,
        inStock: doc.variants.some((v) => v.availableQty > 0),
        minPrice: prices.length ? Math.min(...prices) : 0,
      });
      this.mini.add(doc);
    }
  }

  async remove(ids: string[]): Promise<void> {
    for (const id of ids) {
      if (this.docs.delete(id)) this.mini.discard(id);
    }
  }

  async clear(): Promise<void> {
    this.docs.clear();
    this.mini = EmbeddedSearchIndex.createMini();
  }

  async count(): Promise<number> {
    return this.docs.size;
  }

  async health() {
    return { status: 'ok' as const };
  }

  async close(): Promise<void> {}

  async search(q: IndexQuery): Promise<IndexResult> {
    const f = q.filters;
    const variantFilters = hasVariantFilters(f);
    // Per product: the cheapest matching variant's price (for sorting; -1 = filtered out) and whether a matching
    // variant is in stock (for ranking). Memoised: MiniSearch asks once per term and once more to filter.
    const evaluated = new Map<string, { price: number; inStock: boolean }>();
    const evaluate = (id: string) => {
      let e = evaluated.get(id);
      if (e) return e;
      const stored = this.docs.get(id);
      e = { price: -1, inStock: false };
      if (stored && productMatches(stored.doc, f)) {
        if (!variantFilters) e = { price: stored.minPrice, inStock: stored.inStock };
        else {
          for (const v of stored.doc.variants) {
            if (!variantMatches(stored.doc, v, f)) continue;
            if (e.price < 0 || v.priceMinor < e.price) e.price = v.priceMinor;
            if (v.availableQty > 0) e.inStock = true;
          }
        }
      }
      evaluated.set(id, e);
      return e;
    };

    const terms = analyze(q.text);
    const synonyms = new Set<string>();
    const options = {
      boost: FIELD_BOOSTS,
      fuzzy: (term: string) => (term.length >= 5 && !synonyms.has(term) ? 0.2 : false),
      prefix: (term: string, i: number, all: string[]) => i === all.length - 1 && term.length >= 4,
      weights: { fuzzy: 0.45, prefix: 0.3 },
      boostTerm: (term: string) => (synonyms.has(term) ? SYNONYM_WEIGHT : 1),
      filter: (r: SearchResult) => evaluate(r.id as string).price >= 0,
    };

    // Results come in tiers: those matching every word, then (if few) those matching some; within a tier, products
    // that can be bought before sold-out ones (Meilisearch's in_stock rule after "words" does the same).
    let results: SearchResult[];
    if (terms.length === 0) {
      results = this.mini.search(MiniSearch.wildcard, options);
    } else {
      const groups: Query[] = terms.map((t) => {
        const alts = synonymsOf(t).filter((s) => !terms.includes(s));
        for (const s of alts) synonyms.add(s);
        return alts.length ? { combineWith: 'OR', queries: [t, ...alts] } : t;
      });
      results = this.mini.search({ combineWith: 'AND', queries: groups }, options);
      if (results.length < MIN_RESULTS && terms.length > 1) {
        const seen = new Set(results.map((r) => r.id as string));
        const partial = this.mini.search({ combineWith: 'OR', queries: groups }, options);
        results = inStockFirst(results, evaluate).concat(
          inStockFirst(
            partial.filter((r) => !seen.has(r.id as string)),
            evaluate,
          ),
        );
      } else results = inStockFirst(results, evaluate);
    }
    if (terms.length === 0) results = inStockFirst(results, evaluate);

    let ids = results.map((r) => r.id as string);
    if (q.sort !== 'relevance') {
      const key =
        q.sort === 'newest'
          ? (id: string) => -(this.docs.get(id)?.doc.updatedAt ?? 0)
          : (id: string) => (q.sort === 'price_asc' ? 1 : -1) * evaluate(id).price;
      ids = ids
        .map((id, i) => ({ id, i, k: key(id) }))
        .sort((a, b) => a.k - b.k || a.i - b.i)
        .map((x) => x.id);
    }
    return { total: ids.length, ids: ids.slice(q.offset, q.offset + q.limit) };
  }
}
