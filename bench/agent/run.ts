// `npm run bench:agent`: what the chat agent adds to a turn beyond the model's own time, and how the socket holds
// 1,000 shoppers at once.
// 1. Sequential turns on one socket, each one tool round (search_products) then a short answer, with a model that
//    answers at once, in two variants turn by turn: an in-process ModelClient, and the real Anthropic SDK against
//    the fake Anthropic API (test/fakes/anthropic.ts) on loopback. overhead = socket in → agent_response out − the
//    time spent inside the model's respond(); with a breakdown of the rest.
// 2. BENCH_SOCKETS sockets (one shopper each) held open, each sending one message at once, against the app in a child
//    process (server.ts) that reports its own memory: every answer, errors, closes, wall time, memory per socket.
// PGlite in memory by default, `--driver postgres` for a fresh database on DATABASE_URL (dropped at the end). Prints
// one JSON document; progress goes to stderr.
import { fork, execSync, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { desc, eq } from 'drizzle-orm';
import { PglitePreparedQuery } from 'drizzle-orm/pglite/session';
import { PostgresJsPreparedQuery } from 'drizzle-orm/postgres-js/session';
import pino from 'pino';
import WebSocket from 'ws';
import { createAnthropicModel } from '../../src/agent/anthropic.js';
import { loadContext } from '../../src/agent/memory.js';
import type { ModelClient } from '../../src/agent/model.js';
import { systemPrompt } from '../../src/agent/prompt.js';
import { chatMessages } from '../../src/agent/schema.js';
import { modelTools, runToolCall } from '../../src/agent/tools.js';
import { buildApp, createDeps, type Deps } from '../../src/app.js';
import { createCompany, getCompany, registerUser, type UserRow } from '../../src/commerce/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { DatabaseTarget } from '../../src/db/client.js';
import type { ToolContext } from '../../src/tools/index.js';
import { searchProducts } from '../../src/tools/search-products.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../test/fakes/anthropic.js';
import { percentile } from '../search/metrics.js';
import { ANSWER, fakeAnthropicScript, instantModel, timed } from './model.js';
import { createPostgresDatabase } from '../../test/helpers/database.js';

const { values: args } = parseArgs({
  options: {
    driver: { type: 'string', default: process.env.BENCH_DRIVER ?? 'pglite' },
    turns: { type: 'string', default: process.env.BENCH_TURNS ?? '300' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '30' },
    sockets: { type: 'string', default: process.env.BENCH_SOCKETS ?? '1000' },
    'open-concurrency': { type: 'string', default: process.env.BENCH_OPEN_CONCURRENCY ?? '100' },
    'timeout-ms': { type: 'string', default: process.env.BENCH_TIMEOUT_MS ?? '120000' },
    only: { type: 'string', default: process.env.BENCH_ONLY ?? '' },
  },
});
const DRIVER = args.driver;
if (DRIVER !== 'postgres' && DRIVER !== 'pglite') throw new Error('--driver is pglite or postgres');
if (args.only && args.only !== 'turns' && args.only !== 'sockets')
  throw new Error('--only is turns or sockets');
const TURNS = Number(args.turns);
const WARMUP = Number(args.warmup);
const SOCKETS = Number(args.sockets);
const OPEN_CONCURRENCY = Number(args['open-concurrency']);
const TIMEOUT_MS = Number(args['timeout-ms']);
const BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const TARGET_OVERHEAD_P50_MS = 5;
const WARMUP_SOCKETS = 20;
const QUERY = 'running shoes under $150 in size 10';
const INLINE_COMPANY = 'Bench Inline';
const SDK_COMPANY = 'Bench SDK';

const log = (msg: string) => process.stderr.write(`[bench:agent] ${msg}\n`);
const ms = (x: number) => Math.round(x * 1000) / 1000;
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));
function dist(xs: number[]) {
  const sorted = ascending(xs);
  const p = (q: number) => ms(percentile(sorted, q));
  return { p50_ms: p(50), p90_ms: p(90), p99_ms: p(99), mean_ms: ms(sum(sorted) / sorted.length) };
}
const ascending = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => ms(percentile(ascending(xs), 50));

