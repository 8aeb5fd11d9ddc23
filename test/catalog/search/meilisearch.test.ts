// Runs the adapter contract against a real Meilisearch when MEILI_HOST is set (docker compose up meilisearch);
// without one, the mapping tests in meilisearch-mapping.test.ts still check what would be sent.
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { MeilisearchIndex } from '../../../src/catalog/search/meilisearch.js';
import { searchIndexContract } from './contract.js';

const host = process.env.MEILI_HOST;

if (host) {
  searchIndexContract('meilisearch', async () => {
    const index = new MeilisearchIndex({
      host,
      apiKey: process.env.MEILI_API_KEY,
      index: `aisle_test_${randomBytes(4).toString('hex')}`,
      semanticRatio: 0.5,
    });
    await index.prepare();
    return index;
  });
} else {
  describe('SearchIndex contract: meilisearch', () => {
    it.skip('needs MEILI_HOST (a running Meilisearch); none is set', () => {});
  });
}
