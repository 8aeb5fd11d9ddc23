// `npm run bench:sync`: a full sync of a connected Shopify store into Postgres and the embedded search index, as
// `aisle serve` runs it (runSync over the shipped connector, deps from createDeps). The store is the fake Shopify
// Admin GraphQL API (test/fakes/shopify.ts) with a generated, realistic catalog (BENCH_PRODUCTS, default 20,000),
// in a child process of its own so that its catalog and its CPU stay out of the figures. Each scenario runs in a
// fresh child process (so peak RSS is that path's own) on a fresh database: a full sync, then a resync with no
// changes. Scenarios: the paged path and the bulk-operation path under a generous cost bucket, then Shopify's
// standard bucket (2,000 points, 100/s) with the connector's defaults (bulk above 5,000 products) and on the paged
// path with a smaller store. Prints one JSON document; progress goes to stderr.
import { AsyncLocalStorage } from 'node:async_hooks';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type * as timersPromises from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import pino from 'pino';
import { createDeps, type Deps } from '../../src/app.js';
import { connectStore } from '../../src/catalog/connectors/connections.js';
import type { Connection } from '../../src/catalog/connectors/connector.js';
import {
  assembleBulk,
  createShopifyConnector,
  productFromGraphql,
} from '../../src/catalog/connectors/shopify.js';
import { runSync } from '../../src/catalog/connectors/sync.js';
import { productRecordSchema, type ProductRecord } from '../../src/catalog/import-format.js';
import { toSearchDocument } from '../../src/catalog/index-sync.js';
import { upsertProducts } from '../../src/catalog/upsert.js';
import { ensureMerchant } from '../../src/catalog/merchants.js';
import { merchants, products, variants } from '../../src/catalog/schema.js';
import { EmbeddedSearchIndex } from '../../src/catalog/search/embedded.js';
import type { SyncRunRow } from '../../src/catalog/connectors/schema.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseTarget } from '../../src/db/client.js';
import { createPostgresDatabase } from '../../test/helpers/database.js';

const { values: args } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    driver: { type: 'string', default: process.env.BENCH_DRIVER ?? 'postgres' },
    products: { type: 'string', default: process.env.BENCH_PRODUCTS ?? '20000' },
    'standard-products': { type: 'string', default: process.env.BENCH_STANDARD_PRODUCTS ?? '2000' },
    scenarios: {
      type: 'string',
      default: process.env.BENCH_SCENARIOS ?? 'paged,bulk,standard-bulk,standard-paged',
    },
    seed: { type: 'string', default: process.env.BENCH_SEED ?? '1' },
  },
});

const TOKEN = 'shpat_bench0000000000000000000000000000';
const SECRET = 'shpss_bench_app_secret';
const TARGET_PRODUCTS_PER_S = 2000;
const BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const MB = 1024 * 1024;

type Bucket = { maximumAvailable: number; restoreRate: number };
/** Throttling never gets in the way: the single-query limit (1,000 points) still shapes the pages, as on Shopify. */
const GENEROUS: Bucket = { maximumAvailable: 10_000_000, restoreRate: 10_000_000 };
/** Shopify's standard plan. */
const STANDARD: Bucket = { maximumAvailable: 2000, restoreRate: 100 };

type Scenario = {
  name: string;
  products: number;
  /** null = Infinity (never bulk); undefined = the connector's default (5,000). */
  bulkThreshold: number | null | undefined;
  bucket: Bucket;
  /** Time the CPU per product of parsing, mapping, validating and indexing (generous bucket only). */
  profile: boolean;
  about: string;
};

type Expected = {
  products: number;
  active: number;
  draft: number;
  archived: number;
  variants: number;
  images: number;
  /** What the search index must hold: active products with at least one variant. */
  searchable: number;
};

const log = (msg: string) =>
  process.stderr.write(`[bench:sync${args.role === 'main' ? '' : ` ${args.role}`}] ${msg}\n`);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const mb = (bytes: number) => r1(bytes / MB);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function serverNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((arg) => /^--max-semi-space-size=\d+$/.test(arg));
}