// ---- where a turn's time goes ------------------------------------------------------------------------------------
// Turns run one at a time, so whatever is timed while `current` is set belongs to the turn being measured.
type Parts = {
  model: number[];
  chat: number; // deps.agent.chat(): the whole turn inside the agent
  history: number; // select chat_messages (loadContext)
  saves: number; // insert chat_messages (the user's message, the assistant's)
  otherDb: number; // any other query (none expected; the Postgres index refresher if it runs meanwhile)
  tool: number; // search_products' run()
  queries: number;
};
let current: Parts | null = null;
const newParts = (): Parts => ({
  model: [],
  chat: 0,
  history: 0,
  saves: 0,
  otherDb: 0,
  tool: 0,
  queries: 0,
});

type Fn = (...a: unknown[]) => Promise<unknown>;
function instrument(deps: Deps) {
  const timeQuery = (orig: Fn) =>
    async function (this: { queryString: string }, ...a: unknown[]) {
      const parts = current;
      const t0 = performance.now();
      try {
        return await orig.apply(this, a);
      } finally {
        if (parts) {
          const dt = performance.now() - t0;
          const q = this.queryString.trimStart().toLowerCase();
          parts.queries++;
          if (q.includes('"chat_messages"') && q.startsWith('select')) parts.history += dt;
          else if (q.startsWith('insert into "chat_messages"')) parts.saves += dt;
          else parts.otherDb += dt;
        }
      }
    };
  for (const proto of [PostgresJsPreparedQuery.prototype, PglitePreparedQuery.prototype]) {
    const target = proto as unknown as Record<string, Fn>;
    for (const name of ['execute', 'all']) target[name] = timeQuery(target[name]!);
  }
  const run = searchProducts.run.bind(searchProducts);
  searchProducts.run = async (ctx, input) => {
    const parts = current;
    const t0 = performance.now();
    try {
      return await run(ctx, input);
    } finally {
      if (parts) parts.tool += performance.now() - t0;
    }
  };
  const chat = deps.agent.chat.bind(deps.agent);
  deps.agent.chat = (ctx, text, onEvent) => {
    const parts = current;
    const t0 = performance.now();
    const p = chat(ctx, text, onEvent);
    if (parts)
      p.then(
        () => (parts.chat = performance.now() - t0),
        () => {},
      );
    return p;
  };
}

// ---- a lean socket client -----------------------------------------------------------------------------------------
type Event = { type: string; [key: string]: unknown };
type Client = {
  ws: WebSocket;
  events: Event[];
  /** The next agent_response, or a rejection on close or timeout. */
  answer(timeoutMs: number): Promise<Event>;
  errors: Event[];
  close: { code: number; reason: string } | null;
};

