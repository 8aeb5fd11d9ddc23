// Postgres restarted under load: one `aisle serve` on a private Postgres cluster (initdb into a temp folder, trust
// auth, a free port), with REST traffic (register users, add addresses, search products) and purchases over /mcp
// (buy_product against a fake integrator that approves), while the cluster is stopped (`pg_ctl stop -m fast`), left
// down for 2 s, and started again. During the outage requests fail cleanly (5xx with the error body, /api/health
// 503) and the server stays up; after it everything recovers within seconds without restarting the server; nothing
// written before the outage is lost, every PAID order was charged once, and no order is left half-way.
//
// Needs /usr/lib/postgresql/15/bin/initdb, run as the current user, or as `postgres` through runuser when root.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../src/app.js';
import { addAddress, registerUser, users } from '../../src/commerce/index.js';
import { orders, type OrderStatus } from '../../src/commerce/order-schema.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { approveAll } from '../fakes/integrator.js';
import type { TestApp } from '../helpers/app.js';
import { createPostgresDatabase } from '../helpers/database.js';
import { cleanupProcesses, request, startServer, type Env, type ServerProcess } from '../helpers/process.js';
import { openShop, type Shop } from '../helpers/shop.js';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

const pgOwner = isRoot ? postgresUser() : undefined;
const skipReason = !existsSync(path.join(PG_BIN, 'initdb'))
  ? `needs ${PG_BIN}/initdb`
  : isRoot && !pgOwner
    ? 'runs as root, and initdb refuses root: needs a `postgres` user to run it as'
    : isRoot && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')
      ? 'runs as root and needs runuser to run initdb as `postgres`'
      : undefined;
if (skipReason) console.log(`[postgres-restart] skipped: ${skipReason}`);

