// `aisle catalog …` and `aisle reindex` as a user runs them: on the database directly, and through a running server
// that holds the embedded database.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonl, record } from '../helpers/catalog.js';
import {
  apiHeaders,
  cleanupProcesses,
  freshBackend,
  makeTempDir,
  request,
  runCli,
  runCliJson,
  startServer,
  type CreatedCompany,
} from '../helpers/process.js';

let file: string;
const products = [
  record({
    source_id: 'tent-1',
    title: 'Basecamp 2 Tent',
    category: 'Outdoor > Tents',
    variants: [{ price: '229.00' }],
  }),
  record({ source_id: 'lamp-1', title: 'Trail Headlamp', variants: [{ price: '24.99' }] }),
];

beforeAll(async () => {
  file = path.join(await makeTempDir(), 'catalog.jsonl');
  await fs.writeFile(
    file,
    jsonl([...products, '{"source_id": "broken",', { ...products[1], source_id: 'bad', title: '' }]),
  );
});
afterAll(cleanupProcesses);

describe('aisle catalog import', () => {
  it('imports, lists rejected records with their line, exits 3, and is idempotent', async () => {
    const backend = await freshBackend();
    try {
      const first = await runCli(
        ['catalog', 'import', file, '--merchant', 'Ridgeline Outfitters'],
        backend.env,
      );
      expect(first.code).toBe(3);
      expect(first.stdout).toMatch(
        /^Ridgeline Outfitters \(mer_\w+\): 2 created, 0 updated, 0 unchanged, 0 stale, 2 rejected$/m,
      );
      expect(first.stdout).toMatch(/^ {2}line 3: not valid JSON/m);
      expect(first.stdout).toMatch(/^ {2}line 4 \(bad\): title: /m);

      const again = await runCli(
        ['catalog', 'import', file, '--merchant', 'ridgeline-outfitters', '--json'],
        backend.env,
      );
      expect(again.code).toBe(3);
      expect(JSON.parse(again.stdout)).toMatchObject({
        created: 0,
        unchanged: 2,
        merchant: { slug: 'ridgeline-outfitters' },
      });

      const merchants = await runCliJson<{ slug: string }[]>(['catalog', 'merchants', '--json'], backend.env);
      expect(merchants.map((m) => m.slug)).toEqual(['ridgeline-outfitters']);

      // A server started afterwards builds its index from the database and finds the products.
      const server = await startServer(backend.env);
      const company = await runCliJson<CreatedCompany>(
        ['company', 'create', '--name', 'Shop', '--json'],
        backend.env,
      );
      const found = await request(server.baseUrl, 'GET', '/api/v1/products/?q=tent', {
        headers: apiHeaders(company),
      });
      expect((found.body as { results: { title: string }[] }).results.map((p) => p.title)).toEqual([
        'Basecamp 2 Tent',
      ]);
      await server.stop();
    } finally {
      await backend.drop();
    }
  });

  it('goes through the running server that holds the embedded database, which can search the products at once', async () => {
    const dataDir = await makeTempDir();
    const server = await startServer({ AISLE_DATA_DIR: dataDir });
    const company = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Shop', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    const r = await runCli(['catalog', 'import', file, '--merchant', 'Ridgeline', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Importing through the running server');
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('{')))).toMatchObject({
      created: 2,
      rejected: [{ line: 3 }, { line: 4 }],
    });
    const found = await request(server.baseUrl, 'GET', '/api/v1/products/?q=headlamp', {
      headers: apiHeaders(company),
    });
    expect((found.body as { count: number }).count).toBe(1);

    const reindex = await runCli(['reindex'], { AISLE_DATA_DIR: dataDir });
    expect(reindex.code).toBe(0);
    expect(reindex.stdout).toBe('Rebuilt the embedded index in the running server: 2 products.\n');
  });

  it('says what is wrong with its arguments', async () => {
    const dataDir = await makeTempDir();
    const missing = await runCli(['catalog', 'import', '/no/such/file.jsonl', '--merchant', 'X'], {
      AISLE_DATA_DIR: dataDir,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read /no/such/file.jsonl');
    const noMerchant = await runCli(['catalog', 'import', file], { AISLE_DATA_DIR: dataDir });
    expect(noMerchant.code).toBe(2);
    expect(noMerchant.stderr).toContain("required option '--merchant <name>' not specified");
    const reindex = await runCli(['reindex'], { AISLE_DATA_DIR: dataDir });
    expect(reindex.code).toBe(0);
    expect(reindex.stdout).toContain(
      'The embedded search index is rebuilt from the database by every server',
    );
  });
});
