// Chooses the search engine from config: Meilisearch when MEILI_HOST is set, else the embedded one.
import type { Config } from '../../config.js';
import { EmbeddedSearchIndex } from './embedded.js';
import { MeilisearchIndex } from './meilisearch.js';
import type { SearchIndex } from './port.js';

export async function createSearchIndex(config: Pick<Config, 'meili'>): Promise<SearchIndex> {
  if (!config.meili) return new EmbeddedSearchIndex();
  const index = new MeilisearchIndex(config.meili);
  await index.prepare();
  return index;
}

export type { SearchIndex, SearchDocument, IndexQuery, IndexResult } from './port.js';
