// `npm run bench:search`: relevance (nDCG@10, recall@10) per engine on the demo catalog, then latency, indexing rate
// and memory on a generated catalog (BENCH_PRODUCTS, default 100,000). Prints one JSON document.
import os from 'node:os';
import { runLatency } from './latency.js';
import { runRelevance } from './relevance.js';

const productsN = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 50);

const relevance = await runRelevance();
const latency = await runLatency({ products: productsN, rounds });
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'search',
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memory_gb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      targets: { ndcg10: 0.8, p50_ms: 10, p99_ms: 50, index_products_per_second: 5000 },
      relevance,
      latency,
    },
    null,
    2,
  )}\n`,
);
