// The Meilisearch adapter (MEILI_HOST): a shared, persistent index for several app nodes. Every write waits for its
// task, so a change is searchable when the call returns.
import { Meilisearch, type Index } from 'meilisearch';
import type { IndexHealth, IndexQuery, IndexResult, SearchDocument, SearchIndex } from './port.js';
import {
  meiliSearchParams,
  meiliSettings,
  quote,
  toMeiliDocuments,
  type MeiliDocument,
} from './meilisearch-mapping.js';

export type MeiliOptions = {
  host: string;
  apiKey?: string;
  index: string;
  embedder?: Record<string, unknown>;
  semanticRatio: number;
};

const WAIT = { timeout: 60_000, interval: 50 };

export class MeilisearchIndex implements SearchIndex {
  readonly engine = 'meilisearch' as const;
  private readonly client: Meilisearch;
  private readonly index: Index<MeiliDocument>;

  constructor(private readonly options: MeiliOptions) {
    this.client = new Meilisearch({ host: options.host, apiKey: options.apiKey });
    this.index = this.client.index<MeiliDocument>(options.index);
  }

  /** Creates the index if needed and applies our settings. */
  async prepare(): Promise<void> {
    const exists = await this.client.getIndex(this.options.index).then(
      () => true,
      () => false,
    );
    if (!exists) await this.client.createIndex(this.options.index, { primaryKey: 'id' }).waitTask(WAIT);
    await this.index.updateSettings(meiliSettings(this.options.embedder)).waitTask(WAIT);
  }

  async upsert(docs: SearchDocument[]): Promise<void> {
    if (docs.length === 0) return;
    const variantDocs = docs.flatMap(toMeiliDocuments);
    if (variantDocs.length) await this.index.addDocuments(variantDocs, { primaryKey: 'id' }).waitTask(WAIT);
    // Variants that are gone from these products go from the index too.
    const keep = variantDocs.map((d) => quote(d.id)).join(', ');
    const products = docs.map((d) => quote(d.id)).join(', ');
    await this.index
      .deleteDocuments({ filter: `product_id IN [${products}]${keep ? ` AND NOT id IN [${keep}]` : ''}` })
      .waitTask(WAIT);
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.index
      .deleteDocuments({ filter: `product_id IN [${ids.map(quote).join(', ')}]` })
      .waitTask(WAIT);
  }

  async clear(): Promise<void> {
    await this.index.deleteAllDocuments().waitTask(WAIT);
  }

  async search(q: IndexQuery): Promise<IndexResult> {
    const params = meiliSearchParams(q, {
      hybrid: !!this.options.embedder,
      semanticRatio: this.options.semanticRatio,
    });
    const res = await this.index.search(q.text, params);
    const skip = q.offset % Math.max(1, q.limit);
    const ids = res.hits.map((h) => h.product_id).slice(skip);
    return { total: (res as { totalHits?: number }).totalHits ?? ids.length, ids };
  }

  async count(): Promise<number> {
    const res = await this.index.search('', { hitsPerPage: 0, page: 1 });
    return res.totalHits ?? 0;
  }

  async health(): Promise<IndexHealth> {
    try {
      await this.client.health();
      return { status: 'ok' };
    } catch (err) {
      return { status: 'error', detail: `Meilisearch does not answer: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {}
}
