// Postgres full-text search (tsvector, weighted fields, ts_rank_cd) as a candidate for the embedded engine: it needs
// no second store, but has no typo tolerance or synonyms. Filters are applied after retrieval, as for the others.
import { sql } from 'drizzle-orm';
import type { Db } from '../../../src/db/client.js';
import { hasVariantFilters, productMatches, variantMatches } from '../../../src/catalog/search/filters.js';
import { analyze } from '../../../src/catalog/search/analyzer.js';
import type {
  IndexQuery,
  IndexResult,
  SearchDocument,
  SearchIndex,
} from '../../../src/catalog/search/port.js';

const VECTOR = sql`
  setweight(to_tsvector('english', p.title), 'A') ||
  setweight(to_tsvector('english', p.product_type || ' ' || replace(p.category, '>', ' ') || ' ' || p.vendor), 'B') ||
  setweight(to_tsvector('english', array_to_string(p.tags, ' ')), 'C') ||
  setweight(to_tsvector('english', p.description), 'D')`;

export class PostgresFtsIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  private readonly docs = new Map<string, SearchDocument>();
  constructor(private readonly db: Db) {}

  async upsert(docs: SearchDocument[]) {
    for (const d of docs) this.docs.set(d.id, d);
  }
  async remove(ids: string[]) {
    for (const id of ids) this.docs.delete(id);
  }
  async clear() {
    this.docs.clear();
  }
  async count() {
    return this.docs.size;
  }
  async health() {
    return { status: 'ok' as const };
  }
  async close() {}

  private async ranked(words: string[], op: '&' | '|'): Promise<string[]> {
    const query = words
      .map((w) => w.replace(/[^a-z0-9]/g, ''))
      .filter(Boolean)
      .join(` ${op} `);
    if (!query) return [];
    const rows = await this.db.execute<{ id: string }>(sql`
      select p.id from products p
      where p.status = 'active' and ${VECTOR} @@ to_tsquery('english', ${query})
      order by ts_rank_cd(${VECTOR}, to_tsquery('english', ${query})) desc, p.id`);
    return (
      (rows as unknown as { rows?: { id: string }[] }).rows ?? (rows as unknown as { id: string }[])
    ).map((r) => r.id);
  }

  async search(q: IndexQuery): Promise<IndexResult> {
    const passes = (id: string) => {
      const d = this.docs.get(id);
      if (!d || !productMatches(d, q.filters)) return false;
      return !hasVariantFilters(q.filters) || d.variants.some((v) => variantMatches(d, v, q.filters));
    };
    const words = analyze(q.text);
    let ids = words.length ? await this.ranked(words, '&') : [...this.docs.keys()];
    if (words.length > 1 && ids.length < 10) {
      const more = await this.ranked(words, '|');
      ids = ids.concat(more.filter((id) => !ids.includes(id)));
    }
    ids = ids.filter(passes);
    return { total: ids.length, ids: ids.slice(q.offset, q.offset + q.limit) };
  }
}
