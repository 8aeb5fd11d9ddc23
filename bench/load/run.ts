// bench:load: REST and WebSocket load from this process, on loopback, against a live `aisle serve` child. PGlite (a
// fresh data folder, demo catalog) by default; `--driver postgres` for a fresh database on DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres). REST with autocannon: GET /api/v1/products/?q=running+shoes and
// GET /api/v1/users/{id}/orders/, with credentials; then N chat sockets (`ws`) each sending M messages in turn to the
// offline agent. JSON on stdout, progress on stderr.
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { createPostgresDatabase } from '../../test/helpers/database.js';
import {
  apiHeaders,
  cleanupProcesses,
  makeTempDir,
  request,
  runCliJson,
  startServer,
  type CreatedCompany,
  type Env,
} from '../../test/helpers/process.js';

const { values: args } = parseArgs({
  options: {
    driver: { type: 'string', default: 'pglite' },
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '10' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50' },
    sockets: { type: 'string', default: process.env.BENCH_SOCKETS ?? '100' },
    messages: { type: 'string', default: process.env.BENCH_MESSAGES ?? '10' },
  },
});
if (args.driver !== 'pglite' && args.driver !== 'postgres') throw new Error('--driver is pglite or postgres');
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const SOCKETS = Number(args.sockets);
const MESSAGES = Number(args.messages);
const log = (msg: string) => process.stderr.write(`[bench:load] ${msg}\n`);
const round = (n: number) => Math.round(n * 100) / 100;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function rest(baseUrl: string, path: string, headers: Record<string, string>) {
  log(`autocannon GET ${path}: ${CONNECTIONS} connections, ${DURATION} s`);
  const r = await autocannon({ url: baseUrl + path, connections: CONNECTIONS, duration: DURATION, headers });
  return {
    path,
    connections: CONNECTIONS,
    duration_s: DURATION,
    requests: r.requests.total,
    requests_per_s: round(r.requests.average),
    latency_ms: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    errors: r.errors,
    timeouts: r.timeouts,
    non_2xx: r.non2xx,
  };
}

type Socket = { ws: WebSocket; next(timeoutMs: number): Promise<{ type: string }> };

function openSocket(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const queue: { type: string }[] = [];
    let waiter: (() => void) | undefined;
    ws.on('message', (data) => {
      const event = JSON.parse(data.toString()) as { type: string };
      if (event.type === 'agent_response' || event.type === 'error') {
        queue.push(event);
        waiter?.();
      }
    });
    ws.on('close', () => waiter?.());
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        next: (timeoutMs) =>
          new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('timeout')), timeoutMs);
            const look = () => {
              const e = queue.shift();
              if (e) {
                clearTimeout(timer);
                waiter = undefined;
                res(e);
              } else if (ws.readyState !== WebSocket.OPEN) {
                clearTimeout(timer);
                rej(new Error('closed'));
              } else waiter = look;
            };
            look();
          }),
      }),
    );
  });
}

async function chat(baseUrl: string, company: CreatedCompany) {
  log(`${SOCKETS} chat sockets, ${MESSAGES} messages each, one at a time per socket`);
  const wsUrl = (i: number) =>
    `${baseUrl.replace(/^http/, 'ws')}/ws/agent/?${new URLSearchParams({
      client_id: company.client_id,
      secret_key: company.secret_key,
      user_id: `load-${i}`,
    }).toString()}`;
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const count = (key: string) => (errors[key] = (errors[key] ?? 0) + 1);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SOCKETS }, async (_, i) => {
      let socket: Socket;
      try {
        socket = await openSocket(wsUrl(i));
      } catch (err) {
        count(`open: ${(err as Error).message}`);
        return;
      }
      for (let m = 0; m < MESSAGES; m++) {
        const sent = performance.now();
        socket.ws.send(JSON.stringify({ message: m % 2 ? 'show me my orders' : 'running shoes under $150' }));
        try {
          const event = await socket.next(30_000);
          if (event.type === 'error') count(`error event: ${JSON.stringify(event)}`.slice(0, 200));
          else latencies.push(performance.now() - sent);
        } catch (err) {
          count((err as Error).message);
          break;
        }
      }
      socket.ws.close(1000);
    }),
  );
  const wall = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return {
    sockets: SOCKETS,
    messages_per_socket: MESSAGES,
    turns: latencies.length,
    wall_ms: Math.round(wall),
    turns_per_s: round(latencies.length / (wall / 1000)),
    turn_latency_ms: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
    errors,
  };
}

async function main() {
  const loadavgBefore = os.loadavg().map(round);
  const dataDir = await makeTempDir('aisle-bench-load-');
  let drop = async () => {};
  const env: Env = {
    AISLE_DATA_DIR: dataDir,
    AISLE_DEMO_CATALOG: 'auto',
    AISLE_RATE_LIMIT_PER_MINUTE: '1000000',
    ANTHROPIC_API_KEY: undefined,
    LOG_LEVEL: 'error',
  };
  if (args.driver === 'postgres') {
    const db = await createPostgresDatabase(
      process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    );
    env.DATABASE_URL = db.url;
    drop = db.drop;
  }
  try {
    log(`creating a company, then starting aisle serve (${args.driver}, demo catalog)`);
    const company = await runCliJson<CreatedCompany>(
      ['company', 'create', '--name', 'Bench Load', '--json'],
      env,
    );
    const server = await startServer(env, { timeoutMs: 120_000 });
    const headers = apiHeaders(company);
    const user = await request(server.baseUrl, 'POST', '/api/v1/users/', {
      headers,
      body: { external_user_id: 'load-rest', display_name: 'Load' },
    });
    const userId = (user.body as { id: string }).id;
    for (let i = 0; i < SOCKETS; i++) {
      await request(server.baseUrl, 'POST', '/api/v1/users/', {
        headers,
        body: { external_user_id: `load-${i}`, display_name: 'Load' },
      });
    }
    // Warm-up: first-use code paths, not the figures.
    await autocannon({ url: `${server.baseUrl}/api/v1/products/?q=running+shoes`, amount: 200, headers });

    const products = await rest(server.baseUrl, '/api/v1/products/?q=running+shoes', headers);
    const orders = await rest(server.baseUrl, `/api/v1/users/${userId}/orders/`, headers);
    const chatResult = await chat(server.baseUrl, company);
    const exit = await server.stop();
    process.stdout.write(
      JSON.stringify(
        {
          bench: 'load',
          driver: args.driver,
          node: process.version,
          cpus: os.cpus().length,
          loadavg_before: loadavgBefore,
          loadavg_after: os.loadavg().map(round),
          rest: [products, orders],
          chat: chatResult,
          server_exit: exit,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await cleanupProcesses();
    await drop();
  }
}

await main();