function forkRole(role: 'store' | 'sync', env: Record<string, string>) {
  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), ['--role', role], {
    execArgv: [
      '--expose-gc',
      // The V8 flags `npm start` gives the server (package.json), so the sync runs as it does there.
      ...(role === 'sync' ? serverNodeFlags() : []),
      '--import',
      'tsx',
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each scenario's sync process, for Chrome DevTools.
      ...(role === 'sync' && process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : []),
    ],
    env: { ...process.env, ...env },
    // The child's stdout goes to our stderr: our stdout carries only the JSON.
    stdio: ['ignore', 2, 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (msg: { type?: string; message?: string }) => {
        if (msg.type !== type && msg.type !== 'error') return;
        proc.off('message', on);
        if (msg.type === 'error') reject(new Error(`${role}: ${msg.message}`));
        else resolve(msg as T);
      };
      proc.on('message', on);
      void exited.then((code) => reject(new Error(`the ${role} process exited with ${code}`)));
    });
  return { proc, exited, next };
}

// =====================================================================================================================
// The store: the fake Shopify in a process of its own, plus a tiny endpoint for its CPU time and request counts.

type StoreJob = { products: number; seed: number; bucket: Bucket };
type StoreReady = { type: 'ready'; url: string; statsUrl: string; expected: Expected; generate_ms: number };
type StoreStats = {
  cpu_ms: number;
  requests: number;
  throttled: number;
  costSpent: number;
  rss: number;
};