function openClient(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  let waiter: ((e: Event | Error) => void) | null = null;
  const client: Client = {
    ws,
    events: [],
    errors: [],
    close: null,
    answer(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = null;
          reject(new Error('timeout'));
        }, timeoutMs);
        waiter = (e) => {
          clearTimeout(timer);
          waiter = null;
          if (e instanceof Error) reject(e);
          else resolve(e);
        };
      });
    },
  };
  ws.on('message', (data) => {
    const event = JSON.parse(data.toString()) as Event;
    if (event.type === 'agent_response') waiter?.(event);
    else if (event.type === 'error') client.errors.push(event);
  });
  ws.on('close', (code, reason) => {
    client.close = { code, reason: reason.toString() };
    waiter?.(new Error(`closed ${code} ${reason.toString()}`));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

// ---- 1. sequential turns -----------------------------------------------------------------------------------------
type Variant = 'inline' | 'sdk';
type TurnFigures = { total: number; parts: Parts };

async function sequentialTurns(target: DatabaseTarget) {
  const fake: FakeAnthropic = await startFakeAnthropic({ script: fakeAnthropicScript });
  const base = loadConfig({
    LOG_LEVEL: 'silent',
    ANTHROPIC_API_KEY: fake.apiKey,
    ANTHROPIC_BASE_URL: fake.url,
  });
  // 30 messages a minute per socket is the default; hundreds of sequential turns on one socket need more.
  const config: Config = { ...base, chat: { ...base.chat, messagesPerMinute: 1_000_000_000 } };
  const sink = () => current?.model ?? null;
  const inline = timed(instantModel(), sink);
  const sdk = timed(createAnthropicModel(config.agent), sink);
  // One app for both variants, so that they alternate turn by turn: each company's system prompt names it.
  const model: ModelClient = {
    model: 'bench',
    offline: false,
    respond: (request, onText, signal) =>
      (request.system.includes(SDK_COMPANY) ? sdk : inline).respond(request, onText, signal),
  };
  const deps = await createDeps(config, {
    database: target,
    demoCatalog: true,
    logger: pino({ level: 'silent' }),
    worker: false,
    model,
  });
  instrument(deps);
  const app = await buildApp(deps);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const clients = {} as Record<Variant, Client>;
    const users = {} as Record<Variant, UserRow>;
    for (const [variant, name] of [
      ['inline', INLINE_COMPANY],
      ['sdk', SDK_COMPANY],
    ] as const) {
      const { company, secretKey } = await createCompany(deps.db, { name });
      const { user } = await registerUser(deps.db, company.id, {
        externalUserId: `bench-${variant}`,
        displayName: 'Bench',
      });
      users[variant] = user;
      const q = new URLSearchParams({
        client_id: company.clientId,
        secret_key: secretKey,
        user_id: user.externalUserId,
      });
      clients[variant] = await openClient(`ws://127.0.0.1:${port}/ws/agent/?${q.toString()}`);
    }

    const figures: Record<Variant, TurnFigures[]> = { inline: [], sdk: [] };
    log(
      `${WARMUP} warm-up turns, then ${TURNS} measured, per variant (in-process model and SDK alternating)`,
    );
    for (let i = 0; i < WARMUP + TURNS; i++) {
      for (const variant of ['inline', 'sdk'] as const) {
        const client = clients[variant];
        const parts = newParts();
        current = parts;
        const t0 = performance.now();
        client.ws.send(JSON.stringify({ message: QUERY }));
        const answer = await client.answer(30_000);
        const total = performance.now() - t0;
        current = null;
        if (answer.message !== ANSWER || !Array.isArray(answer.products) || !answer.products.length)
          throw new Error(`${variant} turn ${i}: unexpected answer ${JSON.stringify(answer).slice(0, 300)}`);
        if (client.errors.length) throw new Error(`${variant} turn ${i}: ${JSON.stringify(client.errors)}`);
        if (parts.model.length !== 2)
          throw new Error(`${variant} turn ${i}: ${parts.model.length} model calls, expected 2`);
        if (i >= WARMUP) figures[variant].push({ total, parts });
      }
      if ((i + 1) % 50 === 0) log(`turn ${i + 1}/${WARMUP + TURNS}`);
    }
    if (fake.problems.length) throw new Error(`fake Anthropic: ${fake.problems.join('; ')}`);

    const summary = (xs: TurnFigures[]) => {
      const model = xs.map((x) => sum(x.parts.model));
      const overhead = xs.map((x, i) => x.total - model[i]!);
      const bucket = (f: (x: TurnFigures) => number) => {
        const v = xs.map(f);
        return { p50_ms: median(v), mean_ms: ms(sum(v) / v.length) };
      };
      // loadContext reads the latest LOOKBACK (200) rows, two a turn: the history grows, then stays at 200 rows.
      const byRows: Record<string, number[]> = {};
      for (const [i, o] of overhead.entries()) {
        const rows = Math.min(200, 2 * (WARMUP + i));
        const key = rows === 200 ? '200' : `${Math.floor(rows / 50) * 50}-${Math.floor(rows / 50) * 50 + 49}`;
        (byRows[key] ??= []).push(o);
      }
      return {
        total: dist(xs.map((x) => x.total)),
        model: dist(model),
        overhead: dist(overhead),
        overhead_p50_by_history_rows_read: Object.fromEntries(
          Object.entries(byRows).map(([k, v]) => [k, { turns: v.length, p50_ms: median(v) }]),
        ),
        breakdown: {
          note:
            'per turn; means add up to the overhead mean, medians need not. socket = everything outside ' +
            'agent.chat() (frame in, JSON.parse, rate limit, the agent_response JSON.stringify and frame out, ' +
            'client); other_js = agent.chat() minus the model, the queries and the tool',
          socket_and_framing: bucket((x) => x.total - x.parts.chat),
          history_load: bucket((x) => x.parts.history),
          message_saves: bucket((x) => x.parts.saves),
          tool_run: bucket((x) => x.parts.tool),
          other_queries: bucket((x) => x.parts.otherDb),
          other_js: bucket(
            (x) =>
              x.parts.chat -
              sum(x.parts.model) -
              x.parts.history -
              x.parts.saves -
              x.parts.tool -
              x.parts.otherDb,
          ),
          queries_per_turn: ms(sum(xs.map((x) => x.parts.queries)) / xs.length),
        },
      };
    };
    const results = { inline: summary(figures.inline), sdk: summary(figures.sdk) };
    const jsCosts = await measureJsCosts(deps, users.inline, config);
    for (const c of Object.values(clients)) c.ws.close(1000);
    return { ...results, js_costs: jsCosts };
  } finally {
    await app.close();
    await deps.close();
    await fake.close();
  }
}

/** The JavaScript pieces of a turn, each timed alone (median of 200), with the inline shopper's final history. */
async function measureJsCosts(deps: Deps, user: UserRow, config: Config) {
  const company = await getCompany(deps.db, user.companyId);
  const ctx: ToolContext = {
    company,
    user,
    services: { db: deps.db, catalog: deps.catalog, checkout: deps.checkout },
  };
  const time = async (f: () => unknown, n = 200) => {
    for (let i = 0; i < 20; i++) await f();
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await f();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const toolRun = await runToolCall(ctx, {
    type: 'tool_use',
    id: 'toolu_x',
    name: 'search_products',
    input: { query: QUERY },
    caller: { type: 'direct' },
  });
  const history = await loadContext(deps.db, user.id, config.agent.contextTokens);
  const rows = await deps.db
    .select()
    .from(chatMessages)
    .where(eq(chatMessages.userId, user.id))
    .orderBy(desc(chatMessages.seq))
    .limit(200);
  const event = {
    type: 'agent_response',
    message: ANSWER,
    products: toolRun.output!.products,
    message_id: 'msg_x',
    timestamp: new Date().toISOString(),
  };
  return {
    note: 'each piece alone, p50 of 200 calls, with the in-process shopper history as it is after the turns',
    model_tools_ms: await time(() => modelTools(ctx)),
    system_prompt_ms: await time(() => systemPrompt(company)),
    search_products_run_ms: await time(() => searchProducts.run(ctx, { query: QUERY, limit: 8, page: 1 })),
    run_tool_call_ms: await time(() =>
      runToolCall(ctx, {
        type: 'tool_use',
        id: 'toolu_x',
        name: 'search_products',
        input: { query: QUERY },
        caller: { type: 'direct' },
      }),
    ),
    tool_result_bytes: JSON.stringify(toolRun.output).length,
    tool_result_stringify_ms: await time(() => JSON.stringify(toolRun.output)),
    load_context_ms: await time(() => loadContext(deps.db, user.id, config.agent.contextTokens), 50),
    history_rows_read: rows.length,
    history_rows_bytes: JSON.stringify(rows).length,
    history_messages_sent_to_model: history.length,
    history_sent_to_model_bytes: JSON.stringify(history).length,
    history_stringify_ms: await time(() => JSON.stringify(history)),
    agent_response_bytes: JSON.stringify(event).length,
    agent_response_stringify_ms: await time(() => JSON.stringify(event)),
  };
}

// ---- 2. many sockets at once, against a server in a child process ------------------------------------------------
type Memory = {
  rss: number;
  heap_used: number;
  heap_total: number;
  external: number;
  array_buffers: number;
  cpu_ms: number;
  open_sockets: number;
  gc_exposed: boolean;
};

function startServer(databaseUrl: string | undefined) {
  const child: ChildProcess = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_SERVER_USERS: String(SOCKETS),
      BENCH_SERVER_DATABASE_URL: databaseUrl ?? '',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const call = <T>(type: string): Promise<T> =>
    new Promise((resolve) => {
      const id = ++nextId;
      const on = (msg: { id?: number } & Record<string, unknown>) => {
        if (msg.id !== id) return;
        child.off('message', on);
        resolve(msg as T);
      };
      child.on('message', on);
      child.send({ type, id });
    });
  const ready = new Promise<{ port: number; clientId: string; secretKey: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
    const on = (msg: { type: string; port: number; clientId: string; secretKey: string }) => {
      if (msg.type !== 'ready') return;
      child.off('message', on);
      resolve(msg);
    };
    child.on('message', on);
  });
  return {
    ready,
    memory: async () => (await call<{ memory: Memory }>('memory')).memory,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call('stop');
      await exited;
    },
    kill: () => child.exitCode === null && child.kill(),
  };
}

