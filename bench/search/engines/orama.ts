// Orama (in-process full-text engine), as a candidate for the embedded engine: same documents, same query
// understanding, same filters (applied after retrieval), Orama's own BM25 and tokenizer with English stemming.
import { create, insertMultiple, remove, search, type AnyOrama } from '@orama/orama';
import { stemmer } from 'stemmer';
import { hasVariantFilters, productMatches, variantMatches } from '../../../src/catalog/search/filters.js';
import type {
  IndexQuery,
  IndexResult,
  SearchDocument,
  SearchIndex,
} from '../../../src/catalog/search/port.js';

const schema = {
  id: 'string',
  title: 'string',
  type: 'string',
  brand: 'string',
  tags: 'string',
  options: 'string',
  merchant: 'string',
  description: 'string',
} as const;

export class OramaSearchIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  private db: AnyOrama = OramaSearchIndex.make();
  private readonly docs = new Map<string, SearchDocument>();

  private static make(): AnyOrama {
    return create({ schema, components: { tokenizer: { stemming: true, stemmer } } }) as AnyOrama;
  }

  async upsert(docs: SearchDocument[]) {
    for (const d of docs) if (this.docs.has(d.id)) await remove(this.db, d.id);
    await insertMultiple(
      this.db,
      docs.map((d) => ({
        id: d.id,
        title: d.title,
        type: `${d.productType} ${d.category.replaceAll('>', ' ')}`,
        brand: d.vendor,
        tags: d.tags.join(' '),
        options: [...new Set(d.variants.flatMap((v) => Object.values(v.options)))].join(' '),
        merchant: d.merchantName,
        description: d.description,
      })),
      1000,
    );
    for (const d of docs) this.docs.set(d.id, d);
  }

  async remove(ids: string[]) {
    for (const id of ids) if (this.docs.delete(id)) await remove(this.db, id);
  }

  async clear() {
    this.db = OramaSearchIndex.make();
    this.docs.clear();
  }

  async count() {
    return this.docs.size;
  }

  async health() {
    return { status: 'ok' as const };
  }

  async close() {}

  async search(q: IndexQuery): Promise<IndexResult> {
    const passes = (id: string) => {
      const d = this.docs.get(id);
      if (!d || !productMatches(d, q.filters)) return false;
      return !hasVariantFilters(q.filters) || d.variants.some((v) => variantMatches(d, v, q.filters));
    };
    const res = await search(this.db, {
      term: q.text,
      properties: '*',
      boost: { title: 4, type: 2.5, brand: 2, tags: 1.5, options: 0.8, merchant: 0.5, description: 0.7 },
      tolerance: 1,
      threshold: 1,
      limit: 100_000,
    });
    const ids = res.hits.map((h) => String(h.id)).filter(passes);
    return { total: ids.length, ids: ids.slice(q.offset, q.offset + q.limit) };
  }
}
