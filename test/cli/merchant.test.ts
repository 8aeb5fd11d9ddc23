// `aisle merchant …` as a user runs it: connect a WooCommerce store (the fake) with a sync, list stores and runs;
// the credentials are checked with the store, stored encrypted, and never printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merchantConnections } from '../../src/catalog/connectors/schema.js';
import { openDatabase } from '../../src/db/client.js';
import { startFakeWooCommerce, type FakeWooCommerce } from '../fakes/woocommerce.js';
import { cleanupProcesses, makeTempDir, runCli, runCliJson } from '../helpers/process.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/database.js';

let woo: FakeWooCommerce;
let env: Record<string, string>;
let dropDb: (() => Promise<void>) | undefined;
const SECRET = 'cs_cli_test_secret_0123456789';

beforeAll(async () => {
  woo = await startFakeWooCommerce({
    consumerKey: 'ck_cli',
    consumerSecret: SECRET,
    webhookSecret: 'whs',
    products: 30,
  });
  const dir = await makeTempDir();
  env = { AISLE_DATA_DIR: dir, AISLE_ENCRYPTION_KEY: 'a-test-encryption-key-of-enough-length' };
  if (POSTGRES_URL) {
    const pg = await createPostgresDatabase(POSTGRES_URL);
    env.DATABASE_URL = pg.url;
    dropDb = pg.drop;
  }
});
afterAll(async () => {
  await woo.close();
  await cleanupProcesses();
  await dropDb?.();
});

describe('aisle merchant', () => {
  it('connects a store (checking the key first), syncs it, and lists stores and runs', async () => {
    const refused = await runCli(
      ['merchant', 'connect', 'woocommerce', '--url', woo.url, '--key', 'ck_cli', '--secret', 'cs_wrong'],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/consumer key was refused|401/i);

    const connected = await runCli(
      [
        'merchant',
        'connect',
        'woocommerce',
        '--url',
        woo.url,
        '--key',
        'ck_cli',
        '--secret',
        SECRET,
        '--name',
        'Woo Shop',
        '--sync',
      ],
      env,
    );
    expect(connected.code, connected.stderr).toBe(0);
    expect(connected.stdout).toMatch(/Connected woocommerce store .* as merchant mer_/);
    expect(connected.stdout).toMatch(/full sync syn_\w+: succeeded; \d+ fetched, \d+ created/);
    expect(connected.stdout + connected.stderr).not.toContain(SECRET);

    const stores = await runCliJson<{ merchant_id: string; platform: string; base_url: string }[]>(
      ['merchant', 'stores', '--json'],
      env,
    );
    expect(stores).toHaveLength(1);
    expect(stores[0]).toMatchObject({ platform: 'woocommerce', base_url: woo.url });
    expect(JSON.stringify(stores)).not.toContain(SECRET);

    const runs = await runCliJson<{ status: string; fetched: number; created: number }[]>(
      ['merchant', 'runs', 'Woo Shop', '--json'],
      env,
    );
    expect(runs[0]).toMatchObject({ status: 'succeeded' });
    expect(runs[0]!.created).toBeGreaterThan(20);

    const again = await runCliJson<{ status: string; unchanged: number; created: number }>(
      ['merchant', 'sync', stores[0]!.merchant_id, '--reconcile', '--json'],
      env,
    );
    expect(again).toMatchObject({ status: 'succeeded', created: 0 });

    // At rest the credentials are sealed: the secret is nowhere in the row.
    const database = await openDatabase(
      env.DATABASE_URL
        ? { driver: 'postgres', url: env.DATABASE_URL }
        : { driver: 'pglite', dir: `${env.AISLE_DATA_DIR}/pglite` },
    );
    try {
      const [row] = await database.db.select().from(merchantConnections);
      expect(row!.credentials).toMatch(/^v1\./);
      expect(row!.credentials).not.toContain(SECRET);
    } finally {
      await database.close();
    }
  });
});
