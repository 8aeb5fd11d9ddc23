// A scaled-out deployment on one machine: two `aisle serve` nodes (AISLE_OUTBOX_WORKER=off) and two `aisle worker`
// processes on one Postgres database, with Redis for rate limits. (a) rate limits are shared by the nodes; (b) a
// conversation started on one node continues on the other (history lives in Postgres); (c) order_followup webhooks
// queued through both nodes are delivered by the workers, each event exactly once; (d) /metrics on a node and on a
// worker speaks Prometheus, behind AISLE_METRICS_TOKEN; and every process stops with exit 0 on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps, type Deps } from '../../src/app.js';
import { getCompany } from '../../src/commerce/index.js';
import { loadConfig } from '../../src/config.js';
import { webhookDeliveries } from '../../src/webhooks/schema.js';
import type { TestApp } from '../helpers/app.js';
import { createTestCompany } from '../helpers/app.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/database.js';
import {
  childEnv,
  cleanupProcesses,
  makeTempDir,
  REPO_ROOT,
  request,
  startServer,
  type Env,
  type ServerProcess,
} from '../helpers/process.js';
import { openShop, type Shop } from '../helpers/shop.js';
import { openChat } from '../helpers/ws.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const LIMIT = 5;
const ORDERS = 50;
const ADMIN_TOKEN = 'multi-node-admin-token-0123456789';
const METRICS_TOKEN = 'multi-node-metrics-token-0123456789';

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const skipReason = !POSTGRES_URL
  ? 'needs DATABASE_URL (several processes cannot share the embedded database)'
  : !(await redisAnswers())
    ? `needs Redis at ${REDIS_URL} (it did not answer PING)`
    : undefined;
