// A fresh, empty database for one test file: in-memory PGlite by default, or a new Postgres database on the
// DATABASE_URL server (dropped afterwards), so files run in parallel without seeing each other's rows.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { DatabaseTarget } from '../../src/db/client.js';

export const POSTGRES_URL = process.env.DATABASE_URL || undefined;
export const DRIVER = POSTGRES_URL ? 'postgres' : 'pglite';

export type TestDatabase = { target: DatabaseTarget; url: string | undefined; drop(): Promise<void> };

/** Creates an empty Postgres database (`prefix_<random>`) on the server of `baseUrl`; returns its URL and a dropper. */
export async function createPostgresDatabase(
  baseUrl: string,
  prefix = 'aisle_test',
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists ${name} with (force)`);
      await sql.end();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!POSTGRES_URL) return { target: { driver: 'pglite', dir: null }, url: undefined, drop: async () => {} };
  const { url, drop } = await createPostgresDatabase(POSTGRES_URL);
  return { target: { driver: 'postgres', url }, url, drop };
}

/** A migrated database for service-level tests. */
export async function openTestDb() {
  const { openDatabase } = await import('../../src/db/client.js');
  const { migrateDatabase } = await import('../../src/db/migrate.js');
  const test = await createTestDatabase();
  const database = await openDatabase(test.target);
  await migrateDatabase(database);
  return {
    database,
    db: database.db,
    async close() {
      await database.close();
      await test.drop();
    },
  };
}
