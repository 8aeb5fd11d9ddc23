// One process at a time on an embedded (PGlite) data folder: a second `aisle serve` or `aisle migrate` is refused
// with a clear message, and the server that holds the folder keeps serving its data untouched.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiHeaders,
  cleanupProcesses,
  makeTempDir,
  request,
  runCli,
  runCliJson,
  startServer,
  type CreatedCompany,
  type ServerProcess,
} from '../helpers/process.js';

const IN_USE = 'is in use by another Aisle process';

describe('the embedded database folder is locked to one Aisle process', () => {
  let dataDir: string;
  let first: ServerProcess;
  let company: CreatedCompany;
  let user: unknown;
  let address: unknown;

  beforeAll(async () => {
    dataDir = await makeTempDir();
    // Always the embedded database, whatever DATABASE_URL the run has.
    first = await startServer({ AISLE_DATA_DIR: dataDir });
    company = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Locked Co', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    const headers = apiHeaders(company);
    const u = await request(first.baseUrl, 'POST', '/api/v1/users/', {
      headers,
      body: { external_user_id: 'lock-user', display_name: 'Lena' },
    });
    expect(u.status).toBe(201);
    user = u.body;
    const a = await request(first.baseUrl, 'POST', '/api/v1/users/lock-user/addresses/', {
      headers,
      body: { line1: '1 Lock St', city: 'Berlin', country: 'de' },
    });
    expect(a.status).toBe(201);
    address = a.body;
  });

  afterAll(cleanupProcesses);

  it('a second `aisle serve` on the same AISLE_DATA_DIR exits 1 and says the folder is in use', async () => {
    const second = await runCli(['serve'], { AISLE_DATA_DIR: dataDir, PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`The embedded database in ${dataDir} ${IN_USE}.`);
    expect(second.stderr).toContain('set DATABASE_URL to a Postgres server');
    expect(second.stderr).not.toContain('is running');
    expect(second.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('a server whose port is taken exits 1 with a clear message, and frees its own folder', async () => {
    const other = await makeTempDir();
    const busy = await runCli(['serve'], { AISLE_DATA_DIR: other, PORT: String(first.port) });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`Cannot listen on 127.0.0.1:${first.port} (EADDRINUSE); set PORT or HOST.`);
    expect(busy.stderr).not.toMatch(/\n\s+at /);
    const migrate = await runCli(['migrate'], { AISLE_DATA_DIR: other });
    expect(migrate.code).toBe(0);
  });

  it('`aisle migrate` on the held folder is refused the same way', async () => {
    const migrate = await runCli(['migrate'], { AISLE_DATA_DIR: dataDir });
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain(IN_USE);
    expect(migrate.stdout).toBe('');
  });

  it('the first server keeps serving, with its data intact and still writable', async () => {
    const headers = apiHeaders(company);
    expect((await request(first.baseUrl, 'GET', '/api/health')).status).toBe(200);
    expect(await request(first.baseUrl, 'GET', '/api/v1/users/lock-user/', { headers })).toMatchObject({
      status: 200,
      body: user,
    });
    expect(
      await request(first.baseUrl, 'GET', '/api/v1/users/lock-user/addresses/', { headers }),
    ).toMatchObject({
      status: 200,
      body: [address],
    });
    const more = await request(first.baseUrl, 'POST', '/api/v1/users/', {
      headers,
      body: { external_user_id: 'after-lock', display_name: 'Max' },
    });
    expect(more.status).toBe(201);

    // The refused processes left the first server's address file alone, so the CLI still reaches it.
    const info = JSON.parse(await fs.readFile(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number };
    expect(info.pid).toBe(first.pid);
    const list = await runCliJson<{ client_id: string }[]>(['company', 'list', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    expect(list.map((c) => c.client_id)).toEqual([company.client_id]);
  });

  it('once the first server stops, the folder is free: the CLI opens it itself and finds the data', async () => {
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    await expect(fs.stat(path.join(dataDir, 'server.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(path.join(dataDir, '.lock'))).rejects.toMatchObject({ code: 'ENOENT' });

    const list = await runCliJson<{ client_id: string; name: string }[]>(['company', 'list', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    expect(list).toEqual([expect.objectContaining({ client_id: company.client_id, name: 'Locked Co' })]);
  });
});
