// The search index port: what the catalog needs from a search engine. Postgres stays the source of truth; an index
// holds one document per active product and can be rebuilt from Postgres at any time.
import type { SearchFilters, SearchSort } from './filters.js';

export type SearchVariantDoc = {
  id: string;
  title: string;
  options: Record<string, string>;
  priceMinor: number;
  compareAtMinor: number | null;
  currency: string;
  availableQty: number;
};

export type SearchDocument = {
  /** The product id. */
  id: string;
  merchantId: string;
  merchantSlug: string;
  merchantName: string;
  title: string;
  description: string;
  vendor: string;
  productType: string;
  category: string;
  tags: string[];
  imageUrl: string | null;
  productUrl: string | null;
  /** Live (not deleted) variants only. */
  variants: SearchVariantDoc[];
  /** Milliseconds since the epoch; for "newest" sorting. */
  updatedAt: number;
};

export type IndexQuery = {
  /** Free text after query understanding; empty = filters only. */
  text: string;
  filters: SearchFilters;
  sort: SearchSort;
  offset: number;
  limit: number;
};

/** `docs`, when the engine keeps whole documents, are the hits' documents in the order of `ids`. */
export type IndexResult = { total: number; ids: string[]; docs?: SearchDocument[] };

export type IndexHealth = { status: 'ok' | 'error'; detail?: string };

export interface SearchIndex {
  readonly engine: 'embedded' | 'meilisearch';
  /** Adds or replaces documents. */
  upsert(docs: SearchDocument[]): Promise<void>;
  remove(ids: string[]): Promise<void>;
  /** The document held for this product; only engines in this process can answer without a round trip. */
  document?(id: string): SearchDocument | undefined;
  /** Empties the index (before a rebuild). */
  clear(): Promise<void>;
  search(query: IndexQuery): Promise<IndexResult>;
  count(): Promise<number>;
  health(): Promise<IndexHealth>;
  close(): Promise<void>;
}