/** Runs a Postgres binary, as `postgres` when we are root. */
async function pg(bin: string, args: string[]): Promise<string> {
  const file = path.join(PG_BIN, bin);
  const r = isRoot
    ? await run('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: 30_000 })
    : await run(file, args, { timeout: 30_000 });
  return r.stdout;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FINAL: readonly OrderStatus[] = [
  'PAID',
  'FULFILLED',
  'SHIPPED',
  'DELIVERED',
  'DECLINED',
  'PAYMENT_FAILED',
  'CANCELLED',
  'EXPIRED',
];
const SETTINGS: Env = {
  AISLE_RATE_LIMIT_PER_MINUTE: '1000000',
  AISLE_WEBHOOK_TIMEOUT_MS: '2000',
  AISLE_OUTBOX_POLL_MS: '100',
  AISLE_WEBHOOK_RETRY_BASE_MS: '50',
  AISLE_WEBHOOK_RETRY_MAX_MS: '300',
  AISLE_WEBHOOK_MAX_ATTEMPTS: '30',
};
const BUYERS = ['fault-a', 'fault-b', 'fault-c'];

/** One request of the load: when it was sent and answered, and how. */
type Sample = {
  kind: string;
  start: number;
  end: number;
  status: number; // 0: no HTTP answer at all (connection refused or reset)
  body: unknown;
  error?: string;
};

type BuyOutput = {
  status: string;
  quote: { confirmation_token: string } | null;
  order: { id: string; status: OrderStatus } | null;
};

let dir = '';
let dataDir = '';
let port = 0;
let clusterUp = false;
let databaseUrl = '';
let shop: Shop | undefined;
let server: ServerProcess;
const samples: Sample[] = [];
const health: Sample[] = [];
/** Users and orders the server confirmed before the cluster went down. */
const usersBefore = new Set<string>();
const ordersBefore = new Set<string>();
const ordersSeen = new Set<string>();
let mcpErrors = 0;
let stopAt = 0;
let stoppedAt = 0;
let startingAt = 0;
let startedAt = 0;
let healthyAt = 0;
let writeOkAt = 0;
let serverAliveThroughout = true;
let finalOrders: { id: string; status: OrderStatus }[] = [];
let settledMs = 0;
let existingUsers = new Set<string>();

const startCluster = () =>
  pg('pg_ctl', [
    '-D',
    dataDir,
    '-l',
    path.join(dir, 'postgres.log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`,
    'start',
  ]);

async function timed(kind: string, fn: () => Promise<{ status: number; body: unknown }>) {
  const start = Date.now();
  try {
    const r = await fn();
    const s: Sample = { kind, start, end: Date.now(), status: r.status, body: r.body };
    samples.push(s);
    return s;
  } catch (err) {
    const s: Sample = { kind, start, end: Date.now(), status: 0, body: null, error: (err as Error).message };
    samples.push(s);
    return s;
  }
}

async function restLoop(worker: number, stop: () => boolean) {
  const headers = shop!.company.headers;
  for (let i = 0; !stop(); i++) {
    const externalId = `load-${worker}-${i}`;
    const created = await timed('create_user', () =>
      request(server.baseUrl, 'POST', '/api/v1/users/', {
        headers,
        body: { external_user_id: externalId, display_name: 'Load' },
      }),
    );
    if (created.status === 201 || created.status === 200) {
      const id = (created.body as { id: string }).id;
      if (!stopAt || created.end < stopAt) usersBefore.add(id);
      await timed('add_address', () =>
        request(server.baseUrl, 'POST', `/api/v1/users/${id}/addresses/`, {
          headers,
          body: { line1: `${i} Load St`, city: 'Boston', state: 'MA', zip: '02101', country: 'US' },
        }),
      );
    }
    await timed('search', () => request(server.baseUrl, 'GET', '/api/v1/products/?q=socks', { headers }));
    await sleep(20);
  }
}

async function connectMcp(): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.baseUrl), {
    requestInit: { headers: shop!.company.headers },
  });
  const client = new Client({ name: 'fault-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function buy(client: Client, args: Record<string, unknown>): Promise<BuyOutput> {
  const result = (await client.callTool({ name: 'buy_product', arguments: args })) as {
    isError?: boolean;
    structuredContent?: unknown;
    content?: unknown;
  };
  if (result.isError) throw new Error(`buy_product failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as BuyOutput;
}

async function buyLoop(stop: () => boolean) {
  let client: Client | undefined;
  for (let i = 0; !stop(); i++) {
    const user = BUYERS[i % BUYERS.length]!;
    try {
      client ??= await connectMcp();
      const quoted = await buy(client, { user_id: user, variant_id: shop!.v['sock-v0'], quantity: 1 });
      const sentAt = Date.now();
      const placed = await buy(client, {
        user_id: user,
        confirmation_token: quoted.quote!.confirmation_token,
      });
      if (placed.order) {
        ordersSeen.add(placed.order.id);
        if (!stopAt || sentAt < stopAt) ordersBefore.add(placed.order.id);
      }
    } catch {
      mcpErrors++;
      await client?.close().catch(() => {});
      client = undefined;
    }
    await sleep(100);
  }
  await client?.close().catch(() => {});
}

async function healthLoop(stop: () => boolean) {
  while (!stop()) {
    const start = Date.now();
    const r = await request(server.baseUrl, 'GET', '/api/health').catch((err: Error) => ({
      status: 0,
      body: err.message,
    }));
    const s: Sample = { kind: 'health', start, end: Date.now(), status: r.status, body: r.body };
    health.push(s);
    if (startedAt && !healthyAt && s.status === 200 && s.start >= startedAt) healthyAt = s.end;
    await sleep(100);
  }
}

describe.skipIf(skipReason)('Postgres restarted under load (a private cluster)', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aisle-pg-fault-'));
    if (pgOwner) await fs.chown(dir, pgOwner.uid, pgOwner.gid);
    dataDir = path.join(dir, 'data');
    port = await freePort();
    await pg('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    await startCluster();
    clusterUp = true;
    ({ url: databaseUrl } = await createPostgresDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`));
    const env: Env = { DATABASE_URL: databaseUrl, ...SETTINGS };

    // The shop (company → fake integrator that approves, stock) and the buyers, written before the server starts.
    const deps = await createDeps(loadConfig({ ...(env as NodeJS.ProcessEnv), LOG_LEVEL: 'silent' }), {
      logger: pino({ level: 'silent' }),
      worker: false,
    });
    try {
      shop = await openShop({ deps, db: deps.db } as TestApp, approveAll, 'Fault');
      for (const b of BUYERS) {
        const { user } = await registerUser(deps.db, shop.company.id, { externalUserId: b, displayName: b });
        await addAddress(deps.db, shop.company.id, user.id, {
          line1: '1 Main St',
          city: 'Boston',
          state: 'MA',
          zip: '02101',
          country: 'US',
        });
      }
    } finally {
      await deps.close();
    }

    server = await startServer(env);
    server.child.once('exit', () => (serverAliveThroughout = false));

    let done = false;
    const stop = () => done;
    const loops = [...[0, 1, 2].map((w) => restLoop(w, stop)), buyLoop(stop), healthLoop(stop)];
    await sleep(2500); // load on a healthy database

    stopAt = Date.now();
    await pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    stoppedAt = Date.now();
    clusterUp = false;
    await sleep(2000); // down
    startingAt = Date.now(); // pg_ctl -w returns a little after the cluster accepts connections
    await startCluster();
    clusterUp = true;
    startedAt = Date.now();

    // Recovery: a successful write after the start, /api/health 200; then 2 s more of load.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const ok = samples.find((s) => s.kind === 'create_user' && s.start >= startedAt && s.status === 201);
      if (ok && healthyAt) {
        writeOkAt = ok.end;
        break;
      }
      await sleep(50);
    }
    await sleep(2000);
    done = true;
    await Promise.all(loops);

    // Every order settles (the outbox worker finishes what the outage interrupted).
    const database = await openDatabase({ driver: 'postgres', url: databaseUrl });
    try {
      const t0 = Date.now();
      for (;;) {
        finalOrders = await database.db.select({ id: orders.id, status: orders.status }).from(orders);
        if (finalOrders.every((o) => FINAL.includes(o.status)) || Date.now() - t0 > 20_000) break;
        await sleep(200);
      }
      settledMs = Date.now() - t0;
      const ids = [...usersBefore];
      existingUsers = new Set(
        ids.length
          ? (await database.db.select({ id: users.id }).from(users).where(inArray(users.id, ids))).map(
              (u) => u.id,
            )
          : [],
      );
    } finally {
      await database.close();
    }
    const outageMs = startedAt - stopAt;
    console.log(
      `[postgres-restart] stop took ${stoppedAt - stopAt} ms, down ${outageMs} ms in all; ` +
        `/api/health 200 ${healthyAt ? `${healthyAt - startedAt} ms` : 'never'} after the start, ` +
        `first write ${writeOkAt ? `${writeOkAt - startedAt} ms` : 'never'} after; ` +
        `server ${serverAliveThroughout ? 'alive' : 'DIED'}; ` +
        `${samples.length} REST requests (${samples.filter((s) => s.status >= 500).length} 5xx, ` +
        `${samples.filter((s) => s.status === 0).length} unanswered), ${ordersSeen.size} orders ` +
        `(${mcpErrors} MCP errors), settled ${settledMs} ms after the load`,
    );
    // FAULT_DEBUG=/path.json: every sample and the server's output, for a closer look.
    if (process.env.FAULT_DEBUG)
      await fs.writeFile(
        process.env.FAULT_DEBUG,
        JSON.stringify(
          { stopAt, stoppedAt, startedAt, healthyAt, writeOkAt, samples, health, log: server.output.stderr },
          null,
          1,
        ),
      );
  }, 90_000);

  afterAll(async () => {
    await cleanupProcesses();
    await shop?.close();
    if (clusterUp) await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => '');
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('the server process stayed alive through the outage', () => {
    expect(serverAliveThroughout, server.output.stderr.slice(-3000)).toBe(true);
    expect(server.child.exitCode).toBeNull();
  });

  it('put real load on it before the outage', () => {
    const before = samples.filter((s) => s.end < stopAt);
    expect(before.length).toBeGreaterThan(30);
    expect(before.filter((s) => s.status >= 300)).toEqual([]);
    expect(ordersBefore.size).toBeGreaterThan(0);
  });

  it('during the outage requests fail cleanly (5xx with the error body) or wait for the database; never a dropped connection', () => {
    // A request that needs a connection while Postgres is down waits for one (postgres.js reconnects, up to
    // connect_timeout, 10 s) and then fails with 500, or succeeds if the database came back meanwhile.
    const during = samples.filter((s) => s.start >= stoppedAt && s.start < startedAt);
    expect(during.length).toBeGreaterThan(2);
    for (const s of [...during, ...samples.filter((x) => x.status >= 500)]) {
      const why = `${s.kind} ${s.start - stopAt}..${s.end - stopAt} ms: ${s.error ?? JSON.stringify(s.body)}`;
      if (s.status < 300) expect(s.end, why).toBeGreaterThanOrEqual(startingAt);
      else {
        expect(s.status, why).toBeGreaterThanOrEqual(500);
        expect(s.body, why).toMatchObject({ status: s.status, error: expect.any(String), code: 'internal' });
      }
      expect(s.end - s.start, why).toBeLessThan(11_000);
    }
    // Connections cut by the shutdown fail at once, cleanly.
    expect(samples.filter((s) => s.status >= 500 && s.start < stoppedAt).length).toBeGreaterThan(0);
    // Nothing at all, before, during or after, went unanswered.
    expect(samples.filter((s) => s.status === 0)).toEqual([]);
    // /api/health says 503 within its 2 s ping timeout, all through the outage.
    const downHealth = health.filter((s) => s.start >= stoppedAt && s.end <= startingAt);
    expect(downHealth.length).toBeGreaterThan(0);
    for (const s of downHealth) {
      expect(s.status).toBe(503);
      expect(s.end - s.start).toBeLessThan(2500);
      expect(s.body).toMatchObject({ status: 'degraded', database: { status: 'error', driver: 'postgres' } });
    }
  });

  it('recovers within a few seconds of the restart, without restarting the server', () => {
    expect(healthyAt, 'health 200 after the restart').toBeGreaterThan(0);
    expect(healthyAt - startedAt).toBeLessThan(5000);
    expect(writeOkAt, 'a user registered after the restart').toBeGreaterThan(0);
    expect(writeOkAt - startedAt).toBeLessThan(5000);
    // Once recovered, everything succeeds.
    const after = samples.filter((s) => s.start >= Math.max(healthyAt, writeOkAt) + 500);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((s) => s.status >= 300)).toEqual([]);
    expect(health.filter((s) => s.start >= healthyAt).every((s) => s.status === 200)).toBe(true);
    expect(ordersSeen.size).toBeGreaterThan(ordersBefore.size); // purchases went through again
  });

  it('loses nothing written before the outage', () => {
    expect(usersBefore.size).toBeGreaterThan(5);
    expect([...usersBefore].filter((id) => !existingUsers.has(id))).toEqual([]);
    const ids = new Set(finalOrders.map((o) => o.id));
    expect([...ordersBefore].filter((id) => !ids.has(id))).toEqual([]);
  });

  it('leaves no order stuck, and charged every PAID order exactly once', () => {
    expect(finalOrders.filter((o) => !FINAL.includes(o.status))).toEqual([]);
    const charges = shop!.integrator.of('charge');
    const paid = finalOrders.filter((o) => o.status === 'PAID');
    expect(paid.length).toBeGreaterThanOrEqual(ordersBefore.size);
    for (const o of paid) {
      const keys = new Set(
        charges.filter((h) => h.payload.order_id === o.id).map((h) => h.headers['idempotency-key']),
      );
      expect(keys.size, `charges of ${o.id}`).toBe(1);
    }
    // No order other than a PAID one was charged; and two orders never share a key.
    const charged = new Set(charges.map((h) => String(h.payload.order_id)));
    expect([...charged].filter((id) => !paid.some((o) => o.id === id))).toEqual([]);
    const keyOwner = new Map<string, string>();
    for (const h of charges) {
      const key = String(h.headers['idempotency-key']);
      expect(keyOwner.get(key) ?? String(h.payload.order_id)).toBe(String(h.payload.order_id));
      keyOwner.set(key, String(h.payload.order_id));
    }
  });
});
