// Relevance of each candidate engine on the demo catalog, against the graded judgments in relevance.json
// (written from the catalog before any tuning). Every engine gets the same query understanding and filters.
import fs from 'node:fs/promises';
import { EmbeddedSearchIndex } from '../../src/catalog/search/embedded.js';
import type { SearchIndex } from '../../src/catalog/search/port.js';
import { MiniSearchIndex } from './engines/minisearch.js';
import { OramaSearchIndex } from './engines/orama.js';
import { PostgresFtsIndex } from './engines/postgres-fts.js';
import { mean, ndcgAt, recallAt } from './metrics.js';
import { demoDatabase } from './setup.js';

type Judged = {
  id: string;
  query: string;
  judgments: { merchant: string; source_id: string; grade: number }[];
};

export async function runRelevance() {
  const set = JSON.parse(await fs.readFile(new URL('./relevance.json', import.meta.url), 'utf8')) as {
    queries: Judged[];
  };
  const demo = await demoDatabase();
  const engines: [string, () => SearchIndex][] = [
    ['embedded (shipped)', () => new EmbeddedSearchIndex()],
    ['minisearch', () => new MiniSearchIndex()],
    ['orama', () => new OramaSearchIndex()],
    ['postgres-fts', () => new PostgresFtsIndex(demo.db)],
  ];
  const results = [];
  for (const [name, make] of engines) {
    process.stderr.write(`relevance: ${name}\n`);
    const index = make();
    const catalog = await demo.catalogWith(index);
    const perQuery = [];
    for (const q of set.queries) {
      const grades = new Map(
        q.judgments.flatMap((j) => {
          const id = demo.productId(j.merchant, j.source_id);
          return id ? [[id, j.grade] as const] : [];
        }),
      );
      const ranked = (await catalog.search({ query: q.query, limit: 10 })).products.map((p) => p.id);
      perQuery.push({
        id: q.id,
        query: q.query,
        ndcg10: ndcgAt(10, ranked, grades),
        recall10: recallAt(10, ranked, grades),
      });
    }
    // The same engine without query understanding: the raw sentence as text, no filters.
    const raw =
      name === 'embedded (shipped)'
        ? await Promise.all(
            set.queries.map(async (q) => {
              const grades = new Map(
                q.judgments.flatMap((j) => {
                  const id = demo.productId(j.merchant, j.source_id);
                  return id ? [[id, j.grade] as const] : [];
                }),
              );
              const r = await index.search({
                text: q.query,
                filters: {},
                sort: 'relevance',
                offset: 0,
                limit: 10,
              });
              return ndcgAt(10, r.ids, grades);
            }),
          )
        : undefined;
    results.push({
      engine: name,
      queries: perQuery.length,
      ndcg10: round(mean(perQuery.map((q) => q.ndcg10))),
      recall10: round(mean(perQuery.map((q) => q.recall10))),
      ...(raw && { ndcg10_without_query_understanding: round(mean(raw)) }),
      worst: perQuery
        .sort((a, b) => a.ndcg10 - b.ndcg10)
        .slice(0, 8)
        .map((q) => ({ id: q.id, query: q.query, ndcg10: round(q.ndcg10) })),
    });
  }
  await demo.database.close();
  return results;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
