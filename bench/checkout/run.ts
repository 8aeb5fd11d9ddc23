// `npm run bench:checkout`: what checkout adds to a purchase beyond the integrator's own answers. Sequential orders
// through Checkout.confirm() (place the order, balance_check, charge, PAID) against a real signed-webhook receiver on
// loopback that answers at once, with the time of the two webhook round trips of each order subtracted; then 200
// concurrent buyers of 10 units. Postgres by default (a fresh database, dropped at the end), `--driver pglite` for the
// embedded one. Prints one JSON document; progress goes to stderr.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { and, eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { createDeps, type Deps } from '../../src/app.js';
import { products, variants } from '../../src/catalog/schema.js';
import {
  addAddress,
  createCompany,
  getCompany,
  registerUser,
  updateCompany,
  type CompanyRow,
  type UserRow,
} from '../../src/commerce/index.js';
import { orders } from '../../src/commerce/order-schema.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseTarget } from '../../src/db/client.js';
import { webhookDeliveries } from '../../src/webhooks/schema.js';
import { sendWebhook } from '../../src/webhooks/send.js';
import { record } from '../../test/helpers/catalog.js';
import { startFakeIntegrator, type FakeIntegrator } from '../../test/fakes/integrator.js';
import { percentile } from '../search/metrics.js';
import { startProfiler, type Profiler } from './profile.js';
import { createPostgresDatabase } from '../../test/helpers/database.js';

const { values: args } = parseArgs({
  options: {
    driver: { type: 'string', default: process.env.BENCH_DRIVER ?? 'postgres' },
    orders: { type: 'string', default: process.env.BENCH_ORDERS ?? '500' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '50' },
    buyers: { type: 'string', default: process.env.BENCH_BUYERS ?? '200' },
    stock: { type: 'string', default: process.env.BENCH_STOCK ?? '10' },
    profile: { type: 'boolean', default: process.env.BENCH_PROFILE === '1' },
  },
});
const DRIVER = args.driver;
if (DRIVER !== 'postgres' && DRIVER !== 'pglite') throw new Error('--driver is postgres or pglite');
const ORDERS = Number(args.orders);
const WARMUP = Number(args.warmup);
const BUYERS = Number(args.buyers);
const STOCK = Number(args.stock);
const BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const TARGET_OVERHEAD_P50_MS = 15;
const PRODUCTS = 20;

