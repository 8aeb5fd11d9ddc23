// Opens the database: Postgres through postgres.js when DATABASE_URL is set, else embedded PGlite. One Db type serves both.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Config } from '../config.js';
import { lockDataDir } from './pglite-lock.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget = { driver: 'postgres'; url: string } | { driver: 'pglite'; dir: string | null };

export type Database = {
  db: Db;
  driver: DatabaseTarget['driver'];
  /** Where the data is, safe to print: the Postgres URL without its password, or the PGlite folder. */
  location: string;
  /** For migrations: runs `fn` while holding a lock that other processes on the same database wait for. */
  withMigrationLock<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export function databaseTarget(config: Pick<Config, 'databaseUrl' | 'dataDir'>): DatabaseTarget {
  return config.databaseUrl
    ? { driver: 'postgres', url: config.databaseUrl }
    : { driver: 'pglite', dir: path.join(config.dataDir, 'pglite') };
}

export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

// Any constant shared by every Aisle process; it names the advisory lock that serialises migrations.
const MIGRATION_LOCK_KEY = 7_361_642_001;

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.driver === 'postgres') {
    const client = postgres(target.url, {
      max: 10,
      onnotice: () => {},
      connect_timeout: 10,
      // Reconnect within half a second once the database is back. postgres.js's default backoff (3^n / 100 s per
      // failed attempt, up to 20 s, shared by the pool) left a node waiting 5 to 10 s after a 2 s Postgres restart.
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    });
    const db = drizzlePostgres({ client, schema }) as unknown as Db;
    return {
      db,
      driver: 'postgres',
      location: redactUrl(target.url),
      async withMigrationLock(fn) {
        // A session-level advisory lock belongs to one connection: run the migration on a client of exactly one.
        const single = postgres(target.url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
        try {
          await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
          return await fn(drizzlePostgres({ client: single, schema }) as unknown as Db);
        } finally {
          await single.end({ timeout: 5 });
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }

  const release = target.dir ? await lockDataDir(path.dirname(target.dir)) : async () => {};
  let client: PGlite;
  try {
    client = await PGlite.create(target.dir ?? undefined);
  } catch (err) {
    await release();
    throw err;
  }
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    location: target.dir ?? 'memory',
    withMigrationLock: (fn) => fn(db), // the folder lock already keeps other processes out
    async close() {
      try {
        await client.close();
      } finally {
        await release();
      }
    },
  };
}

/**
 * Round-trips the database; throws when it cannot answer within `timeoutMs`. (While Postgres is down, a query waits
 * for a connection up to connect_timeout: /api/health must say 503 sooner than that.)
 */
export async function pingDatabase(db: Db, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([Promise.resolve(db.execute(sql`select 1`)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
