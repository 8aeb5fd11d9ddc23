// MiniSearch (in-process BM25 library) as a candidate for the embedded engine, with our analyzer, synonyms, tiers
// and filters: the engine Aisle shipped first. Kept here so the comparison in bench/search can be re-run.
import MiniSearch, { type Query, type SearchResult } from 'minisearch';
import {
  analyze,
  normalizeText,
  processWord,
  splitWords,
  synonymsOf,
} from '../../../src/catalog/search/analyzer.js';
import { storedMatcher, storedOf, type Stored } from '../../../src/catalog/search/embedded.js';
import type {
  IndexQuery,
  IndexResult,
  SearchDocument,
  SearchIndex,
} from '../../../src/catalog/search/port.js';

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

export class MiniSearchIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  private readonly docs = new Map<string, Stored>();
  private mini = MiniSearchIndex.createMini();

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
      this.docs.set(doc.id, storedOf(doc));
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
    this.mini = MiniSearchIndex.createMini();
  }

  async count(): Promise<number> {
    return this.docs.size;
  }

  async health() {
    return { status: 'ok' as const };
  }

  async close(): Promise<void> {}

  async search(q: IndexQuery): Promise<IndexResult> {
    // Memoised: MiniSearch asks per term, then to filter, tier and sort.
    const match = storedMatcher(q.filters);
    const evaluated = new Map<string, { price: number; inStock: boolean }>();
    const evaluate = (id: string) => {
      let e = evaluated.get(id);
      if (!e) {
        const s = this.docs.get(id);
        evaluated.set(id, (e = s ? match(s) : { price: -1, inStock: false }));
      }
      return e;
    };
    const filter = (r: SearchResult) => evaluate(r.id as string).price >= 0;
    // Returning 0 makes MiniSearch skip a filtered-out product before it builds a result for it: most of the cost.
    const boostDocument = (id: string) => (evaluate(id).price >= 0 ? 1 : 0);

    const terms = analyze(q.text);
    const synonyms = new Set<string>();
    const groups: Query[] = terms.map((t) => {
      const alts = synonymsOf(t).filter((s) => !terms.includes(s));
      for (const s of alts) synonyms.add(s);
      return alts.length ? { combineWith: 'OR', queries: [t, ...alts] } : t;
    });
    const exact = {
      boost: FIELD_BOOSTS,
      boostTerm: (term: string) => (synonyms.has(term) ? SYNONYM_WEIGHT : 1),
      boostDocument,
      filter,
    };
    // Typo and prefix matching cost the most and are needed least: only when exact words find too little.
    const loose = {
      ...exact,
      fuzzy: (term: string) => (term.length >= 5 && !synonyms.has(term) ? 0.2 : false),
      prefix: (term: string, i: number, all: string[]) => i === all.length - 1 && term.length >= 4,
      weights: { fuzzy: 0.45, prefix: 0.3 },
    };
    const run = (combineWith: 'AND' | 'OR', options: typeof exact) =>
      this.mini.search({ combineWith, queries: groups }, options);

    // Results come in tiers: those matching every word, then (if few) those matching some; within a tier, products
    // that can be bought before sold-out ones (Meilisearch's in_stock rule after "words" does the same).
    let tiers: SearchResult[][];
    if (terms.length === 0) tiers = [this.mini.search(MiniSearch.wildcard, { filter })];
    else {
      tiers = [run('AND', exact)];
      if (tiers[0]!.length < MIN_RESULTS) tiers = [run('AND', loose)];
      if (tiers[0]!.length < MIN_RESULTS && terms.length > 1) tiers.push(run('OR', loose));
    }
    const seen = new Set<string>();
    const results: SearchResult[] = [];
    for (const tier of tiers) {
      const fresh = tier.filter((r) => !seen.has(r.id as string));
      for (const r of fresh) seen.add(r.id as string);
      results.push(...inStockFirst(fresh, evaluate));
    }

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