const log = (msg: string) => process.stderr.write(`[bench:checkout] ${msg}\n`);
const ms = (x: number) => Math.round(x * 1000) / 1000;
function dist(xs: number[]) {
  const sorted = [...xs].sort((a, b) => a - b);
  const p = (q: number) => ms(percentile(sorted, q));
  return {
    p50_ms: p(50),
    p90_ms: p(90),
    p99_ms: p(99),
    mean_ms: ms(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

// ---- the webhook round trips, as the sender sees them ------------------------------------------------------------
// sendWebhook() is fetch() then res.text(): time each call from fetch() to the end of its body, for the receiver's
// URL only. Whatever falls inside a confirm() belongs to that order (orders run one at a time).
const realFetch = globalThis.fetch;
let roundTrips: number[] | null = null;
const receiverUrls = new Set<string>();
const integrators: FakeIntegrator[] = [];
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const t0 = performance.now();
  const res = await realFetch(input, init);
  if (!receiverUrls.has(url)) return res;
  const sink = roundTrips;
  const text = res.text.bind(res);
  (res as { text: () => Promise<string> }).text = async () => {
    const body = await text();
    sink?.push(performance.now() - t0);
    return body;
  };
  return res;
};

// ---- a shop: a company whose webhook URL is a real receiver, shoppers with an address, stock -----------------------
type Shop = { company: CompanyRow; integrator: FakeIntegrator; variantIds: string[] };

async function openShop(deps: Deps, name: string, catalog: ReturnType<typeof record>[]): Promise<Shop> {
  const created = await createCompany(deps.db, { name });
  const integrator = await startFakeIntegrator(created.webhookSecret);
  integrators.push(integrator);
  receiverUrls.add(integrator.url);
  await updateCompany(deps.db, created.company.id, { webhookUrl: integrator.url });
  const { merchant } = await deps.catalog.importRecords(
    `${name} Outfitters`,
    catalog.map((value, i) => ({ line: i + 1, value })),
  );
  const rows = await deps.db
    .select({ id: variants.id })
    .from(variants)
    .innerJoin(products, eq(variants.productId, products.id))
    .where(eq(products.merchantId, merchant.id))
    .orderBy(variants.sourceId);
  return {
    company: await getCompany(deps.db, created.company.id),
    integrator,
    variantIds: rows.map((r) => r.id),
  };
}

async function shopper(deps: Deps, companyId: string, externalUserId: string) {
  const { user } = await registerUser(deps.db, companyId, { externalUserId, displayName: 'Bench' });
  await addAddress(deps.db, companyId, user.id, {
    line1: '123 Main St',
    city: 'New York',
    state: 'NY',
    zip: '10001',
    country: 'US',
  });
  return user;
}

async function quoteOne(deps: Deps, company: CompanyRow, user: UserRow, variantId: string) {
  const quoted = await deps.checkout.quote(company, user, {
    lines: [{ variant_id: variantId, quantity: 1 }],
  });
  if (quoted.status !== 'quote') throw new Error(`quote: ${quoted.status}: ${quoted.message}`);
  return quoted.quote!.confirmation_token;
}

// ---- 1. sequential orders ----------------------------------------------------------------------------------------
async function sequential(deps: Deps, profiler: Profiler | null) {
  const shop = await openShop(
    deps,
    profiler ? 'Bench Profiled' : 'Bench Seq',
    Array.from({ length: PRODUCTS }, (_, i) =>
      record({
        source_id: `p${String(i).padStart(2, '0')}`,
        title: `Bench Runner ${i}`,
        variants: [{ title: 'One size', price: `${49 + i}.99`, available_qty: 1_000_000 }],
      }),
    ),
  );
  const user = await shopper(deps, shop.company.id, 'bench-seq');
  const quoteMs: number[] = [];
  const totalMs: number[] = [];
  const webhookMs: number[] = [];
  const orderIds: string[] = [];
  const runs = profiler ? ORDERS : WARMUP + ORDERS;
  for (let i = 0; i < runs; i++) {
    const measured = profiler !== null || i >= WARMUP;
    const variantId = shop.variantIds[i % shop.variantIds.length]!;
    const q0 = performance.now();
    const token = await quoteOne(deps, shop.company, user, variantId);
    const q1 = performance.now();
    const trips: number[] = [];
    roundTrips = trips;
    profiler?.begin();
    const t0 = performance.now();
    const result = await deps.checkout.confirm(shop.company, user, { token });
    const t1 = performance.now();
    profiler?.end(t1 - t0, trips);
    roundTrips = null;
    if (result.status !== 'placed' || result.order?.status !== 'PAID') {
      throw new Error(`order ${i}: ${result.status} ${result.order?.status}: ${result.message}`);
    }
    if (trips.length !== 2)
      throw new Error(`order ${i}: expected 2 webhook round trips, saw ${trips.length}`);
    if (measured) {
      quoteMs.push(q1 - q0);
      totalMs.push(t1 - t0);
      webhookMs.push(trips[0]! + trips[1]!);
      orderIds.push(result.order.id);
    }
    if ((i + 1) % 100 === 0) log(`${profiler ? 'profiled ' : ''}order ${i + 1}/${runs}`);
  }
  return { shop, user, quoteMs, totalMs, webhookMs, orderIds };
}

/** The same subtraction with the sender's own record of each attempt (webhook_deliveries.last_duration_ms, whole ms). */
async function overheadByDeliveryLog(deps: Deps, orderIds: string[], totalMs: number[]) {
  const logged = new Map<string, number>();
  for (let i = 0; i < orderIds.length; i += 200) {
    const rows = await deps.db
      .select({ orderId: webhookDeliveries.orderId, ms: webhookDeliveries.lastDurationMs })
      .from(webhookDeliveries)
      .where(
        and(
          inArray(webhookDeliveries.orderId, orderIds.slice(i, i + 200)),
          inArray(webhookDeliveries.event, ['balance_check', 'charge']),
        ),
      );
    for (const r of rows) logged.set(r.orderId!, (logged.get(r.orderId!) ?? 0) + (r.ms ?? 0));
  }
  const webhook = orderIds.map((id) => logged.get(id) ?? NaN);
  return { webhook_round_trips: dist(webhook), overhead: dist(totalMs.map((t, i) => t - webhook[i]!)) };
}

/** Bare signed POSTs of the same bodies to the same receiver, with the same sender: the integrator's floor. */
async function barePosts(deps: Deps, shop: Shop, orderIds: string[]) {
  const rows = await deps.db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.orderId, orderIds[0]!),
        inArray(webhookDeliveries.event, ['balance_check', 'charge']),
      ),
    );
  const bodies = ['balance_check', 'charge'].map((e) => rows.find((r) => r.event === e)!);
  const pair: number[] = [];
  const trips: number[] = [];
  roundTrips = trips;
  for (let i = 0; i < WARMUP + ORDERS; i++) {
    const t0 = performance.now();
    for (const row of bodies) {
      const res = await sendWebhook({
        url: shop.company.webhookUrl!,
        secret: shop.company.webhookSecret,
        eventId: `evt_bare${i}${row.event}`,
        event: row.event,
        attempt: 1,
        body: JSON.stringify(row.payload),
        timeoutMs: 10_000,
        userAgent: 'Aisle-Webhooks/bench',
      });
      if (res.statusCode !== 200) throw new Error(`bare POST: ${res.error}`);
    }
    if (i >= WARMUP) pair.push(performance.now() - t0);
  }
  roundTrips = null;
  return { sendWebhook_pair: dist(pair), fetch_pair: dist(pairSums(trips.slice(2 * WARMUP))) };
}

