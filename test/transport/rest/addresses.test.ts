import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCompany, startTestApp, type TestApp, type TestCompany } from '../../helpers/app.js';

let t: TestApp;
let a: TestCompany;
let b: TestCompany;

beforeAll(async () => {
  t = await startTestApp();
  a = await createTestCompany(t.db, 'A');
  b = await createTestCompany(t.db, 'B');
  for (const co of [a, b]) {
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/users/',
      headers: co.headers,
      payload: { external_user_id: 'user_123' },
    });
  }
});
afterAll(() => t.close());

const req = (co: TestCompany, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: co.headers, ...(payload && { payload }) });

const home = {
  label: 'Home',
  line1: '123 Main St',
  line2: 'Apt 4B',
  city: 'New York',
  state: 'NY',
  zip: '10001',
  country: 'US',
};

describe('/api/v1/users/{user_id}/addresses/', () => {
  it('adds, lists, reads, changes and deletes addresses', async () => {
    const created = await req(a, 'POST', '/api/v1/users/user_123/addresses/', home);
    expect(created.statusCode).toBe(201);
    const addr = created.json();
    expect(addr).toMatchObject({
      ...home,
      id: expect.stringMatching(/^addr_/),
      is_default: true,
      recipient_name: '',
      phone: '',
    });

    const work = (
      await req(a, 'POST', '/api/v1/users/user_123/addresses', {
        line1: '1 Office Rd',
        city: 'Boston',
        country: 'us',
        label: 'Work',
      })
    ).json();
    expect(work).toMatchObject({ country: 'US', is_default: false, line2: '', state: '', zip: '' });

    const list = await req(a, 'GET', '/api/v1/users/user_123/addresses/');
    expect(list.statusCode).toBe(200);
    // The reference's shape: a plain array, default first.
    expect(list.json().map((x: { label: string }) => x.label)).toEqual(['Home', 'Work']);

    expect((await req(a, 'GET', `/api/v1/users/user_123/addresses/${work.id}/`)).json().city).toBe('Boston');

    const patched = await req(a, 'PATCH', `/api/v1/users/user_123/addresses/${work.id}/`, {
      is_default: true,
      zip: '02110',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ is_default: true, zip: '02110', line1: '1 Office Rd' });
    expect((await req(a, 'GET', '/api/v1/users/user_123/addresses/')).json()[0].id).toBe(work.id);

    const deleted = await req(a, 'DELETE', `/api/v1/users/user_123/addresses/${work.id}/`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const after = (await req(a, 'GET', '/api/v1/users/user_123/addresses/')).json();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: addr.id, is_default: true });
  });

  it('accepts the usr_ id in the path too', async () => {
    const user = (await req(a, 'GET', '/api/v1/users/user_123/')).json();
    const res = await req(a, 'GET', `/api/v1/users/${user.id}/addresses/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveLength(1);
  });

  it.each([
    [{ city: 'X', country: 'US' }, /body\.line1: /],
    [{ line1: ' ', city: 'X', country: 'US' }, /body\.line1: must not be empty/],
    [
      { line1: 'x', city: 'X', country: 'Narnia' },
      /body\.country: must be an ISO 3166-1 alpha-2 country code/,
    ],
    [{ line1: 'x', city: 'X' }, /body\.country: /],
    [{ line1: 'x', city: 'X', country: 'US', zip: 10001 }, /body\.zip: .*expected string, received number/],
    [{ line1: 'x', city: 'X', country: 'US', planet: 'Mars' }, /Unrecognized key: "planet"/],
  ])('400 naming the field for %j', async (payload, detail) => {
    const res = await req(a, 'POST', '/api/v1/users/user_123/addresses/', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'Bad Request',
      status: 400,
      detail: expect.stringMatching(detail),
    });
  });

  it('400 for an empty or invalid patch, and nothing changes', async () => {
    const [addr] = (await req(a, 'GET', '/api/v1/users/user_123/addresses/')).json();
    const empty = await req(a, 'PATCH', `/api/v1/users/user_123/addresses/${addr.id}/`, {});
    expect(empty.statusCode).toBe(400);
    const bad = await req(a, 'PATCH', `/api/v1/users/user_123/addresses/${addr.id}/`, {
      city: 'Paris',
      country: 'XX',
    });
    expect(bad.statusCode).toBe(400);
    expect((await req(a, 'GET', `/api/v1/users/user_123/addresses/${addr.id}/`)).json()).toEqual(addr);
  });

  it('404 for an unknown user or address', async () => {
    expect((await req(a, 'GET', '/api/v1/users/ghost/addresses/')).json()).toMatchObject({
      status: 404,
      code: 'user_not_found',
    });
    const res = await req(a, 'PATCH', '/api/v1/users/user_123/addresses/addr_nope/', { city: 'X' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'address_not_found' });
  });

  it("keeps companies apart: another company's address is a 404, whatever the path", async () => {
    const [mine] = (await req(a, 'GET', '/api/v1/users/user_123/addresses/')).json();
    // B has its own user_123, with no addresses; A's address id must not be reachable through it.
    expect((await req(b, 'GET', '/api/v1/users/user_123/addresses/')).json()).toEqual([]);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await req(
        b,
        method,
        `/api/v1/users/user_123/addresses/${mine.id}/`,
        method === 'PATCH' ? { city: 'Hacked' } : undefined,
      );
      expect(res.statusCode).toBe(404);
    }
    expect((await req(a, 'GET', `/api/v1/users/user_123/addresses/${mine.id}/`)).json().city).toBe(
      'New York',
    );
  });
});
