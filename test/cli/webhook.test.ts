// `aisle webhook test` as a user runs it, while a server runs (on the embedded database the samples go out through
// the server's operator API; with DATABASE_URL the command reads the company itself), against loopback endpoints that
// verify the signature with the reference's snippet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookTestReport } from '../../src/webhooks/test-send.js';
import { startFakeIntegrator, type FakeIntegrator } from '../fakes/integrator.js';
import {
  cleanupProcesses,
  freshBackend,
  request,
  runCli,
  startServer,
  type CreatedCompany,
  type Env,
  type ServerProcess,
} from '../helpers/process.js';

const ADMIN_TOKEN = 'cli-webhook-test-admin-token-0123';

describe('aisle webhook test', () => {
  let server: ServerProcess;
  let env: Env;
  let drop: () => Promise<void> = async () => {};
  const fakes: FakeIntegrator[] = [];

  beforeAll(async () => {
    const backend = await freshBackend();
    env = backend.env;
    drop = backend.drop;
    // The operator token only lets the test create companies cheaply; the CLI never needs it.
    server = await startServer({ ...env, AISLE_ADMIN_TOKEN: ADMIN_TOKEN });
  });

  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await cleanupProcesses();
    await drop();
  });

  const admin = async <T>(method: string, path: string, body: unknown) => {
    const r = await request(server.baseUrl, method, `/api/admin${path}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body,
    });
    expect(r.status).toBeLessThan(300);
    return r.body as T;
  };

  it('reports each event, exits 0 when all are OK, 1 on a PROBLEM (--json, --url, --event, --timeout), 2 without a URL', async () => {
    const shop = await admin<CreatedCompany>('POST', '/companies/', { name: 'Good Shop' });
    const bare = await admin<CreatedCompany>('POST', '/companies/', { name: 'Bare Shop' });
    const good = await startFakeIntegrator(shop.webhook_secret);
    const broken = await startFakeIntegrator(shop.webhook_secret, (hook) =>
      hook.type === 'balance_check' ? { body: { approved: 'yes' } } : 'hang',
    );
    fakes.push(good, broken);
    await admin('PATCH', `/companies/${shop.id}/`, { webhook_url: good.url });

    const [ok, problems, noUrl] = await Promise.all([
      runCli(['webhook', 'test', shop.client_id], env),
      runCli(
        [
          'webhook',
          'test',
          'Good Shop',
          '--url',
          broken.url,
          '--event',
          'charge',
          '--event',
          'balance_check',
          '--timeout',
          '500',
          '--json',
        ],
        env,
      ),
      runCli(['webhook', 'test', bare.id], env),
    ]);

    // All good: one line per event with verdict, status, time and answer, then what it means.
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Webhook test for Good Shop (${shop.id})`);
    expect(ok.stdout).toContain(`URL  ${good.url}\n`);
    expect(ok.stdout).toMatch(/^OK +balance_check +200 +\d+ ms +\{"approved":true\}$/m);
    expect(ok.stdout).toMatch(
      /^OK +charge +200 +\d+ ms +\{"success":true,"transaction_id":"tx_evt_test_\w+"\}$/m,
    );
    expect(ok.stdout).toMatch(/^OK +order_followup +200 +\d+ ms +\{"received":true\}$/m);
    expect(ok.stdout).toContain('All 3 answered as the API reference expects.');
    expect(good.received.map((h) => [h.type, h.signatureValid, h.payload.test])).toEqual([
      ['balance_check', true, true],
      ['charge', true, true],
      ['order_followup', true, true],
    ]);

    // Problems: exit 1, machine-readable, at the URL given, only the events asked for.
    expect(problems.stderr).toBe('');
    expect(problems.code).toBe(1);
    const report = JSON.parse(problems.stdout) as WebhookTestReport;
    expect(report).toMatchObject({
      company: { id: shop.id, name: 'Good Shop' },
      url: broken.url,
      ok: false,
      results: [
        {
          event: 'balance_check',
          verdict: 'PROBLEM',
          status_code: 200,
          answer: '{"approved":"yes"}',
          explanation: expect.stringMatching(/^answer has no boolean "approved"/),
          event_id: expect.stringMatching(/^evt_test_/),
        },
        {
          event: 'charge',
          verdict: 'PROBLEM',
          status_code: null,
          explanation: expect.stringMatching(/^no answer within 500 ms/),
        },
      ],
    });
    expect(broken.received.map((h) => h.type)).toEqual(['balance_check', 'charge']);

    // No webhook URL and no --url: a usage error that says how to set one.
    expect(noUrl.code).toBe(2);
    expect(noUrl.stdout).toBe('');
    expect(noUrl.stderr).toContain('has no webhook URL');
    expect(noUrl.stderr).toContain(`aisle company set-webhook ${bare.id}`);

    // The webhook secret is never printed.
    for (const r of [ok, problems, noUrl]) expect(r.stdout + r.stderr).not.toContain(shop.webhook_secret);
  });
});
