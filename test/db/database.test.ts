import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { companies, createCompany } from '../../src/commerce/index.js';
import { openDatabase, redactUrl } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { DatabaseLockedError } from '../../src/db/pglite-lock.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/database.js';

async function appliedMigrations(db: Awaited<ReturnType<typeof openDatabase>>['db']) {
  const rows = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return (
    (rows as unknown as { rows?: { n: number }[] }).rows?.[0]?.n ?? (rows as unknown as { n: number }[])[0]?.n
  );
}

describe('embedded PGlite folder', () => {
  it('is locked by the process that opens it, and keeps its data across reopenings', async () => {
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'aisle-db-')), 'pglite');
    const first = await openDatabase({ driver: 'pglite', dir });
    await migrateDatabase(first);
    await createCompany(first.db, { name: 'Persisted' });

    await expect(openDatabase({ driver: 'pglite', dir })).rejects.toBeInstanceOf(DatabaseLockedError);
    await expect(openDatabase({ driver: 'pglite', dir })).rejects.toThrow(/in use by another Aisle process/);
    await first.close();

    const second = await openDatabase({ driver: 'pglite', dir });
    try {
      await migrateDatabase(second); // a second run applies nothing and breaks nothing
      expect(await appliedMigrations(second.db)).toBeGreaterThan(0);
      expect((await second.db.select().from(companies)).map((c) => c.name)).toEqual(['Persisted']);
    } finally {
      await second.close();
    }
  });
});

describe.skipIf(!POSTGRES_URL)('Postgres (DATABASE_URL)', () => {
  it('migrates once when several nodes start at the same moment', async () => {
    const fresh = await createPostgresDatabase(POSTGRES_URL!);
    const nodes = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ driver: 'postgres', url: fresh.url })),
    );
    try {
      await Promise.all(nodes.map((n) => migrateDatabase(n)));
      const files = (await fs.readdir(new URL('../../src/db/migrations', import.meta.url))).filter((f) =>
        f.endsWith('.sql'),
      );
      expect(await appliedMigrations(nodes[0]!.db)).toBe(files.length);
      await createCompany(nodes[1]!.db, { name: 'Shared' });
      expect(await nodes[2]!.db.select().from(companies)).toHaveLength(1);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await fresh.drop();
    }
  });
});

describe('redactUrl', () => {
  it('hides the password of a database URL', () => {
    expect(redactUrl('postgres://aisle:hunter2@db:5432/aisle')).toBe('postgres://aisle:***@db:5432/aisle');
    expect(redactUrl('postgres://db/aisle')).toBe('postgres://db/aisle');
  });
});