const pairSums = (xs: number[]) =>
  Array.from({ length: xs.length / 2 }, (_, i) => xs[2 * i]! + xs[2 * i + 1]!);

// ---- 2. concurrent buyers of scarce stock ------------------------------------------------------------------------
async function concurrency(deps: Deps) {
  const shop = await openShop(deps, 'Bench Drop', [
    record({
      source_id: 'drop',
      title: 'Limited Drop Sneaker',
      variants: [{ title: 'Black / 10', price: '199.00', available_qty: STOCK }],
    }),
  ]);
  const variantId = shop.variantIds[0]!;
  const buyers: UserRow[] = [];
  for (let i = 0; i < BUYERS; i++) buyers.push(await shopper(deps, shop.company.id, `buyer-${i}`));
  const tokens: string[] = [];
  for (const user of buyers) tokens.push(await quoteOne(deps, shop.company, user, variantId));
  log(`${BUYERS} buyers quoted; confirming all at once`);
  const t0 = performance.now();
  const results = await Promise.allSettled(
    buyers.map((user, i) => deps.checkout.confirm(shop.company, user, { token: tokens[i]! })),
  );
  const wall = performance.now() - t0;
  const answers: Record<string, number> = {};
  for (const r of results) {
    const key =
      r.status === 'rejected'
        ? `error: ${(r.reason as Error).message}`
        : r.value.status === 'placed'
          ? `placed ${r.value.order?.status}`
          : r.value.status;
    answers[key] = (answers[key] ?? 0) + 1;
  }
  const [left] = await deps.db
    .select({ qty: variants.availableQty })
    .from(variants)
    .where(eq(variants.id, variantId));
  const paidRows = await deps.db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.companyId, shop.company.id), eq(orders.status, 'PAID')));
  const figures = {
    buyers: BUYERS,
    stock: STOCK,
    wall_ms: ms(wall),
    paid: answers['placed PAID'] ?? 0,
    out_of_stock: answers.out_of_stock ?? 0,
    answers,
    paid_orders_in_database: paidRows.length,
    stock_left: left!.qty,
    charges_received: shop.integrator.of('charge').length,
    balance_checks_received: shop.integrator.of('balance_check').length,
  };
  const checks = {
    paid: figures.paid === STOCK && figures.paid_orders_in_database === STOCK,
    out_of_stock: figures.out_of_stock === BUYERS - STOCK,
    stock_at_zero: figures.stock_left === 0,
    charges: figures.charges_received === STOCK,
  };
  return { shop, figures: { ...figures, checks, ok: Object.values(checks).every(Boolean) } };
}