async function storeRole() {
  const job = JSON.parse(process.env.BENCH_STORE_JOB!) as StoreJob;
  const { startFakeShopify } = await import('../../test/fakes/shopify.js');
  const t0 = performance.now();
  const fake = await startFakeShopify({
    accessToken: TOKEN,
    appSecret: SECRET,
    products: job.products,
    seed: job.seed,
    costLimit: job.bucket,
  });
  const generateMs = performance.now() - t0;
  // As the connector maps them: ACTIVE / DRAFT / ARCHIVED → active / draft / archived; only active ones are indexed.
  const expected: Expected = {
    products: fake.store.length,
    active: 0,
    draft: 0,
    archived: 0,
    variants: 0,
    images: 0,
    searchable: 0,
  };
  for (const p of fake.store) {
    const status = p.status === 'ACTIVE' ? 'active' : p.status === 'ARCHIVED' ? 'archived' : 'draft';
    expected[status]++;
    expected.variants += p.variants.length;
    expected.images += p.images.length;
    if (status === 'active' && p.variants.length > 0) expected.searchable++;
  }
  const statsServer = http.createServer((_req, res) => {
    const cpu = process.cpuUsage();
    const stats: StoreStats = {
      cpu_ms: (cpu.user + cpu.system) / 1000,
      requests: fake.stats.requests,
      throttled: fake.stats.throttled,
      costSpent: fake.stats.costSpent,
      rss: process.memoryUsage().rss,
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  });
  await new Promise<void>((resolve) => statsServer.listen(0, '127.0.0.1', resolve));
  const { port } = statsServer.address() as AddressInfo;
  process.on('message', (msg: { type: string }) => {
    if (msg.type !== 'stop') return;
    statsServer.close();
    void fake.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({
    type: 'ready',
    url: fake.url,
    statsUrl: `http://127.0.0.1:${port}/`,
    expected,
    generate_ms: r1(generateMs),
  } satisfies StoreReady);
}

// =====================================================================================================================
// One scenario: a fresh database and deps, connect the store, a full sync, a resync with no changes, checks.

type SyncJob = {
  scenario: Scenario;
  storeUrl: string;
  statsUrl: string;
  expected: Expected;
  driver: 'postgres' | 'pglite';
};

/** True inside runSync: what the sync does, as against the index refresher's background work. */
const inSync = new AsyncLocalStorage<boolean>();

type Tally = { n: number; ms: number };
type Request = { n: number; ms: number; bytes: number };

/** What one sync spends where. Everything is timed in the sync's own process. */
class Counters {
  /** Store round trips by GraphQL operation (or `bulkFile`): request sent until the whole body is read. */
  requests = new Map<string, Request>();
  storeMs = 0;
  throttledAnswers = 0;
  /** The connector's own waits: pacing under the cost bucket, THROTTLED and backoff waits, bulk polls. */
  sleeps: Tally = { n: 0, ms: 0 };
  bulkFileUrl: string | null = null;
  /** upsertProducts: one transaction per page (select for update, then at most 4 set-based statements). */
  upsert: Tally = { n: 0, ms: 0 };
  lastTxEnd: number | null = null;
  /** From the upsert's end to the index write: the merchant row and toSearchDocument over the written rows. */
  loadDocs: Tally = { n: 0, ms: 0 };
  /** index.upsert / index.remove called by the sync. */
  index = { n: 0, ms: 0, docs: 0 };
  /** The same, called by the index refresher (createDeps starts it on Postgres, as `aisle serve` does). */
  refresher = { n: 0, ms: 0, docs: 0 };
}
let counters = new Counters();

const OPERATION = /^\{"query":"(?:query|mutation) (\w+)/;

const timedFetch: typeof fetch = async (input, init) => {
  const body = typeof init?.body === 'string' ? init.body : '';
  const name = OPERATION.exec(body)?.[1] ?? ((init?.method ?? 'GET') === 'GET' ? 'bulkFile' : 'other');
  const c = counters;
  const t0 = performance.now();
  const res = await fetch(input, init);
  if (name === 'bulkFile') {
    // The connector parses the file as it streams in: passed through untouched, counting bytes. The store's time is
    // until the headers; reading the body is the parse's time (ours).
    const t1 = performance.now();
    c.bulkFileUrl = String(input);
    c.storeMs += t1 - t0;
    const r = { n: 1, ms: t1 - t0, bytes: 0 };
    c.requests.set(name, r);
    const counted = res.body?.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          r.bytes += chunk.byteLength;
          out.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
  const buf = await res.arrayBuffer();
  const t1 = performance.now();
  if (buf.byteLength < 4096 && new TextDecoder().decode(buf).includes('"THROTTLED"')) c.throttledAnswers++;
  const r = c.requests.get(name) ?? { n: 0, ms: 0, bytes: 0 };
  r.n++;
  r.ms += t1 - t0;
  r.bytes += buf.byteLength;
  c.requests.set(name, r);
  c.storeMs += t1 - t0;
  return new Response(buf, { status: res.status, statusText: res.statusText, headers: res.headers });
};

/**
 * Times the connector's sleeps inside runSync. It imports `setTimeout` from node:timers/promises; replacing the
 * builtin's export and syncing the ESM bindings reaches that import (this process only).
 */
function timeSleeps() {
  type Timers = typeof timersPromises;
  const timers = createRequire(import.meta.url)('node:timers/promises') as Timers;
  const original = timers.setTimeout;
  const timed = (delay?: number, value?: unknown, options?: Parameters<Timers['setTimeout']>[2]) => {
    if (!inSync.getStore()) return original(delay, value, options);
    const t0 = performance.now();
    return original(delay, value, options).finally(() => {
      counters.sleeps.n++;
      counters.sleeps.ms += performance.now() - t0;
    });
  };
  timers.setTimeout = timed as Timers['setTimeout'];
  syncBuiltinESMExports();
}

/** Times the sync's transactions and index writes on these deps (the bench process only; src/ is untouched). */
function instrument(deps: Deps) {
  const db = deps.db as unknown as { transaction: (...a: unknown[]) => Promise<unknown> };
  const transaction = db.transaction.bind(db);
  db.transaction = async (...a: unknown[]) => {
    const t0 = performance.now();
    try {
      return await transaction(...a);
    } finally {
      if (inSync.getStore()) {
        const t1 = performance.now();
        counters.upsert.n++;
        counters.upsert.ms += t1 - t0;
        counters.lastTxEnd = t1;
      }
    }
  };
  const index = deps.searchIndex;
  const wrap = (method: 'upsert' | 'remove') => {
    const original = index[method].bind(index) as (x: unknown[]) => Promise<void>;
    (index as unknown as Record<string, unknown>)[method] = async (items: unknown[]) => {
      const t0 = performance.now();
      const mine = inSync.getStore() === true;
      if (mine && method === 'upsert' && counters.lastTxEnd !== null) {
        counters.loadDocs.n++;
        counters.loadDocs.ms += t0 - counters.lastTxEnd;
        counters.lastTxEnd = null;
      }
      try {
        return await original(items);
      } finally {
        const tally = mine ? counters.index : counters.refresher;
        tally.n++;
        tally.ms += performance.now() - t0;
        if (method === 'upsert') tally.docs += items.length;
      }
    };
  };
  wrap('upsert');
  wrap('remove');
}

function memory() {
  const m = process.memoryUsage();
  return {
    rss_mb: mb(m.rss),
    heap_used_mb: mb(m.heapUsed),
    heap_total_mb: mb(m.heapTotal),
    external_mb: mb(m.external),
    array_buffers_mb: mb(m.arrayBuffers),
  };
}

function gcNow() {
  if (!globalThis.gc) return;
  globalThis.gc();
  globalThis.gc();
}

/** Peak memory, sampled every 100 ms (a blocked event loop delays samples: the delay figures show by how much). */
function sampleMemory() {
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  let samples = 0;
  const tick = () => {
    const m = process.memoryUsage();
    samples++;
    for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k]);
  };
  tick();
  const timer = setInterval(tick, 100);
  return () => {
    clearInterval(timer);
    tick();
    return {
      rss_mb: mb(peak.rss),
      heap_used_mb: mb(peak.heapUsed),
      heap_total_mb: mb(peak.heapTotal),
      external_mb: mb(peak.external),
      array_buffers_mb: mb(peak.arrayBuffers),
      samples,
    };
  };
}

async function storeStats(statsUrl: string): Promise<StoreStats> {
  return (await (await fetch(statsUrl)).json()) as StoreStats;
}

async function measuredSync(
  deps: Deps,
  job: SyncJob,
  merchantId: string,
  label: string,
  expectedVariants: number,
) {
  gcNow();
  const baseline = memory();
  const store0 = await storeStats(job.statsUrl);
  const load0 = os.loadavg()[0]!;
  counters = new Counters();
  const stopSampling = sampleMemory();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  let logged = 0;
  const t0 = performance.now();
  const run: SyncRunRow = await inSync.run(true, () =>
    runSync(deps.stores.sync, merchantId, 'full', (r) => {
      if (r.fetched - logged < 5000 && r.fetched < job.expected.products) return;
      logged = r.fetched;
      const s = (performance.now() - t0) / 1000;
      log(`${job.scenario.name} ${label}: ${r.fetched}/${job.expected.products} after ${s.toFixed(1)} s`);
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  delay.disable();
  const peak = stopSampling();
  const load1 = os.loadavg()[0]!;
  const store1 = await storeStats(job.statsUrl);
  gcNow();
  const afterGc = memory();
  const c = counters;
  const waits = c.sleeps.ms;
  const attributed = c.storeMs + waits + c.upsert.ms + c.loadDocs.ms + c.index.ms;
  const ourSide = wall - c.storeMs - waits;
  const requests = Object.fromEntries(
    [...c.requests].map(([name, r]) => [
      name,
      { requests: r.n, ms: Math.round(r.ms), mb: mb(r.bytes), ms_per_request: r1(r.ms / r.n) },
    ]),
  );
  return {
    run: {
      status: run.status,
      fetched: run.fetched,
      created: run.created,
      updated: run.updated,
      unchanged: run.unchanged,
      deleted: run.deleted,
      rejected: run.rejected,
      errors: run.errors,
    },
    wall_ms: Math.round(wall),
    products_per_s: Math.round((run.fetched / wall) * 1000),
    variants_per_s: Math.round((expectedVariants / wall) * 1000),
    our_side_ms: Math.round(ourSide),
    products_per_s_our_side: Math.round((run.fetched / ourSide) * 1000),
    time_ms: {
      store_round_trips: Math.round(c.storeMs),
      connector_sleeps: Math.round(waits),
      db_upsert_transactions: Math.round(c.upsert.ms),
      load_products_and_build_docs: Math.round(c.loadDocs.ms),
      index_writes: Math.round(c.index.ms),
      rest_of_our_side: Math.round(wall - attributed),
    },
    counts: {
      connector_sleeps: c.sleeps.n,
      upsert_transactions: c.upsert.n,
      index_writes: c.index.n,
      documents_indexed: c.index.docs,
      throttled_answers: c.throttledAnswers,
    },
    store_requests: requests,
    store_process: {
      cpu_ms: Math.round(store1.cpu_ms - store0.cpu_ms),
      requests: store1.requests - store0.requests,
      throttled: store1.throttled - store0.throttled,
      cost_points_spent: Math.round(store1.costSpent - store0.costSpent),
      rss_mb: mb(store1.rss),
    },
    sync_process: {
      cpu_user_ms: Math.round(cpu.user / 1000),
      cpu_system_ms: Math.round(cpu.system / 1000),
      main_thread_active_ms: Math.round(elu.active),
      event_loop_utilization: r3(elu.utilization),
      event_loop_delay_ms: {
        p50: r1(delay.percentile(50) / 1e6),
        p99: r1(delay.percentile(99) / 1e6),
        max: r1(delay.max / 1e6),
      },
    },
    background_index_refresher: {
      index_writes: c.refresher.n,
      documents: c.refresher.docs,
      ms: Math.round(c.refresher.ms),
    },
    memory: { baseline_after_gc: baseline, peak, after_gc: afterGc },
    load_average_1m: { start: r1(load0), end: r1(load1) },
  };
}

async function verify(deps: Deps, merchantId: string, expected: Expected) {
  const byStatus = await deps.db
    .select({ status: products.status, n: count() })
    .from(products)
    .where(eq(products.merchantId, merchantId))
    .groupBy(products.status);
  const status = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
  const [live] = await deps.db
    .select({ n: count() })
    .from(variants)
    .innerJoin(products, eq(products.id, variants.productId))
    .where(and(eq(products.merchantId, merchantId), isNull(variants.deletedAt)));
  const inPostgres = {
    products: Object.values(status).reduce((a, b) => a + b, 0),
    active: status.active ?? 0,
    draft: status.draft ?? 0,
    archived: status.archived ?? 0,
    deleted: status.deleted ?? 0,
    variants: Number(live!.n),
  };
  const inIndex = await deps.searchIndex.count();
  const checks = {
    products: inPostgres.products === expected.products,
    by_status:
      inPostgres.active === expected.active &&
      inPostgres.draft === expected.draft &&
      inPostgres.archived === expected.archived &&
      inPostgres.deleted === 0,
    variants: inPostgres.variants === expected.variants,
    search_index: inIndex === expected.searchable,
  };
  return { postgres: inPostgres, search_index_documents: inIndex, checks };
}

/** CPU per product of the steps between the store's bytes and the index, each timed alone (median of 3 rounds). */
async function profileCpu(deps: Deps, job: SyncJob, merchantId: string, bulkFileUrl: string | null) {
  const SAMPLE = 1280;
  const texts: string[] = [];
  const capture = createShopifyConnector({
    bulkThreshold: Infinity,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      const text = await res.text();
      if (typeof init?.body === 'string' && init.body.includes('query AisleProducts(')) texts.push(text);
      return new Response(text, { status: res.status, headers: res.headers });
    },
  });
  const conn: Connection = {
    merchantId,
    merchantName: '',
    platform: 'shopify',
    baseUrl: job.storeUrl,
    credentials: { accessToken: TOKEN },
  };
  let cursor: string | null = null;
  for (let n = 0; n < SAMPLE;) {
    const page = await capture.fetchPage(conn, { cursor, since: null });
    n += page.records.length;
    cursor = page.next;
    if (!cursor) break;
  }
  type Gql = Parameters<typeof productFromGraphql>[0];
  const rounds = <T>(fn: () => T): { ms: number; value: T } => {
    const times: number[] = [];
    let value!: T;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      value = fn();
      times.push(performance.now() - t0);
    }
    return { ms: median(times), value };
  };
  const roundsAsync = async <T>(fn: () => Promise<T>) => {
    const times: number[] = [];
    let value!: T;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      value = await fn();
      times.push(performance.now() - t0);
    }
    return { ms: median(times), value };
  };
  const parsed = rounds(() =>
    texts.flatMap(
      (t) => (JSON.parse(t) as { data?: { products: { nodes: Gql[] } } }).data?.products.nodes ?? [],
    ),
  );
  const nodes = parsed.value;
  const n = nodes.length;
  const mapped = rounds(() => nodes.map((p) => productFromGraphql(p, p.variants.nodes, 'USD')));
  const records = mapped.value;
  const validated = rounds(() => records.map((r) => productRecordSchema.parse(r)));
  // upsert.ts's contentHash: sha256 of the record without updated_at.
  const hashed = rounds(() =>
    validated.value.map((r: ProductRecord) => {
      const { updated_at: _u, ...content } = r;
      return createHash('sha256').update(JSON.stringify(content)).digest('hex');
    }),
  );
  // The write of new products, in the sync's batches of 200, each round under a scratch merchant of its own (removed
  // afterwards). As drafts, so that the index refresher leaves them alone; the statements are the same.
  const drafts = validated.value.map((r: ProductRecord) => ({ ...r, status: 'draft' as const }));
  let round = 0;
  const scratch: string[] = [];
  const upserted = await roundsAsync(async () => {
    const merchant = await ensureMerchant(deps.db, { name: `Bench scratch ${++round}` });
    scratch.push(merchant.id);
    const written = [];
    for (let i = 0; i < drafts.length; i += 200) {
      const results = await upsertProducts(deps.db, merchant.id, drafts.slice(i, i + 200));
      written.push(...results.flatMap((r) => (r.written ? [{ ...r.written, merchant }] : [])));
    }
    return written;
  });
  await deps.db.delete(merchants).where(inArray(merchants.id, scratch));
  const ids = upserted.value;
  const docs = rounds(() => upserted.value.map(toSearchDocument));
  const indexed = await roundsAsync(async () => {
    const fresh = new EmbeddedSearchIndex();
    await fresh.upsert(docs.value);
    return fresh;
  });
  const us = (ms: number, per: number) => Math.round((ms * 1000) / per);
  const out: Record<string, unknown> = {
    products_sampled: n,
    page_bytes_per_product: Math.round(texts.reduce((s, t) => s + t.length, 0) / n),
    us_per_product: {
      json_parse_page: us(parsed.ms, n),
      map_graphql_to_record: us(mapped.ms, n),
      validate_record_zod: us(validated.ms, n),
      content_hash: us(hashed.ms, n),
      upsert_new_products_in_postgres: us(upserted.ms, ids.length),
      build_search_document: us(docs.ms, ids.length),
      index_upsert_into_empty_index: us(indexed.ms, ids.length),
    },
  };
  if (bulkFileUrl) {
    const text = await (await fetch(bulkFileUrl)).text();
    const assembled = rounds(() => assembleBulk(text.split('\n')));
    const all = assembled.value;
    const bulkMapped = rounds(() =>
      all.map(({ product, variants: v }) => productFromGraphql(product, v, 'USD')),
    );
    out.bulk_file = {
      mb: mb(text.length),
      products: all.length,
      bytes_per_product: Math.round(text.length / all.length),
      us_per_product: {
        split_parse_and_assemble_jsonl: us(assembled.ms, all.length),
        map_graphql_to_record: us(bulkMapped.ms, all.length),
      },
    };
  }
  return out;
}

async function syncRole() {
  const job = JSON.parse(process.env.BENCH_SYNC_JOB!) as SyncJob;
  const sc = job.scenario;
  const database = job.driver === 'postgres' ? await createPostgresDatabase(BASE_URL, 'aisle_bench') : null;
  const target: DatabaseTarget = database
    ? { driver: 'postgres', url: database.url }
    : { driver: 'pglite', dir: null };
  let deps: Deps | undefined;
  try {
    const connector = createShopifyConnector({
      fetch: timedFetch,
      ...(sc.bulkThreshold !== undefined && { bulkThreshold: sc.bulkThreshold ?? Infinity }),
    });
    deps = await createDeps(
      loadConfig({ LOG_LEVEL: 'silent', AISLE_ENCRYPTION_KEY: 'bench-sync-key-0123456789abcdef0123456789' }),
      {
        database: target,
        logger: pino({ level: 'silent' }),
        worker: false,
        connectors: { shopify: connector },
      },
    );
    instrument(deps);
    timeSleeps();
    const { merchantId } = await connectStore(
      deps.db,
      { connectors: deps.stores.connectors, sealer: deps.stores.sealer },
      {
        platform: 'shopify',
        baseUrl: job.storeUrl,
        credentials: { accessToken: TOKEN, webhookSecret: SECRET },
        name: 'Bench Outfitters',
      },
    );
    log(`${sc.name}: full sync of ${job.expected.products} products`);
    const full = await measuredSync(deps, job, merchantId, 'full sync', job.expected.variants);
    const bulkFileUrl = counters.bulkFileUrl;
    const afterFull = await verify(deps, merchantId, job.expected);
    log(`${sc.name}: resync with no changes`);
    const resync = await measuredSync(deps, job, merchantId, 'resync', job.expected.variants);
    const afterResync = await verify(deps, merchantId, job.expected);
    const checks = {
      full_sync_succeeded: full.run.status === 'succeeded',
      full_sync_created_all: full.run.created === job.expected.products && full.run.rejected === 0,
      ...Object.fromEntries(Object.entries(afterFull.checks).map(([k, v]) => [`after_full_${k}`, v])),
      resync_all_unchanged:
        resync.run.status === 'succeeded' &&
        resync.run.unchanged === job.expected.products &&
        resync.run.created + resync.run.updated + resync.run.deleted + resync.run.rejected === 0,
      ...Object.fromEntries(Object.entries(afterResync.checks).map(([k, v]) => [`after_resync_${k}`, v])),
    };
    let profile: unknown;
    if (sc.profile) {
      log(`${sc.name}: CPU per product, step by step`);
      profile = await profileCpu(deps, job, merchantId, bulkFileUrl);
    }
    await send({
      type: 'result',
      result: {
        full_sync: full,
        resync_no_changes: resync,
        resync_speedup: r1(full.wall_ms / resync.wall_ms),
        verified: { after_full_sync: afterFull, after_resync: afterResync },
        checks,
        ok: Object.values(checks).every(Boolean),
        ...(profile ? { cpu_per_product: profile } : {}),
      },
    });
  } finally {
    await deps?.close();
    await database?.drop();
  }
}

// =====================================================================================================================
// The orchestrator.

async function runScenario(sc: Scenario, driver: 'postgres' | 'pglite', seed: number) {
  const store = forkRole('store', {
    BENCH_STORE_JOB: JSON.stringify({ products: sc.products, seed, bucket: sc.bucket } satisfies StoreJob),
  });
  try {
    const ready = await store.next<StoreReady>('ready');
    log(
      `${sc.name}: the fake store generated ${ready.expected.products} products in ${ready.generate_ms} ms`,
    );
    const sync = forkRole('sync', {
      BENCH_SYNC_JOB: JSON.stringify({
        scenario: sc,
        storeUrl: ready.url,
        statsUrl: ready.statsUrl,
        expected: ready.expected,
        driver,
      } satisfies SyncJob),
    });
    const { result } = await sync.next<{ result: Record<string, unknown> }>('result');
    await sync.exited;
    return {
      about: sc.about,
      path:
        sc.bulkThreshold === undefined
          ? 'bulk (connector default: above 5,000 products)'
          : sc.bulkThreshold === null
            ? 'paged'
            : 'bulk',
      bulk_threshold: sc.bulkThreshold === undefined ? 'default (5000)' : (sc.bulkThreshold ?? 'Infinity'),
      cost_bucket: sc.bucket,
      store: ready.expected,
      ...result,
    };
  } finally {
    if (store.proc.exitCode === null) {
      store.proc.send({ type: 'stop' });
      await store.exited;
    }
  }
}

async function main() {
  const driver = args.driver;
  if (driver !== 'postgres' && driver !== 'pglite') throw new Error('--driver is postgres or pglite');
  const n = Number(args.products);
  const nStandard = Math.min(n, Number(args['standard-products']));
  const seed = Number(args.seed);
  const all: Scenario[] = [
    {
      name: 'paged',
      products: n,
      bulkThreshold: null,
      bucket: GENEROUS,
      profile: true,
      about: 'Pages of products over Admin GraphQL (bulkThreshold: Infinity), generous cost bucket.',
    },
    {
      name: 'bulk',
      products: n,
      bulkThreshold: 0,
      bucket: GENEROUS,
      profile: true,
      about:
        'One bulk operation, its JSONL read once and cut into pages (bulkThreshold: 0), generous cost bucket.',
    },
    {
      name: 'standard-bulk',
      products: n,
      bulkThreshold: undefined,
      bucket: STANDARD,
      profile: false,
      about:
        "Shopify's standard bucket (2,000 points, 100/s) with the connector's defaults, i.e. what a store of this " +
        'size gets in production: a bulk operation, then the paged listing of every product id for deletions.',
    },
    {
      name: 'standard-paged',
      products: nStandard,
      bulkThreshold: null,
      bucket: STANDARD,
      profile: false,
      about:
        "Shopify's standard bucket on the paged path, with a smaller store (BENCH_STANDARD_PRODUCTS): real-world " +
        'pacing, about 4 cost points per product at 100 points/s; slower by design.',
    },
  ];
  const wanted = args.scenarios.split(',').map((s) => s.trim());
  const selected = all.filter((s) => wanted.includes(s.name));
  if (selected.length === 0) throw new Error(`--scenarios: any of ${all.map((s) => s.name).join(',')}`);

  const load0 = os.loadavg();
  const t0 = performance.now();
  const results: Record<string, unknown> = {};
  let failed = false;
  for (const sc of selected) {
    log(`scenario ${sc.name} (${sc.products} products, load average ${os.loadavg()[0]!.toFixed(2)})`);
    try {
      const r = await runScenario(sc, driver, seed);
      results[sc.name] = r;
      if (!(r as { ok?: boolean }).ok) failed = true;
    } catch (err) {
      failed = true;
      results[sc.name] = { error: (err as Error).message };
      log(`${sc.name} failed: ${(err as Error).message}`);
    }
  }
  type Measured = Awaited<ReturnType<typeof measuredSync>>;
  const fig = (name: string, which: 'full_sync' | 'resync_no_changes') =>
    (results[name] as Record<string, Measured> | undefined)?.[which];
  const brief = (f: Measured | undefined) =>
    f && {
      wall_s: r1(f.wall_ms / 1000),
      products_per_s: f.products_per_s,
      variants_per_s: f.variants_per_s,
      products_per_s_our_side: f.products_per_s_our_side,
      store_s: r1(f.time_ms.store_round_trips / 1000),
      connector_sleeps_s: r1(f.time_ms.connector_sleeps / 1000),
      db_upsert_s: r1(f.time_ms.db_upsert_transactions / 1000),
      index_s: r1((f.time_ms.load_products_and_build_docs + f.time_ms.index_writes) / 1000),
      peak_rss_mb: f.memory.peak.rss_mb,
      peak_heap_used_mb: f.memory.peak.heap_used_mb,
      heap_used_after_gc_mb: f.memory.after_gc.heap_used_mb,
      load_average_1m: f.load_average_1m,
    };
  const summary = Object.fromEntries(
    selected.map((s) => [
      s.name,
      {
        products: s.products,
        full_sync: brief(fig(s.name, 'full_sync')) ?? null,
        resync_no_changes: brief(fig(s.name, 'resync_no_changes')) ?? null,
      },
    ]),
  );
  const met = (name: string) => {
    const f = fig(name, 'full_sync');
    return f ? f.products_per_s >= TARGET_PRODUCTS_PER_S : null;
  };
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'store-sync',
        machine: {
          cpus: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          node: process.version,
          load_at_start: load0.map(r1),
          load_at_end: os.loadavg().map(r1),
        },
        driver,
        products: n,
        seed,
        total_s: r1((performance.now() - t0) / 1000),
        method:
          'The fake Shopify Admin GraphQL API (test/fakes/shopify.ts, generated realistic catalog) runs in a child ' +
          'process; each scenario runs in a fresh child process (with the V8 flags of `npm start`: ' +
          `${serverNodeFlags().join(' ') || 'none'}) on a fresh database, with deps from createDeps ` +
          '(embedded search index, index refresher on Postgres, as `aisle serve`) and createShopifyConnector passed ' +
          'as connectors.shopify. runSync(full) after connectStore, then runSync(full) again with nothing changed. ' +
          'Store time = each fetch from send to the end of its body (the bulk file: to its headers, as it is parsed ' +
          'while it streams), timed in the sync process; our side = wall - ' +
          'store time - the connector sleeps (pacing, bulk polls). Transactions and index writes are timed by ' +
          'wrapping deps.db.transaction and the index (inside runSync only, via AsyncLocalStorage). Memory sampled ' +
          'every 100 ms and after gc().',
        target: {
          full_sync_products_per_s: TARGET_PRODUCTS_PER_S,
          paged_met: met('paged'),
          bulk_met: met('bulk'),
        },
        summary,
        scenarios: results,
      },
      null,
      2,
    )}\n`,
  );
  if (failed) process.exitCode = 1;
}

// =====================================================================================================================

/** Sends a message to the orchestrator and waits until it is written. */
const send = (msg: unknown) =>
  new Promise<void>((resolve, reject) =>
    process.send!(msg, undefined, {}, (err) => (err ? reject(err) : resolve())),
  );

try {
  if (args.role === 'store') await storeRole();
  else if (args.role === 'sync') await syncRole();
  else await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  if (process.send) await send({ type: 'error', message: (err as Error).message }).catch(() => {});
  process.exitCode = 1;
}
// A sync process is done once its result is sent (the IPC channel would keep it alive).
if (args.role === 'sync') process.disconnect();
