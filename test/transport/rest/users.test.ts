import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCompany, startTestApp, type TestApp, type TestCompany } from '../../helpers/app.js';

let t: TestApp;
let a: TestCompany;
let b: TestCompany;

beforeAll(async () => {
  t = await startTestApp();
  a = await createTestCompany(t.db, 'A');
  b = await createTestCompany(t.db, 'B');
});
afterAll(() => t.close());

const post = (co: TestCompany, payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/api/v1/users/', headers: co.headers, payload: payload as object });
const get = (co: TestCompany, url: string) => t.app.inject({ method: 'GET', url, headers: co.headers });

describe('POST /api/v1/users/', () => {
  it('creates a user (201) and returns the same one again with 200', async () => {
    const created = await post(a, { external_user_id: 'user_alice_123', display_name: 'Alice' });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toEqual({
      id: expect.stringMatching(/^usr_/),
      external_user_id: 'user_alice_123',
      display_name: 'Alice',
      spending_limits: { per_order: null, per_day: null },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const again = await post(a, { external_user_id: 'user_alice_123', display_name: 'Alice' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(user);
  });

  it('accepts a missing display_name', async () => {
    const res = await post(a, { external_user_id: 'no-name' });
    expect(res.statusCode).toBe(201);
    expect(res.json().display_name).toBe('');
  });

  it.each([
    [{ display_name: 'x' }, /body\.external_user_id: .*expected string, received undefined/],
    [{ external_user_id: 42 }, /body\.external_user_id: .*expected string, received number/],
    [{ external_user_id: 'ok', display_name: 7 }, /body\.display_name: .*expected string, received number/],
    [{ external_user_id: 'ok', role: 'admin' }, /body: Unrecognized key: "role"/],
    [{ external_user_id: '' }, /body\.external_user_id: /],
    [{ external_user_id: 'a/b' }, /body\.external_user_id: must not contain "\/"/],
    [{ external_user_id: ' padded ' }, /body\.external_user_id: /],
    [{ external_user_id: 'x'.repeat(256) }, /body\.external_user_id: /],
  ])('400 naming the field for %j', async (payload, detail) => {
    const res = await post(a, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Bad Request',
      detail: expect.stringMatching(detail),
      status: 400,
      code: 'invalid_request',
    });
  });

  it('400 for malformed JSON, and for a body that is not an object', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users/',
      headers: { ...a.headers, 'content-type': 'application/json' },
      payload: '{"external_user_id": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: 'Bad Request',
      status: 400,
      detail: expect.stringMatching(/JSON/),
    });
    const arr = await post(a, ['x']);
    expect(arr.statusCode).toBe(400);
    expect(arr.json().status).toBe(400);
  });

  it('415 for a body that is not JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users/',
      headers: { ...a.headers, 'content-type': 'text/plain' },
      payload: 'external_user_id=x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });
});

describe('authentication', () => {
  it.each([
    ['no headers', {}],
    ['no secret', { 'x-client-id': 'cid_x' }],
    ['unknown client', { 'x-client-id': 'cid_nope', 'x-secret-key': 'sk_nope' }],
  ])('401 with the reference body: %s', async (_name, headers) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users/', headers });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: 'Invalid credentials',
      detail: 'The X-Client-ID or X-Secret-Key header is missing or invalid.',
      status: 401,
      code: 'invalid_credentials',
    });
  });

  it("401 for one company's client id with another's secret key", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/',
      headers: { 'x-client-id': a.clientId, 'x-secret-key': b.secretKey },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('GET /api/v1/users/', () => {
  it('pages with {count, next, previous, results}', async () => {
    const co = await createTestCompany(t.db, 'Pager');
    for (let i = 0; i < 25; i++) await post(co, { external_user_id: `p${String(i).padStart(2, '0')}` });

    const first = (await get(co, '/api/v1/users/')).json();
    expect(first.count).toBe(25);
    expect(first.results).toHaveLength(20);
    expect(first.next).toBe('/api/v1/users/?page=2');
    expect(first.previous).toBeNull();

    const p2 = (await get(co, '/api/v1/users/?page=2&page_size=10')).json();
    expect(p2.results.map((u: { external_user_id: string }) => u.external_user_id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `p${10 + i}`),
    );
    expect(p2.next).toBe('/api/v1/users/?page=3&page_size=10');
    expect(p2.previous).toBe('/api/v1/users/?page=1&page_size=10');

    const last = (await get(co, p2.next)).json();
    expect(last.results).toHaveLength(5);
    expect(last.next).toBeNull();

    const beyond = (await get(co, '/api/v1/users/?page=9&page_size=10')).json();
    expect(beyond).toMatchObject({
      count: 25,
      results: [],
      next: null,
      previous: '/api/v1/users/?page=3&page_size=10',
    });
  });

  it.each(['page=0', 'page=abc', 'page_size=101', 'page_size=0', 'page=1.5'])('400 for ?%s', async (q) => {
    const res = await get(a, `/api/v1/users/?${q}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/^querystring\.page(_size)?: /);
  });

  it('answers with and without the trailing slash', async () => {
    expect((await get(a, '/api/v1/users')).statusCode).toBe(200);
    expect((await get(a, '/api/v1/users/')).statusCode).toBe(200);
  });
});

describe('GET and PATCH /api/v1/users/{user_id}/', () => {
  it('finds a user by external id or usr_ id, url-encoded ids included', async () => {
    const created = (await post(a, { external_user_id: '0x1234...abcd', display_name: 'Wallet' })).json();
    for (const ref of ['0x1234...abcd', created.id]) {
      const res = await get(a, `/api/v1/users/${encodeURIComponent(ref)}/`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(created);
    }
    const email = (await post(a, { external_user_id: 'bob+shop@example.com' })).json();
    expect((await get(a, `/api/v1/users/${encodeURIComponent('bob+shop@example.com')}`)).json().id).toBe(
      email.id,
    );
  });

  it('renames a user', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/user_alice_123/',
      headers: a.headers,
      payload: { display_name: 'Alice B.' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().display_name).toBe('Alice B.');
  });

  it('404 for a user that does not exist', async () => {
    const res = await get(a, '/api/v1/users/nobody/');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'User not found', status: 404, code: 'user_not_found' });
  });
});

describe('tenant isolation', () => {
  it("never shows one company's users to another: 404, not 403", async () => {
    const mine = (await post(a, { external_user_id: 'secret-user' })).json();
    for (const ref of ['secret-user', mine.id]) {
      const res = await get(b, `/api/v1/users/${ref}/`);
      expect(res.statusCode).toBe(404);
      const patch = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${ref}/`,
        headers: b.headers,
        payload: { display_name: 'hijacked' },
      });
      expect(patch.statusCode).toBe(404);
    }
    const list = (await get(b, '/api/v1/users/?page_size=100')).json();
    expect(list.results.map((u: { id: string }) => u.id)).not.toContain(mine.id);
    // B registering the same external id gets its own user, not A's.
    const theirs = (await post(b, { external_user_id: 'secret-user' })).json();
    expect(theirs.id).not.toBe(mine.id);
    expect((await get(a, '/api/v1/users/secret-user/')).json().display_name).toBe('');
  });
});

describe('every response', () => {
  it('carries X-Request-Id, keeping a sane one sent by the caller', async () => {
    const res = await get(a, '/api/v1/users/');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const mine = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/',
      headers: { ...a.headers, 'x-request-id': 'trace-42' },
    });
    expect(mine.headers['x-request-id']).toBe('trace-42');
    const evil = await t.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'a b\tc' } });
    expect(evil.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(evil.statusCode).toBe(404);
    expect(evil.json()).toMatchObject({ error: 'Not Found', status: 404 });
  });
});