if (skipReason) console.log(`[multi-node] skipped: ${skipReason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

type WorkerProcess = {
  child: ChildProcess;
  baseUrl: string;
  output: { stderr: string };
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

const workerChildren = new Set<ChildProcess>();

/** Starts `aisle worker` with its listener on a free port and waits until its /health is 200. */
async function startWorker(env: Env): Promise<WorkerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'aisle.js'), 'worker'], {
    cwd: REPO_ROOT,
    env: childEnv({ ...env, AISLE_WORKER_PORT: String(port) }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workerChildren.add(child);
  const output = { stderr: '' };
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      workerChildren.delete(child);
      resolve({ code, signal });
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`aisle worker exited before /health answered\n${output.stderr}`);
    const res = await fetch(`${baseUrl}/health`).catch(() => undefined);
    if (res?.status === 200) break;
    if (Date.now() > deadline)
      throw new Error(`aisle worker: /health did not answer in time\n${output.stderr}`);
    await sleep(100);
  }
  return {
    child,
    baseUrl,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The sum of a metric's samples whose labels include `labels`, from Prometheus text. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

async function scrape(baseUrl: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe.skipIf(skipReason !== undefined)('two API nodes and two workers on one Postgres and Redis', () => {
  const nodes: ServerProcess[] = [];
  const workers: WorkerProcess[] = [];
  let env: Env;
  let deps: Deps | undefined;
  let shop: Shop | undefined;
  const paid: string[] = [];
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const database = await createPostgresDatabase(POSTGRES_URL!);
    drop = database.drop;
    env = {
      DATABASE_URL: database.url,
      AISLE_DATA_DIR: await makeTempDir(),
      REDIS_URL,
      AISLE_OUTBOX_WORKER: 'off',
      AISLE_OUTBOX_POLL_MS: '50',
      AISLE_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      AISLE_ENCRYPTION_KEY: 'multi-node-encryption-key-0123456789abcdef',
      AISLE_ADMIN_TOKEN: ADMIN_TOKEN,
      AISLE_METRICS_TOKEN: METRICS_TOKEN,
      ANTHROPIC_API_KEY: undefined, // the offline agent
    };

    // The shop and its paid orders, written from this process before the nodes start (it runs no worker).
    deps = await createDeps(loadConfig({ ...(env as NodeJS.ProcessEnv), LOG_LEVEL: 'silent' }), {
      logger: pino({ level: 'silent' }),
      worker: false,
    });
    const t = { deps, db: deps.db } as TestApp;
    shop = await openShop(t, undefined, 'Scale');
    await shop.setStock(shop.v['sock-v0']!, 1000);
    const company = await getCompany(deps.db, shop.company.id);
    for (let i = 0; i < ORDERS; i++) {
      const quoted = await deps.checkout.quote(company, shop.user, {
        lines: [{ variant_id: shop.v['sock-v0']!, quantity: 1 }],
      });
      const placed = await deps.checkout.confirm(company, shop.user, {
        token: quoted.quote!.confirmation_token,
      });
      expect(placed.order!.status).toBe('PAID');
      paid.push(placed.order!.id);
    }

    const started = await Promise.all([
      startServer(env),
      startServer(env),
      startWorker(env),
      startWorker(env),
    ]);
    nodes.push(started[0], started[1]);
    workers.push(started[2], started[3]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    for (const child of workerChildren) child.kill('SIGKILL');
    await cleanupProcesses();
    await shop?.close();
    await deps?.close();
    await drop();
  });

  it('(a) rate limits are counted once for both nodes, in Redis', async () => {
    const busy = await createTestCompany(deps!.db, 'Busy');
    for (let i = 0; i < LIMIT; i++) {
      const res = await request(nodes[i % 2]!.baseUrl, 'GET', '/api/v1/users/', { headers: busy.headers });
      expect(res.status, `request ${i + 1}`).toBe(200);
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(LIMIT - 1 - i));
    }
    for (const node of nodes) {
      expect((await request(node.baseUrl, 'GET', '/api/v1/users/', { headers: busy.headers })).status).toBe(
        429,
      );
    }
  });

  it('(b) a conversation started on node 1 continues on node 2', async () => {
    const query = new URLSearchParams({
      client_id: shop!.company.clientId,
      secret_key: shop!.company.secretKey,
      user_id: shop!.user.externalUserId,
    }).toString();
    const ws = (node: ServerProcess) => `${node.baseUrl.replace('http', 'ws')}/ws/agent/?${query}`;

    const first = await openChat(ws(nodes[0]!));
    first.send({ message: 'show me socks' });
    const found = await first.next('agent_response');
    expect((found.products as { title: string }[]).map((p) => p.title)).toContain('Wool Socks');
    await first.close();

    const second = await openChat(ws(nodes[1]!));
    second.send({ message: 'tell me more about the first one' });
    const details = await second.next('agent_response');
    // Without the first turn the offline agent would answer that it has no search results to pick from.
    expect(details.message).toMatch(/Wool Socks/);
    expect(details.message).toMatch(/12\.50/);
    expect(details.products).toHaveLength(1);
    await second.close();
  });

  it(`(c) ${ORDERS} order_followup webhooks queued through both nodes are delivered by the workers exactly once`, async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    // Shipped through both nodes, a few at a time.
    for (let i = 0; i < paid.length; i += 10) {
      const answers = await Promise.all(
        paid.slice(i, i + 10).map((id, j) =>
          request(nodes[(i + j) % 2]!.baseUrl, 'POST', `/api/admin/orders/${id}/status`, {
            headers: auth,
            body: { status: 'SHIPPED', tracking: { carrier: 'UPS', number: `1Z${i + j}` } },
          }),
        ),
      );
      for (const a of answers) expect(a.status).toBe(200);
    }
    const followups = () => shop!.integrator.of('order_followup');
    await waitFor(`${ORDERS} order_followup webhooks`, () => followups().length >= ORDERS);
    await sleep(500); // a duplicate would have arrived by now

    const ids = followups().map((h) => String(h.headers['x-webhook-id']));
    expect(ids).toHaveLength(ORDERS);
    expect(new Set(ids).size).toBe(ORDERS);
    expect(new Set(followups().map((h) => h.payload.order_id))).toEqual(new Set(paid));

    const rows = await deps!.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.event, 'order_followup'));
    expect(rows).toHaveLength(ORDERS);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
    // Each was claimed once (a second claim would have counted a second attempt).
    for (const row of rows) expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
    // The merchants' hand-offs of the paid orders went through the workers as well.
    await waitFor('the merchant hand-offs', async () => {
      const left = await deps!.db
        .select({ status: webhookDeliveries.status })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.event, 'merchant_order'));
      return left.length === ORDERS && left.every((r) => r.status === 'delivered');
    });

    // The API nodes delivered nothing (AISLE_OUTBOX_WORKER=off): the workers' counters add up to every event.
    const counted = await Promise.all(workers.map((w) => scrape(w.baseUrl)));
    const delivered = counted.map((c) =>
      metricValue(c.text, 'aisle_webhook_deliveries_total', {
        event: 'order_followup',
        outcome: 'delivered',
      }),
    );
    expect(delivered[0]! + delivered[1]!).toBe(ORDERS);
    for (const node of nodes) {
      const { text } = await scrape(node.baseUrl);
      expect(metricValue(text, 'aisle_webhook_deliveries_total', { event: 'order_followup' })).toBe(0);
    }
  });

  it('(d) /metrics on a node and on a worker is Prometheus text, behind AISLE_METRICS_TOKEN', async () => {
    for (const base of [nodes[0]!.baseUrl, workers[0]!.baseUrl]) {
      const refused = await fetch(`${base}/metrics`);
      expect(refused.status).toBe(401);
      const wrong = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
    }

    const node = await scrape(nodes[0]!.baseUrl);
    expect(node.status).toBe(200);
    expect(node.type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'aisle_http_request_duration_seconds',
      'aisle_mcp_tool_call_duration_seconds',
      'aisle_model_call_duration_seconds',
      'aisle_model_tokens_total',
      'aisle_chat_turns_total',
      'aisle_chat_sockets_open',
      'aisle_webhook_deliveries_total',
      'aisle_webhook_delivery_duration_seconds',
      'aisle_outbox_events',
      'aisle_store_sync_runs_total',
      'aisle_store_sync_products_total',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(node.text).toContain(`# TYPE ${name} `);
    }
    // Requests are labelled by route pattern, not by URL.
    expect(node.text).toMatch(
      /aisle_http_request_duration_seconds_count\{method="POST",route="\/api\/admin\/orders\/:order_id\/status",status="200"\} \d+/,
    );
    expect(node.text).not.toContain(paid[0]!);
    expect(metricValue(node.text, 'aisle_chat_turns_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(node.text, 'aisle_model_call_duration_seconds_count', { model: 'offline' }),
    ).toBeGreaterThanOrEqual(1);
    expect(metricValue(node.text, 'aisle_chat_sockets_open')).toBe(0);
    expect(node.text).toMatch(/aisle_outbox_events\{status="pending"\} \d+/);

    const worker = await scrape(workers[0]!.baseUrl);
    expect(worker.status).toBe(200);
    expect(worker.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(worker.text).toContain('# TYPE aisle_webhook_deliveries_total counter');
    expect(worker.text).toContain('# TYPE aisle_webhook_delivery_duration_seconds histogram');
    expect(metricValue(worker.text, 'aisle_outbox_events', { status: 'pending' })).toBe(0);
    expect(worker.text).toContain('process_resident_memory_bytes');
    const health = await fetch(`${workers[0]!.baseUrl}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', role: 'worker', outbox_worker: 'on' });
  });

  it('every node and worker stops on SIGTERM with exit code 0', async () => {
    const exits = await Promise.all([...nodes.map((n) => n.stop()), ...workers.map((w) => w.stop())]);
    for (const exit of exits) expect(exit).toEqual({ code: 0, signal: null });
  });
});
