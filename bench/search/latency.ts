// Search latency and indexing rate on a generated 100,000-product catalog: every demo product, multiplied with new
// brands, model names, colours, prices and stock (deterministic). Measures the engine itself (index.search), with
// query understanding done once per query beforehand, as the catalog service does.
import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import { toSearchDocument } from '../../src/catalog/index-sync.js';
import { loadProducts } from '../../src/catalog/products.js';
import { products } from '../../src/catalog/schema.js';
import { EmbeddedSearchIndex } from '../../src/catalog/search/embedded.js';
import type { IndexQuery, SearchDocument, SearchIndex } from '../../src/catalog/search/port.js';
import { parseQuery } from '../../src/catalog/search/query-parser.js';
import { MiniSearchIndex } from './engines/minisearch.js';
import { OramaSearchIndex } from './engines/orama.js';
import { mean, percentile } from './metrics.js';
import { demoDatabase } from './setup.js';

function rng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const BRANDS = [
  'Arcwell',
  'Brightfold',
  'Cindermoor',
  'Duskline',
  'Everpine',
  'Foxglen',
  'Granitehill',
  'Harborlane',
];
const MODELS = ['Aero', 'Summit', 'Drift', 'Nova', 'Terra', 'Pulse', 'Haven', 'Vista', 'Ember', 'Orbit'];
const COLORS = ['Black', 'White', 'Navy', 'Olive', 'Grey', 'Red', 'Blue', 'Tan'];

export function generateCatalog(seedDocs: SearchDocument[], n: number): SearchDocument[] {
  const r = rng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: SearchDocument[] = [];
  for (let i = 0; i < n; i++) {
    const base = seedDocs[i % seedDocs.length]!;
    const brand = pick(BRANDS);
    const model = `${pick(MODELS)} ${1 + Math.floor(r() * 9)}`;
    const color = pick(COLORS);
    const factor = 0.7 + r() * 0.6;
    out.push({
      ...base,
      id: `prod_gen${i}`,
      merchantId: `mer_gen${i % 40}`,
      merchantSlug: `store-${i % 40}`,
      merchantName: `Store ${i % 40}`,
      title:
        i < seedDocs.length ? base.title : `${brand} ${model} ${base.title.split(' ').slice(-3).join(' ')}`,
      vendor: i < seedDocs.length ? base.vendor : brand,
      variants: base.variants.map((v, j) => ({
        ...v,
        id: `var_gen${i}_${j}`,
        options:
          'Color' in v.options ? { ...v.options, Color: j === 0 ? color : v.options.Color! } : v.options,
        priceMinor: Math.max(100, Math.round((v.priceMinor * factor) / 100) * 100 - 1),
        availableQty: r() < 0.15 ? 0 : Math.floor(r() * 40),
      })),
      updatedAt: 1_700_000_000_000 + i,
    });
  }
  return out;
}

const QUERIES = [
  'running shoes under $150 in size 10',
  'black hoodie size M',
  'tent under $300',
  'noise cancelling headphones between $100 and $300',
  'face cream',
  'cast iron skillet',
  'waterproof jacket in stock',
  'trainers',
  'earbuds under $80',
  'sleeping bag',
  'coffee grinder',
  'usb-c charger',
  'moisturizer',
  'wool socks',
  'backpack 30l',
  'red dress',
  'hedphones',
  'gift under $40',
  'trail running shoes size 10.5',
  'bluetooth speaker',
];

async function measure(index: SearchIndex, queries: IndexQuery[], rounds: number) {
  for (const q of queries) await index.search(q); // warm-up
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const q of queries) {
      const t0 = performance.now();
      await index.search(q);
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  const ms = (x: number) => Math.round(x * 1000) / 1000;
  return {
    searches: times.length,
    p50_ms: ms(percentile(times, 50)),
    p99_ms: ms(percentile(times, 99)),
    mean_ms: ms(mean(times)),
  };
}

function heapMb() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

export async function runLatency(options: { products: number; rounds: number }) {
  const demo = await demoDatabase();
  const ids = (
    await demo.db.select({ id: products.id }).from(products).where(eq(products.status, 'active'))
  ).map((r) => r.id);
  const seedDocs = (await loadProducts(demo.db, ids)).map(toSearchDocument);
  await demo.database.close();
  const docs = generateCatalog(seedDocs, options.products);
  const queries: IndexQuery[] = QUERIES.map((text) => {
    const parsed = parseQuery(text);
    return {
      text: parsed.text,
      filters: parsed.filters,
      sort: parsed.sort ?? 'relevance',
      offset: 0,
      limit: 10,
    };
  });

  const results = [];
  for (const [engine, make] of [
    ['embedded (shipped)', () => new EmbeddedSearchIndex()],
    ['minisearch', () => new MiniSearchIndex()],
    ['orama', () => new OramaSearchIndex()],
  ] as const) {
    process.stderr.write(`latency: ${engine} on ${docs.length} products\n`);
    const before = heapMb();
    const index: SearchIndex = make();
    const t0 = performance.now();
    for (let i = 0; i < docs.length; i += 1000) await index.upsert(docs.slice(i, i + 1000));
    const seconds = (performance.now() - t0) / 1000;
    const memory = heapMb() - before;
    results.push({
      engine,
      products: docs.length,
      variants: docs.reduce((n, d) => n + d.variants.length, 0),
      index_seconds: Math.round(seconds * 100) / 100,
      index_products_per_second: Math.round(docs.length / seconds),
      heap_mb: Math.round(memory),
      search: await measure(index, queries, options.rounds),
      search_with_gc_exposed: typeof globalThis.gc === 'function',
    });
    await index.clear();
  }
  return results;
}