// ---- main --------------------------------------------------------------------------------------------------------
const database = DRIVER === 'postgres' ? await createPostgresDatabase(BASE_URL, 'aisle_bench') : null;
const target: DatabaseTarget = database
  ? { driver: 'postgres', url: database.url }
  : { driver: 'pglite', dir: null };
log(`driver ${DRIVER}${database ? ` (fresh database on ${new URL(BASE_URL).host})` : ' (in memory)'}`);
let deps: Deps | undefined;
try {
  deps = await createDeps(loadConfig({ LOG_LEVEL: 'silent' }), {
    database: target,
    logger: pino({ level: 'silent' }),
    worker: false,
  });
  log(`${WARMUP} warm-up orders, then ${ORDERS} measured`);
  const seq = await sequential(deps, null);
  const byLog = await overheadByDeliveryLog(deps, seq.orderIds, seq.totalMs);
  log('bare signed POSTs to the same receiver');
  const bare = await barePosts(deps, seq.shop, seq.orderIds);
  const overhead = seq.totalMs.map((t, i) => t - seq.webhookMs[i]!);
  const overheadStats = dist(overhead);

  log(`${BUYERS} concurrent buyers of ${STOCK} units`);
  const conc = await concurrency(deps);

  let profile: unknown;
  if (args.profile) {
    log(`profiling ${ORDERS} more orders (queries and transactions timed; slower than the figures above)`);
    const profiler = startProfiler(deps);
    await sequential(deps, profiler);
    profile = await profiler.report();
    profiler.stop();
  }

  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'checkout-overhead',
        machine: {
          cpus: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          node: process.version,
          load: os.loadavg(),
        },
        driver: DRIVER,
        method:
          `${ORDERS} sequential orders (after ${WARMUP} warm-up), one line each, through Checkout.confirm(): place ` +
          'the order, balance_check, charge, PAID, against a loopback receiver that verifies the signature and ' +
          'answers at once. overhead = confirm time - the two webhook round trips of that order (fetch to end of ' +
          'body, timed in-process). Cross-checks: the same subtraction with webhook_deliveries.last_duration_ms, and ' +
          'bare signed POSTs of the same bodies (sendWebhook) to the same receiver.',
        target: {
          overhead_p50_ms: TARGET_OVERHEAD_P50_MS,
          met: overheadStats.p50_ms <= TARGET_OVERHEAD_P50_MS,
        },
        sequential: {
          orders: ORDERS,
          warmup: WARMUP,
          quote_p50_ms: dist(seq.quoteMs).p50_ms,
          confirm: dist(seq.totalMs),
          webhook_round_trips: dist(seq.webhookMs),
          overhead: overheadStats,
          cross_checks: {
            by_delivery_log: byLog,
            bare_signed_posts: bare,
            confirm_p50_minus_bare_pair_p50_ms: ms(dist(seq.totalMs).p50_ms - bare.sendWebhook_pair.p50_ms),
          },
        },
        concurrency: conc.figures,
        ...(profile ? { profile } : {}),
      },
      null,
      2,
    )}\n`,
  );
  if (!conc.figures.ok) {
    log(`concurrency checks failed: ${JSON.stringify(conc.figures.checks)}`);
    process.exitCode = 1;
  }
} finally {
  for (const i of integrators) await i.close();
  await deps?.close();
  await database?.drop();
}
