// `aisle` as a user runs it: company administration against a running server (on the embedded database the CLI goes
// through the server's admin API; with DATABASE_URL straight to Postgres), usage errors, help, settings, migrate.
import fs from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  type Env,
  type ServerProcess,
} from '../helpers/process.js';

type CompanyView = Omit<CreatedCompany, 'secret_key' | 'webhook_secret'>;

const ADMIN_TOKEN = 'cli-test-admin-token-0123456789';

describe('aisle company … against a running server', () => {
  let server: ServerProcess;
  let env: Env;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const backend = await freshBackend();
    env = backend.env;
    drop = backend.drop;
    // The operator token only lets the test read companies back cheaply; the CLI never needs it.
    server = await startServer({ ...env, AISLE_ADMIN_TOKEN: ADMIN_TOKEN });
  });

  afterAll(async () => {
    await cleanupProcesses();
    await drop();
  });

  /** The running server's own view of every company (the operator API). */
  async function serverCompanies(): Promise<CompanyView[]> {
    const r = await request(server.baseUrl, 'GET', '/api/admin/companies/', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(r.status).toBe(200);
    return r.body as CompanyView[];
  }

  const listUsers = (company: { client_id: string; secret_key: string }) =>
    request(server.baseUrl, 'GET', '/api/v1/users/', { headers: apiHeaders(company) });

  it('create --json prints the client id, secret key and webhook secret, and they work at once', async () => {
    const r = await runCli(['company', 'create', '--name', 'Acme Shop', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout) as CreatedCompany;
    expect(c).toEqual({
      id: expect.stringMatching(/^cmp_[0-9a-z]{26}$/),
      name: 'Acme Shop',
      client_id: expect.stringMatching(/^cid_[A-Za-z0-9]{24}$/),
      secret_key: expect.stringMatching(/^sk_[A-Za-z0-9]{40}$/),
      secret_key_hint: `${c.secret_key.slice(0, 7)}…`,
      webhook_secret: expect.stringMatching(/^whsec_[A-Za-z0-9]{32}$/),
      webhook_url: null,
      allowed_tools: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(await listUsers(c)).toMatchObject({ status: 200, body: { count: 0, results: [] } });
  });

  it('create without --json prints the keys for people, with --webhook-url stored', async () => {
    const r = await runCli(
      ['company', 'create', '--name', 'Human Co', '--webhook-url', 'https://example.com/hooks'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Human Co \(cmp_[0-9a-z]+\)$/m);
    expect(r.stdout).toMatch(/Client ID\s+cid_\w+/);
    expect(r.stdout).toMatch(/Secret key\s+sk_\w{40}$/m);
    expect(r.stdout).toMatch(/Webhook secret\s+whsec_\w+/);
    expect(r.stdout).toMatch(/Webhook URL\s+https:\/\/example\.com\/hooks/);
    expect(r.stdout).toMatch(/Tools\s+all/);
    expect(r.stdout).toContain('shown only now');
  });

  it('list shows every company and never a secret', async () => {
    const c = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Listed Co', '--json'], env);
    const json = await runCli(['company', 'list', '--json'], env);
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as CompanyView[];
    const { secret_key: _s, webhook_secret: _w, ...view } = c;
    expect(list).toContainEqual(view);
    expect(json.stdout).not.toContain(c.secret_key);
    expect(json.stdout).not.toContain(c.webhook_secret);
    expect(json.stdout).not.toMatch(/"(secret_key|webhook_secret)"/);

    const text = await runCli(['company', 'list'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${c.id}  ${c.client_id}  Listed Co  -`);
    expect(text.stdout).not.toContain(c.secret_key);
  });

  it('rotate-secret <client_id>: the old key gets 401 from the running server, the new one works', async () => {
    const c = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Rotating Co', '--json'], env);
    expect((await listUsers(c)).status).toBe(200);

    const rotated = await runCliJson<CreatedCompany>(
      ['company', 'rotate-secret', c.client_id, '--json'],
      env,
    );
    expect(rotated).toMatchObject({
      id: c.id,
      client_id: c.client_id,
      secret_key: expect.stringMatching(/^sk_/),
    });
    expect(rotated.secret_key).not.toBe(c.secret_key);
    expect(rotated.secret_key_hint).toBe(`${rotated.secret_key.slice(0, 7)}…`);
    expect(rotated).not.toHaveProperty('webhook_secret');

    const old = await listUsers(c);
    expect(old).toMatchObject({ status: 401, body: { status: 401, code: 'invalid_credentials' } });
    expect(await listUsers({ client_id: c.client_id, secret_key: rotated.secret_key })).toMatchObject({
      status: 200,
    });
  });

  it('rotate-secret --webhook <company id> issues a new webhook secret and leaves the secret key alone', async () => {
    const c = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Webhook Co', '--json'], env);
    const rotated = await runCliJson<CreatedCompany>(
      ['company', 'rotate-secret', c.id, '--webhook', '--json'],
      env,
    );
    expect(rotated).toMatchObject({ id: c.id, webhook_secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.webhook_secret).not.toBe(c.webhook_secret);
    expect(rotated).not.toHaveProperty('secret_key');
    expect(rotated.secret_key_hint).toBe(c.secret_key_hint);
    expect((await listUsers(c)).status).toBe(200);

    const text = await runCli(['company', 'rotate-secret', c.client_id, '--webhook'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Webhook secret\s+whsec_\w+/);
    expect(text.stdout).not.toContain(rotated.webhook_secret);
  });

  it('set-webhook <id> <url> sets the URL and --clear removes it', async () => {
    const c = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Hooked Co', '--json'], env);
    const set = await runCliJson<CompanyView>(
      ['company', 'set-webhook', c.id, 'https://shop.example.com/aisle/webhooks', '--json'],
      env,
    );
    expect(set).toMatchObject({ id: c.id, webhook_url: 'https://shop.example.com/aisle/webhooks' });
    expect(set).not.toHaveProperty('secret_key');
    let stored = (await serverCompanies()).find((x) => x.id === c.id);
    expect(stored?.webhook_url).toBe('https://shop.example.com/aisle/webhooks');

    const cleared = await runCliJson<CompanyView>(
      ['company', 'set-webhook', c.client_id, '--clear', '--json'],
      env,
    );
    expect(cleared).toMatchObject({ id: c.id, webhook_url: null });
    stored = (await serverCompanies()).find((x) => x.id === c.id);
    expect(stored?.webhook_url).toBeNull();
  });

  it('set-tools restricts the tools a company exposes, checks the names, and --all lifts it', async () => {
    const c = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Tools Co', '--json'], env);
    const set = await runCliJson<CompanyView>(
      ['company', 'set-tools', c.id, 'search_products', 'get_product', '--json'],
      env,
    );
    expect(set).toMatchObject({ allowed_tools: ['search_products', 'get_product'] });
    const bad = await runCli(['company', 'set-tools', c.id, 'delete_everything'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tools: /);
    const none = await runCli(['company', 'set-tools', c.id], env);
    expect(none.code).toBe(2);
    const all = await runCliJson<CompanyView>(['company', 'set-tools', c.client_id, '--all', '--json'], env);
    expect(all).toMatchObject({ allowed_tools: null });
  });

  it('a bad webhook URL is a usage error (exit 2) naming the flag, and nothing is created or changed', async () => {
    const before = await serverCompanies();
    const target = before[0]!;
    const [create, setBad, setNone] = await Promise.all([
      runCli(['company', 'create', '--name', 'Bad Hook Co', '--webhook-url', 'ftp://example.com/x'], env),
      runCli(['company', 'set-webhook', target.id, 'not a url'], env),
      runCli(['company', 'set-webhook', target.id], env),
    ]);
    expect(create.code).toBe(2);
    expect(create.stderr).toContain('--webhook-url');
    expect(create.stderr).toContain('http:// or https://');
    expect(create.stdout).toBe('');
    expect(setBad.code).toBe(2);
    expect(setBad.stderr).toMatch(/url: must be an http:\/\/ or https:\/\/ URL/);
    expect(setNone.code).toBe(2);
    expect(setNone.stderr).toContain('--clear');

    expect(await serverCompanies()).toEqual(before);
  });

  it('an unknown company fails with exit 1 and says which', async () => {
    const [rotate, hook] = await Promise.all([
      runCli(['company', 'rotate-secret', 'cid_doesNotExist'], env),
      runCli(['company', 'set-webhook', 'cmp_nope', 'https://example.com/'], env),
    ]);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toBe('aisle: No company with id or client id "cid_doesNotExist".\n');
    expect(rotate.stdout).toBe('');
    expect(hook.code).toBe(1);
    expect(hook.stderr).toBe('aisle: No company with id or client id "cmp_nope".\n');
  });
});

describe('aisle usage and settings', () => {
  afterAll(cleanupProcesses);

  it('create without --name is a usage error (exit 2) naming --name', async () => {
    const dataDir = await makeTempDir();
    const r = await runCli(['company', 'create', '--json'], { AISLE_DATA_DIR: dataDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--name <name>' not specified");
    expect(r.stdout).toBe('');
    // Nothing was opened or created: the folder is still empty.
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('--help, company --help and --version exit 0; an unknown command exits 2', async () => {
    const [help, companyHelp, version, unknown] = await Promise.all([
      runCli(['--help']),
      runCli(['company', '--help']),
      runCli(['--version']),
      runCli(['frobnicate']),
    ]);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'migrate', 'company'])
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    expect(companyHelp.code).toBe(0);
    for (const command of ['create', 'list', 'rotate-secret', 'set-webhook']) {
      expect(companyHelp.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('a bad setting exits 2 naming the variable (and never echoes a URL that may hold a password)', async () => {
    const dataDir = await makeTempDir();
    const [port, serve, dbUrl] = await Promise.all([
      runCli(['migrate'], { AISLE_DATA_DIR: dataDir, PORT: 'abc' }),
      runCli(['serve'], { AISLE_DATA_DIR: dataDir, PORT: 'abc' }),
      runCli(['company', 'list'], {
        AISLE_DATA_DIR: dataDir,
        DATABASE_URL: 'mysql://root:hunter2@db.example/shop',
      }),
    ]);
    for (const r of [port, serve]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Invalid configuration');
      expect(r.stderr).toContain('PORT: must be a whole number (got "abc")');
      expect(r.stderr).not.toContain('is running');
    }
    expect(dbUrl.code).toBe(2);
    expect(dbUrl.stderr).toContain('DATABASE_URL: must be a URL starting with postgres:// or postgresql://');
    expect(dbUrl.stderr).not.toContain('hunter2');
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('migrate applies the migrations and running it again is a no-op', async () => {
    const backend = await freshBackend();
    try {
      const first = await runCli(['migrate'], backend.env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const where =
        backend.driver === 'pglite'
          ? `pglite: ${path.join(backend.dataDir, 'pglite')}`
          : `postgres: ${backend.databaseUrl}`;
      expect(first.stdout).toBe(`Migrations applied (${where}).\n`);

      if (backend.driver === 'postgres') {
        const sql = postgres(backend.databaseUrl!, { max: 1, onnotice: () => {} });
        try {
          const tables = await sql<{ table_name: string }[]>`
            select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
          expect(tables.map((t) => t.table_name)).toEqual(
            expect.arrayContaining(['addresses', 'companies', 'users']),
          );
        } finally {
          await sql.end();
        }
      } else {
        // The embedded database was created in the data dir and its lock released on exit.
        const files = await fs.readdir(backend.dataDir);
        expect(files).toContain('pglite');
        expect(files).not.toContain('.lock');
      }

      // Again on the same database: nothing left to apply, and it reopens cleanly.
      const second = await runCli(['migrate'], backend.env);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toBe(first.stdout);
    } finally {
      await backend.drop();
    }
  });
});
