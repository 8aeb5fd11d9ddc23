// Test webhooks (`aisle webhook test`): the samples, the signature, and the verdict on each kind of answer, against a
// real loopback endpoint that verifies signatures with the reference's own snippet; then the company lookup, the
// operator API route, and that nothing is written (no order, no outbox row).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { count } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCompany, updateCompany } from '../../src/commerce/index.js';
import { orders } from '../../src/commerce/order-schema.js';
import { AppError } from '../../src/errors.js';
import { webhookDeliveries } from '../../src/webhooks/schema.js';
import {
  samplePayloads,
  sendTestWebhooks,
  testCompanyWebhook,
  type WebhookTestReport,
  type WebhookTestResult,
} from '../../src/webhooks/test-send.js';
import { approveAll, startFakeIntegrator, type Behaviour, type FakeIntegrator } from '../fakes/integrator.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const SECRET = 'whsec_testSendSecret0123456789abcdef';
const TIMEOUT_MS = 2000;

const fakes: FakeIntegrator[] = [];
async function fake(behaviour: Behaviour = approveAll, secret = SECRET) {
  const f = await startFakeIntegrator(secret, behaviour);
  fakes.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const send = (
  url: string,
  events?: ('balance_check' | 'charge' | 'order_followup')[],
  timeoutMs = TIMEOUT_MS,
) => sendTestWebhooks({ url, secret: SECRET }, { events, timeoutMs });

const byEvent = (results: WebhookTestResult[]) => Object.fromEntries(results.map((r) => [r.event, r]));

describe('the samples', () => {
  it('are realistic payloads of the reference, about one sample order, and marked as tests', () => {
    const p = samplePayloads();
    const common = {
      user_id: 'sample_user',
      amount: '129.99',
      currency: 'USD',
      order_id: expect.stringMatching(/^ord_sample/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      test: true,
    };
    expect(p.balance_check).toMatchObject({ event: 'balance_check', type: 'balance_check', ...common });
    expect(p.charge).toMatchObject({ event: 'charge', type: 'charge', ...common, status: 'pending' });
    for (const field of ['tx_hash', 'token', 'token_address', 'network', 'shipping_address'])
      expect(p.charge).toHaveProperty(field);
    expect(p.order_followup).toMatchObject({
      event: 'order_followup',
      type: 'order_followup',
      ...common,
      status: 'SHIPPED',
      previous_status: 'PAID',
      tracking: { carrier: expect.any(String), number: expect.any(String) },
    });
    expect(new Set([p.balance_check.order_id, p.charge.order_id, p.order_followup.order_id]).size).toBe(1);
    // The items add up to the amount.
    const items = p.charge.items as { line_total: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.reduce((sum, i) => sum + Number(i.line_total), 0).toFixed(2)).toBe('129.99');
  });
});

describe('sendTestWebhooks against an integrator endpoint', () => {
  it('all good: each event is signed, marked, answered as the reference says, and OK', async () => {
    const f = await fake();
    const results = await send(f.url);
    expect(results.map((r) => [r.event, r.verdict])).toEqual([
      ['balance_check', 'OK'],
      ['charge', 'OK'],
      ['order_followup', 'OK'],
    ]);
    const r = byEvent(results);
    expect(r.balance_check).toMatchObject({
      status_code: 200,
      answer: '{"approved":true}',
      explanation: expect.stringMatching(/approved/),
      event_id: expect.stringMatching(/^evt_test_[0-9a-z]{26}$/),
    });
    expect(r.charge!.explanation).toMatch(/transaction_id "tx_evt_test_/);
    expect(r.order_followup!.explanation).toBe('acknowledged');
    for (const x of results) expect(x.duration_ms).toBeGreaterThanOrEqual(0);

    expect(f.received.map((h) => h.type)).toEqual(['balance_check', 'charge', 'order_followup']);
    for (const [i, hook] of f.received.entries()) {
      expect(hook.signatureValid).toBe(true);
      expect(hook.payload.test).toBe(true);
      expect(hook.headers['x-webhook-id']).toBe(results[i]!.event_id);
      expect(hook.headers['idempotency-key']).toBe(results[i]!.event_id);
      expect(hook.headers['x-webhook-event']).toBe(hook.type);
      expect(hook.payload).toEqual(results[i]!.payload);
    }
  });

  it('--event: only the events asked for, in the order of a purchase', async () => {
    const f = await fake();
    const results = await send(f.url, ['order_followup', 'balance_check']);
    expect(results.map((r) => r.event)).toEqual(['balance_check', 'order_followup']);
    expect(f.received).toHaveLength(2);
  });

  it('401 (the endpoint has another secret): a PROBLEM that explains the signature', async () => {
    const f = await fake(approveAll, 'whsec_someOtherSecret');
    const results = await send(f.url);
    expect(f.received).toEqual([]);
    for (const r of results) {
      expect(r).toMatchObject({
        verdict: 'PROBLEM',
        status_code: 401,
        answer: '{"error":"Invalid signature"}',
      });
      expect(r.explanation).toBe(
        '401: your endpoint rejected the signature — check that it verifies HMAC-SHA256 of "{timestamp}.{raw body}" ' +
          'with the webhook secret shown by "aisle company create"',
      );
    }
  });

  it("500: a PROBLEM pointing at the endpoint's logs", async () => {
    const f = await fake(() => ({ status: 500, body: { error: 'boom' } }));
    const results = await send(f.url);
    for (const r of results) {
      expect(r).toMatchObject({ verdict: 'PROBLEM', status_code: 500, answer: '{"error":"boom"}' });
      expect(r.explanation).toMatch(/^500: your endpoint failed with a server error/);
    }
  });

  it('an answer that is not JSON: a PROBLEM for balance_check and charge, fine for order_followup', async () => {
    const f = await fake(() => ({ body: 'thanks!' }));
    const r = byEvent(await send(f.url));
    expect(r.balance_check).toMatchObject({ verdict: 'PROBLEM', status_code: 200, answer: 'thanks!' });
    expect(r.balance_check!.explanation).toMatch(/^answer is not JSON — answer \{"approved": true\}/);
    expect(r.charge!.verdict).toBe('PROBLEM');
    expect(r.charge!.explanation).toMatch(/^answer is not JSON — answer \{"success": true, "transaction_id"/);
    expect(r.order_followup).toMatchObject({ verdict: 'OK', explanation: expect.stringMatching(/any 2xx/) });
  });

  it('missing fields: no boolean "approved" or "success" is a PROBLEM', async () => {
    const f = await fake(() => ({ body: { ok: true, approved: 'yes' } }));
    const r = byEvent(await send(f.url, ['balance_check', 'charge']));
    expect(r.balance_check).toMatchObject({ verdict: 'PROBLEM' });
    expect(r.balance_check!.explanation).toMatch(/^answer has no boolean "approved"/);
    expect(r.charge).toMatchObject({ verdict: 'PROBLEM' });
    expect(r.charge!.explanation).toMatch(/^answer has no boolean "success"/);
  });

  it('a charge paid without a transaction_id is a PROBLEM; declines and refusals with a reason are OK', async () => {
    const f = await fake(() => ({ body: { success: true } }));
    expect((await send(f.url, ['charge']))[0]).toMatchObject({
      verdict: 'PROBLEM',
      explanation: expect.stringMatching(/no "transaction_id" string/),
    });

    f.behave((hook) => ({
      body:
        hook.type === 'balance_check'
          ? { approved: false, reason: 'Insufficient balance' }
          : { success: false, reason: 'Card expired' },
    }));
    const r = byEvent(await send(f.url, ['balance_check', 'charge']));
    expect(r.balance_check).toMatchObject({
      verdict: 'OK',
      explanation: expect.stringContaining('"Insufficient balance"'),
    });
    expect(r.charge).toMatchObject({ verdict: 'OK', explanation: expect.stringContaining('"Card expired"') });

    f.behave(() => ({ body: { success: false } }));
    expect((await send(f.url, ['charge']))[0]).toMatchObject({
      verdict: 'PROBLEM',
      explanation: expect.stringMatching(/without a "reason"/),
    });
  });

  it('an endpoint that hangs: a PROBLEM after the timeout', async () => {
    const f = await fake(() => 'hang');
    const started = Date.now();
    const [r] = await send(f.url, ['balance_check'], 300);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(r).toMatchObject({ verdict: 'PROBLEM', status_code: null, answer: '' });
    expect(r!.explanation).toMatch(/^no answer within 300 ms — /);
  });

  it('nothing listening: a PROBLEM saying it could not connect', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const [r] = await send(`http://127.0.0.1:${port}/hook`, ['order_followup']);
    expect(r).toMatchObject({ verdict: 'PROBLEM', status_code: null });
    expect(r!.explanation).toBe(
      `could not connect to 127.0.0.1:${port} (ECONNREFUSED) — is your server running, reachable from Aisle, and the URL right?`,
    );
  });
});

describe("testing a company's webhook, and the operator API route", () => {
  const TOKEN = 'operator-token-webhook-test-0123';
  let t: TestApp;
  let integrator: FakeIntegrator;
  let company: Awaited<ReturnType<typeof createCompany>>;

  beforeAll(async () => {
    t = await startTestApp({ env: { AISLE_ADMIN_TOKEN: TOKEN } });
    company = await createCompany(t.db, { name: 'Hooked Shop' });
    // Started here (not with fake()) so it outlives each test: the company's URL points at it.
    integrator = await startFakeIntegrator(company.webhookSecret);
    await updateCompany(t.db, company.company.id, { webhookUrl: integrator.url });
  });
  afterAll(async () => {
    await integrator?.close();
    await t?.close();
  });

  const rowCounts = async () => ({
    orders: (await t.db.select({ n: count() }).from(orders))[0]!.n,
    deliveries: (await t.db.select({ n: count() }).from(webhookDeliveries))[0]!.n,
  });

  it('finds the company by id, client id or name, signs with its secret and writes nothing', async () => {
    const before = await rowCounts();
    for (const ref of [company.company.id, company.company.clientId, 'Hooked Shop']) {
      const report = await testCompanyWebhook(t.db, ref, { timeoutMs: TIMEOUT_MS });
      expect(report).toMatchObject({
        company: { id: company.company.id, name: 'Hooked Shop', client_id: company.company.clientId },
        url: integrator.url,
        ok: true,
      });
      expect(report.results).toHaveLength(3);
    }
    expect(integrator.received.every((h) => h.signatureValid)).toBe(true);
    expect(await rowCounts()).toEqual(before);
  });

  it('a company without a webhook URL is webhook_url_missing naming set-webhook, unless a URL is given', async () => {
    const bare = await createCompany(t.db, { name: 'Bare Shop' });
    const err = await testCompanyWebhook(t.db, bare.company.id, { timeoutMs: TIMEOUT_MS }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'webhook_url_missing', status: 400 });
    expect((err as Error).message).toContain(`aisle company set-webhook ${bare.company.id}`);

    // --url sends elsewhere, signed with this company's secret: the fake for another secret rejects it.
    const report = await testCompanyWebhook(t.db, bare.company.id, {
      timeoutMs: TIMEOUT_MS,
      url: integrator.url,
      events: ['balance_check'],
    });
    expect(report).toMatchObject({ url: integrator.url, ok: false, results: [{ status_code: 401 }] });

    await expect(testCompanyWebhook(t.db, 'cmp_nope', { timeoutMs: TIMEOUT_MS })).rejects.toMatchObject({
      code: 'company_not_found',
    });
  });

  it('POST /api/admin/companies/:id/webhook-test/ sends server-side and returns the report, never the secret', async () => {
    const admin = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${TOKEN}` }, payload });

    const res = await admin(`/api/admin/companies/${company.company.clientId}/webhook-test/`, {
      events: ['charge'],
      timeout_ms: TIMEOUT_MS,
    });
    expect(res.statusCode).toBe(200);
    const report = res.json<WebhookTestReport>();
    expect(report).toMatchObject({
      ok: true,
      url: integrator.url,
      results: [{ event: 'charge', verdict: 'OK', status_code: 200 }],
    });
    expect(res.body).not.toContain(company.webhookSecret);

    const bare = await createCompany(t.db, { name: 'Bare Too' });
    const missing = await admin(`/api/admin/companies/${bare.company.id}/webhook-test/`, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'webhook_url_missing' });

    const bad = await admin(`/api/admin/companies/${company.company.id}/webhook-test/`, {
      events: ['refund'],
    });
    expect(bad.statusCode).toBe(400);
    const unauth = await t.app.inject({
      method: 'POST',
      url: `/api/admin/companies/${company.company.id}/webhook-test/`,
      payload: {},
    });
    expect(unauth.statusCode).toBe(401);
  });
});
