// `--profile` for bench:checkout: where a confirm() spends its time. Times every drizzle query (by statement kind
// and table) and every transaction (BEGIN to COMMIT), in the bench process only, by wrapping drizzle's session
// classes; the search-index sync that checkout starts in the background is tagged apart, since it is off the critical
// path. Adds a little time of its own: read its figures as a breakdown, not as the benchmark's result.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { PglitePreparedQuery, PgliteSession } from 'drizzle-orm/pglite/session';
import { PostgresJsPreparedQuery, PostgresJsSession } from 'drizzle-orm/postgres-js/session';
import type { Deps } from '../../src/app.js';
import { percentile } from '../search/metrics.js';

type Fn = (...args: unknown[]) => Promise<unknown>;
type Scope = { tx?: string; background?: boolean };

const TX_NAMES = ['place order', 'settle balance_check', 'settle charge'];
const ms = (x: number) => Math.round(x * 1000) / 1000;

/** "select quotes", "insert order_items", "select variants for update"… */
export function statementOf(text: string): string {
  const q = text.trim().toLowerCase();
  const verb = /^(\w+)/.exec(q)?.[1] ?? '?';
  const table =
    verb === 'insert'
      ? /^insert into "(\w+)"/.exec(q)?.[1]
      : verb === 'update'
        ? /^update "(\w+)"/.exec(q)?.[1]
        : verb === 'delete'
          ? /^delete from "(\w+)"/.exec(q)?.[1]
          : /\bfrom "(\w+)"/.exec(q)?.[1];
  return `${verb} ${table ?? '?'}${/\bfor update\b/.test(q) ? ' for update' : ''}`;
}

export type Profiler = ReturnType<typeof startProfiler>;

export function startProfiler(deps: Deps) {
  const als = new AsyncLocalStorage<Scope>();
  let active = false;
  let txCount = 0;
  let current = new Map<string, number>(); // bucket -> ms within this order
  let counts = new Map<string, number>(); // bucket -> queries within this order
  const perOrder: Map<string, number>[] = [];
  const perOrderCounts: Map<string, number>[] = [];
  const add = (bucket: string, dt: number, count = true) => {
    if (!active) return;
    current.set(bucket, (current.get(bucket) ?? 0) + dt);
    if (count) counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  };

  const restore: (() => void)[] = [];
  function patch(proto: object, name: string, wrap: (orig: Fn) => Fn) {
    const target = proto as Record<string, Fn>;
    const orig = target[name]!;
    target[name] = wrap(orig);
    restore.push(() => {
      target[name] = orig;
    });
  }

  const timeQuery = (orig: Fn) =>
    async function (this: { queryString: string }, ...args: unknown[]) {
      const scope = als.getStore();
      const t0 = performance.now();
      try {
        return await orig.apply(this, args);
      } finally {
        const where = scope?.background ? 'background' : scope?.tx ? `tx ${scope.tx}` : 'no tx';
        add(`${where} | ${statementOf(this.queryString)}`, performance.now() - t0);
      }
    };
  const timeTransaction = (orig: Fn) =>
    async function (this: unknown, fn: unknown, ...rest: unknown[]) {
      const outer = als.getStore();
      if (outer?.background || !active) return orig.call(this, fn, ...rest);
      const name = TX_NAMES[txCount] ?? `transaction ${txCount + 1}`;
      txCount++;
      const t0 = performance.now();
      let bodyStart = t0;
      let bodyEnd = t0;
      const body = async (tx: unknown) => {
        bodyStart = performance.now();
        try {
          return await als.run({ tx: name }, () => (fn as Fn)(tx));
        } finally {
          bodyEnd = performance.now();
        }
      };
      try {
        return await orig.call(this, body, ...rest);
      } finally {
        const t1 = performance.now();
        add(`transaction | ${name} (BEGIN..COMMIT)`, t1 - t0);
        add(`transaction | ${name}: connection + BEGIN`, bodyStart - t0, false);
        add(`transaction | ${name}: body`, bodyEnd - bodyStart, false);
        add(`transaction | ${name}: COMMIT`, t1 - bodyEnd, false);
      }
    };
  for (const proto of [PostgresJsPreparedQuery.prototype, PglitePreparedQuery.prototype]) {
    patch(proto, 'execute', timeQuery);
    patch(proto, 'all', timeQuery);
  }
  for (const proto of [PostgresJsSession.prototype, PgliteSession.prototype]) {
    patch(proto, 'transaction', timeTransaction);
  }
  const catalog = deps.catalog as { sync: (ids: string[]) => Promise<unknown> };
  const sync = catalog.sync;
  catalog.sync = (ids) =>
    als.run({ background: true }, () => {
      const t0 = performance.now();
      return sync(ids).finally(() => add('background | search index sync (whole)', performance.now() - t0));
    });
  restore.push(() => {
    catalog.sync = sync;
  });

  return {
    begin() {
      active = true;
      txCount = 0;
      current = new Map();
      counts = new Map();
    },
    end(totalMs: number, roundTrips: number[]) {
      active = false;
      current.set(
        'webhook | round trips (fetch to end of body)',
        roundTrips.reduce((a, b) => a + b, 0),
      );
      counts.set('webhook | round trips (fetch to end of body)', roundTrips.length);
      const foreground = [...current]
        .filter(([k]) => k.endsWith('(BEGIN..COMMIT)') || k.startsWith('no tx') || k.startsWith('webhook'))
        .reduce((a, [, v]) => a + v, 0);
      current.set('total | confirm()', totalMs);
      current.set('total | unaccounted (JS, pool waits, event loop)', totalMs - foreground);
      perOrder.push(current);
      perOrderCounts.push(counts);
    },
    async report() {
      const buckets = new Set(perOrder.flatMap((m) => [...m.keys()]));
      const rows = [...buckets].sort().map((bucket) => {
        const xs = perOrder.map((m) => m.get(bucket) ?? 0).sort((a, b) => a - b);
        const n = perOrderCounts.reduce((a, m) => a + (m.get(bucket) ?? 0), 0) / perOrder.length;
        return {
          bucket,
          queries_per_order: ms(n),
          mean_ms: ms(xs.reduce((a, b) => a + b, 0) / xs.length),
          p50_ms: ms(percentile(xs, 50)),
        };
      });
      // One round trip to the database with nothing to do, for scale.
      const ping: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        await deps.db.execute(sql`select 1`);
        if (i >= 50) ping.push(performance.now() - t0);
      }
      ping.sort((a, b) => a - b);
      const queries = rows
        .filter((r) => r.bucket.startsWith('no tx') || r.bucket.startsWith('tx '))
        .reduce((a, r) => a + r.queries_per_order, 0);
      return {
        orders: perOrder.length,
        note: 'per order; transaction rows include their queries, which are also listed under "tx <name>"',
        select_1_round_trip_p50_ms: ms(percentile(ping, 50)),
        foreground_queries_per_order: ms(queries),
        buckets: rows,
      };
    },
    stop() {
      for (const r of restore.reverse()) r();
    },
  };
}
