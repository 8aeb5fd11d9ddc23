import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';

const TOKEN = 'operator-token-0123456789';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { AISLE_ADMIN_TOKEN: TOKEN } });
});
afterAll(() => t.close());

const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, token = TOKEN) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload && { payload }) });

describe('/api/admin/companies/', () => {
  it('is closed without the operator token', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/admin/companies/' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ status: 401, code: 'invalid_admin_token' });
    expect(
      (await admin('GET', '/api/admin/companies/', undefined, 'wrong-token-0123456789')).statusCode,
    ).toBe(401);
  });

  it('is disabled when no token is configured', async () => {
    const off = await startTestApp();
    try {
      const res = await off.app.inject({
        method: 'GET',
        url: '/api/admin/companies/',
        headers: { authorization: 'Bearer x' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({
        code: 'admin_disabled',
        detail: expect.stringMatching(/AISLE_ADMIN_TOKEN/),
      });
    } finally {
      await off.close();
    }
  });

  it('creates a company whose keys work at once; the secret key is shown once', async () => {
    const res = await admin('POST', '/api/admin/companies/', {
      name: 'Acme',
      webhook_url: 'https://acme.test/hooks',
    });
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({
      id: expect.stringMatching(/^cmp_/),
      name: 'Acme',
      client_id: expect.stringMatching(/^cid_/),
      secret_key: expect.stringMatching(/^sk_[A-Za-z0-9]{40}$/),
      webhook_secret: expect.stringMatching(/^whsec_/),
      webhook_url: 'https://acme.test/hooks',
    });
    expect(c.secret_key_hint).toBe(`${c.secret_key.slice(0, 7)}…`);
    const users = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/',
      headers: { 'x-client-id': c.client_id, 'x-secret-key': c.secret_key },
    });
    expect(users.statusCode).toBe(200);

    const listed = (await admin('GET', '/api/admin/companies/')).json();
    expect(listed.map((x: { id: string }) => x.id)).toContain(c.id);
    expect(JSON.stringify(listed)).not.toContain(c.secret_key);
    expect(JSON.stringify(listed)).not.toContain(c.webhook_secret);
  });

  it('rotates the secret key: the old one stops working, the new one works', async () => {
    const c = (await admin('POST', '/api/admin/companies/', { name: 'Rotator' })).json();
    const rotated = await admin('POST', `/api/admin/companies/${c.client_id}/rotate-secret/`);
    expect(rotated.statusCode).toBe(200);
    const { secret_key } = rotated.json();
    expect(secret_key).not.toBe(c.secret_key);
    const as = (key: string) =>
      t.app.inject({
        method: 'GET',
        url: '/api/v1/users/',
        headers: { 'x-client-id': c.client_id, 'x-secret-key': key },
      });
    expect((await as(c.secret_key)).statusCode).toBe(401);
    expect((await as(secret_key)).statusCode).toBe(200);

    const hook = await admin('POST', `/api/admin/companies/${c.id}/rotate-webhook-secret/`);
    expect(hook.json().webhook_secret).toMatch(/^whsec_/);
    expect(hook.json().webhook_secret).not.toBe(c.webhook_secret);
  });

  it('sets and clears the webhook URL, and validates it', async () => {
    const c = (await admin('POST', '/api/admin/companies/', { name: 'Hooks' })).json();
    expect(c.webhook_url).toBeNull();
    const set = await admin('PATCH', `/api/admin/companies/${c.id}/`, {
      webhook_url: 'http://127.0.0.1:9/x',
    });
    expect(set.json().webhook_url).toBe('http://127.0.0.1:9/x');
    const bad = await admin('PATCH', `/api/admin/companies/${c.id}/`, { webhook_url: 'ftp://x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/body\.webhook_url: must be an http:\/\/ or https:\/\/ URL/);
    const cleared = await admin('PATCH', `/api/admin/companies/${c.id}/`, { webhook_url: null });
    expect(cleared.json().webhook_url).toBeNull();
  });

  it('restricts the tools a company exposes, and only to real tool names', async () => {
    const c = (await admin('POST', '/api/admin/companies/', { name: 'ReadOnly' })).json();
    expect(c.allowed_tools).toBeNull();
    const set = await admin('PATCH', `/api/admin/companies/${c.id}/`, {
      allowed_tools: ['search_products', 'get_product'],
    });
    expect(set.json().allowed_tools).toEqual(['search_products', 'get_product']);
    const bad = await admin('PATCH', `/api/admin/companies/${c.id}/`, { allowed_tools: ['rm_rf'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/body\.allowed_tools\.0: /);
    expect(
      (await admin('PATCH', `/api/admin/companies/${c.id}/`, { allowed_tools: null })).json().allowed_tools,
    ).toBeNull();
  });

  it('404 for an unknown company, 400 for a bad body', async () => {
    expect((await admin('GET', '/api/admin/companies/cmp_nope/')).json()).toMatchObject({
      status: 404,
      code: 'company_not_found',
    });
    expect((await admin('POST', '/api/admin/companies/', { name: '' })).statusCode).toBe(400);
    expect((await admin('POST', '/api/admin/companies/', { name: 'x', plan: 'gold' })).json().detail).toMatch(
      /plan/,
    );
  });
});