function nofileLimit() {
  try {
    return execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function manySockets(databaseUrl: string | undefined) {
  log(`starting the server process; registering ${SOCKETS} shoppers`);
  const server = startServer(databaseUrl);
  try {
    const { port, clientId, secretKey } = await server.ready;
    const url = (i: number | 'warmup') =>
      `ws://127.0.0.1:${port}/ws/agent/?${new URLSearchParams({
        client_id: clientId,
        secret_key: secretKey,
        user_id: `bench-${i}`,
      }).toString()}`;
    // Warm the server's code paths first (a socket, a turn, a close, 20 times), so that the memory figures below
    // are sockets and turns rather than compiled code and first-use caches.
    for (let i = 0; i < WARMUP_SOCKETS; i++) {
      const c = await openClient(url('warmup'));
      c.ws.send(JSON.stringify({ message: QUERY }));
      await c.answer(30_000);
      c.ws.close(1000);
      await new Promise((resolve) => c.ws.once('close', resolve));
    }
    await sleep(500);
    const before = await server.memory();

    log(`opening ${SOCKETS} sockets, ${OPEN_CONCURRENCY} at a time`);
    const clients: (Client | null)[] = new Array(SOCKETS).fill(null);
    const openErrors: Record<string, number> = {};
    const o0 = performance.now();
    let nextIndex = 0;
    await Promise.all(
      Array.from({ length: Math.min(OPEN_CONCURRENCY, SOCKETS) }, async () => {
        while (nextIndex < SOCKETS) {
          const i = nextIndex++;
          try {
            clients[i] = await openClient(url(i));
          } catch (err) {
            const e = err as NodeJS.ErrnoException;
            const key = e.code ?? e.message;
            openErrors[key] = (openErrors[key] ?? 0) + 1;
          }
        }
      }),
    );
    const openWall = performance.now() - o0;
    const open = clients.filter((c): c is Client => c !== null);
    await sleep(1000); // the server binds each socket (company, user) after the upgrade
    const idle = await server.memory();
    log(
      `${open.length} open (${ms(openWall)} ms); server holds ${idle.open_sockets}; one message on each at once`,
    );

    const latencies: number[] = [];
    const failures: Record<string, number> = {};
    const t0 = performance.now();
    const turns = open.map((c) => {
      const sent = performance.now();
      const answer = c.answer(TIMEOUT_MS).then(
        (e) => {
          latencies.push(performance.now() - sent);
          if (e.message !== ANSWER) failures.wrong_answer = (failures.wrong_answer ?? 0) + 1;
        },
        (err: Error) => {
          const key = err.message === 'timeout' ? 'timeout' : 'closed';
          failures[key] = (failures[key] ?? 0) + 1;
        },
      );
      c.ws.send(JSON.stringify({ message: QUERY }));
      return answer;
    });
    await Promise.all(turns);
    const wall = performance.now() - t0;
    await sleep(200); // error events that follow an agent_response
    const errorEvents: Record<string, number> = {};
    for (const c of open)
      for (const e of c.errors) errorEvents[String(e.code)] = (errorEvents[String(e.code)] ?? 0) + 1;
    const closedEarly = open.filter((c) => c.close !== null);
    const afterTurns = await server.memory();
    log(`${latencies.length}/${open.length} answered in ${ms(wall)} ms`);

    for (const c of open) c.ws.close(1000);
    await Promise.all(
      open.map((c) => (c.close ? undefined : new Promise((resolve) => c.ws.once('close', resolve)))),
    );
    await sleep(500);
    const afterClose = await server.memory();

    const perSocket = (a: Memory, b: Memory) => ({
      heap_used_kb: kb((b.heap_used - a.heap_used) / SOCKETS),
      external_kb: kb((b.external - a.external) / SOCKETS),
      array_buffers_kb: kb((b.array_buffers - a.array_buffers) / SOCKETS),
      rss_kb: kb((b.rss - a.rss) / SOCKETS),
    });
    const mb = (m: Memory) => ({
      rss_mb: kb(m.rss / 1024),
      heap_used_mb: kb(m.heap_used / 1024),
      external_mb: kb(m.external / 1024),
      array_buffers_mb: kb(m.array_buffers / 1024),
      open_sockets: m.open_sockets,
    });
    const answered = latencies.length;
    const figures = {
      sockets: SOCKETS,
      open_concurrency: OPEN_CONCURRENCY,
      nofile_limit: nofileLimit(),
      opened: open.length,
      open_errors: openErrors,
      emfile: (openErrors.EMFILE ?? 0) > 0,
      open_wall_ms: ms(openWall),
      server_sockets_open_when_idle: idle.open_sockets,
      answered,
      failures,
      error_events: errorEvents,
      closed_by_server: closedEarly.length,
      wall_ms: ms(wall),
      turns_per_second: ms(answered / (wall / 1000)),
      latency: dist(latencies),
      max_latency_ms: ms(Math.max(...latencies)),
      server_cpu_ms_per_turn: ms((afterTurns.cpu_ms - idle.cpu_ms) / Math.max(1, answered)),
      memory: {
        gc_exposed: before.gc_exposed,
        before: mb(before),
        idle: mb(idle),
        after_turns: mb(afterTurns),
        after_close: mb(afterClose),
        per_idle_socket: perSocket(before, idle),
        per_socket_after_one_turn: perSocket(before, afterTurns),
        per_socket_left_after_close: perSocket(before, afterClose),
      },
    };
    const ok =
      open.length === SOCKETS &&
      answered === SOCKETS &&
      !Object.keys(failures).length &&
      !Object.keys(errorEvents).length &&
      !closedEarly.length;
    return { ...figures, ok };
  } finally {
    await server.stop().catch(() => server.kill());
  }
}

// ---- main --------------------------------------------------------------------------------------------------------
const database = DRIVER === 'postgres' ? await createPostgresDatabase(BASE_URL, 'aisle_bench') : null;
const target: DatabaseTarget = database
  ? { driver: 'postgres', url: database.url }
  : { driver: 'pglite', dir: null };
log(`driver ${DRIVER}${database ? ` (fresh database on ${new URL(BASE_URL).host})` : ' (in memory)'}`);
const loadAtStart = os.loadavg();
try {
  const turns = args.only === 'sockets' ? undefined : await sequentialTurns(target);
  const loadAfterTurns = os.loadavg();
  const sockets = args.only === 'turns' ? undefined : await manySockets(database?.url);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'agent-overhead',
        machine: {
          cpus: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          node: process.version,
          load_at_start: loadAtStart.map(ms),
          load_after_turns: loadAfterTurns.map(ms),
          load_at_end: os.loadavg().map(ms),
        },
        driver: DRIVER,
        method:
          `${TURNS} sequential turns per variant (after ${WARMUP} warm-up) on one socket each, the two variants ` +
          `alternating turn by turn, on the demo catalog: {"message": "${QUERY}"} in, agent_response out; the ` +
          'model calls search_products with that text, then answers in one sentence. inline = an in-process ' +
          'ModelClient answering at once; sdk = the Anthropic SDK client (createAnthropicModel, streaming) against ' +
          'the fake Anthropic API on loopback. overhead = client send to agent_response received - time inside ' +
          'respond() (both model calls). Then the sockets test: BENCH_SOCKETS shoppers, one socket each, against ' +
          'the app in a child process with the in-process model; memory after global.gc() in that process.',
        target: {
          overhead_p50_ms: TARGET_OVERHEAD_P50_MS,
          ...(turns && {
            met_inline: turns.inline.overhead.p50_ms <= TARGET_OVERHEAD_P50_MS,
            met_sdk: turns.sdk.overhead.p50_ms <= TARGET_OVERHEAD_P50_MS,
          }),
        },
        ...(turns && { turns: { turns: TURNS, warmup: WARMUP, ...turns } }),
        ...(sockets && { sockets }),
      },
      null,
      2,
    )}\n`,
  );
  if (sockets && !sockets.ok) {
    log('the sockets test failed: see sockets.failures, error_events, open_errors');
    process.exitCode = 1;
  }
} finally {
  await database?.drop();
}
