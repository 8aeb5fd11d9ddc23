// Data outlives the process: stop `aisle serve` with SIGTERM, start it again on the same data (the PGlite folder, or
// with DATABASE_URL a fresh Postgres database), and the company's keys, user and address are all still there.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  apiHeaders,
  cleanupProcesses,
  freshBackend,
  request,
  runCliJson,
  startServer,
  type CreatedCompany,
} from '../helpers/process.js';
import { DRIVER } from '../helpers/database.js';

describe(`restarting \`aisle serve\` keeps the data (${DRIVER})`, () => {
  let drop: () => Promise<void> = async () => {};

  afterAll(async () => {
    await cleanupProcesses();
    await drop();
  });

  it(
    'company, user and address survive a SIGTERM and a new start on the same data',
    { timeout: 120_000 },
    async () => {
      const backend = await freshBackend();
      drop = backend.drop;
      expect(backend.driver).toBe(DRIVER);

      const before = await startServer(backend.env);
      expect((await request(before.baseUrl, 'GET', '/api/health')).body).toMatchObject({
        database: { status: 'ok', driver: DRIVER },
      });
      const company = await runCliJson<CreatedCompany>(
        ['company', 'create', '--name', 'Durable Co', '--json'],
        backend.env,
      );
      const headers = apiHeaders(company);
      const user = await request(before.baseUrl, 'POST', '/api/v1/users/', {
        headers,
        body: { external_user_id: 'restart-user', display_name: 'Rita' },
      });
      expect(user.status).toBe(201);
      const address = await request(before.baseUrl, 'POST', '/api/v1/users/restart-user/addresses/', {
        headers,
        body: { label: 'Home', line1: '10 Downing St', city: 'London', zip: 'SW1A 2AA', country: 'GB' },
      });
      expect(address.status).toBe(201);
      expect(address.body).toMatchObject({
        id: expect.stringMatching(/^addr_/),
        is_default: true,
        country: 'GB',
      });

      // A graceful stop: exit 0, and on the embedded database the folder is released.
      expect(await before.stop()).toEqual({ code: 0, signal: null });
      if (backend.driver === 'pglite') {
        const files = await fs.readdir(backend.dataDir);
        expect(files).toContain('pglite');
        expect(files).not.toContain('.lock');
        expect(files).not.toContain('server.json');
      }
      expect(await fetch(`${before.baseUrl}/api/health`).catch(() => 'refused')).toBe('refused');

      const after = await startServer(backend.env);
      const userId = (user.body as { id: string }).id;
      const addressId = (address.body as { id: string }).id;
      // The same key still authenticates: only its hash was stored, and that survived.
      expect(await request(after.baseUrl, 'GET', '/api/v1/users/restart-user/', { headers })).toEqual(
        expect.objectContaining({ status: 200, body: user.body }),
      );
      expect(await request(after.baseUrl, 'GET', `/api/v1/users/${userId}/`, { headers })).toMatchObject({
        status: 200,
        body: user.body,
      });
      expect(await request(after.baseUrl, 'GET', '/api/v1/users/', { headers })).toMatchObject({
        status: 200,
        body: { count: 1, results: [user.body] },
      });
      expect(
        await request(after.baseUrl, 'GET', '/api/v1/users/restart-user/addresses/', { headers }),
      ).toMatchObject({
        status: 200,
        body: [address.body],
      });
      expect(
        await request(after.baseUrl, 'GET', `/api/v1/users/restart-user/addresses/${addressId}/`, {
          headers,
        }),
      ).toMatchObject({ status: 200, body: address.body });

      // And the restarted server keeps writing to the same data.
      const renamed = await request(after.baseUrl, 'PATCH', '/api/v1/users/restart-user/', {
        headers,
        body: { display_name: 'Rita B.' },
      });
      expect(renamed).toMatchObject({ status: 200, body: { id: userId, display_name: 'Rita B.' } });
      if (backend.driver === 'pglite') {
        // The CLI now finds the new process, not the stopped one.
        const info: unknown = JSON.parse(
          await fs.readFile(path.join(backend.dataDir, 'server.json'), 'utf8'),
        );
        expect(info).toMatchObject({ pid: after.pid, url: after.baseUrl });
      }
      expect(await after.stop()).toEqual({ code: 0, signal: null });
    },
  );
});
