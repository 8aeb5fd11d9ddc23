import { and, eq } from 'drizzle-orm';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireCompany } from '../../../src/transport/rest/auth.js';
import { installErrorHandling } from '../../../src/transport/rest/errors.js';
import {
  idempotencyRequestHash,
  installIdempotency,
  purgeExpiredIdempotencyKeys,
} from '../../../src/transport/rest/idempotency.js';
import { idempotencyKeys } from '../../../src/transport/rest/idempotency-schema.js';
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

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const call = (co: TestCompany, method: Method, url: string, payload?: object, key?: string) =>
  t.app.inject({
    method,
    url,
    headers: { ...co.headers, ...(key !== undefined && { 'idempotency-key': key }) },
    ...(payload && { payload }),
  });

let n = 0;
/** A fresh user of `co`; returns its addresses URL. */
async function newUser(co: TestCompany): Promise<string> {
  const id = `idem_${++n}`;
  const res = await call(co, 'POST', '/api/v1/users/', { external_user_id: id });
  expect(res.statusCode).toBe(201);
  return `/api/v1/users/${id}/addresses/`;
}

const home = { label: 'Home', line1: '1 Main St', city: 'New York', country: 'US' };

async function addressCount(co: TestCompany, url: string): Promise<number> {
  return (await call(co, 'GET', url)).json().length;
}

async function row(co: TestCompany, key: string) {
  const [r] = await t.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.companyId, co.id), eq(idempotencyKeys.key, key)));
  return r;
}

describe('Idempotency-Key', () => {
  it('replays the first response to a retry with the same key and body, and runs the handler once', async () => {
    const url = await newUser(a);
    const first = await call(a, 'POST', url, home, 'key-replay');
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const again = await call(a, 'POST', url, home, 'key-replay');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.json()).toEqual(first.json());
    expect(await addressCount(a, url)).toBe(1);

    // Key order does not make another request.
    const reordered = { country: 'US', city: 'New York', line1: '1 Main St', label: 'Home' };
    const third = await call(a, 'POST', url, reordered, 'key-replay');
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.json()).toEqual(first.json());
    expect(await addressCount(a, url)).toBe(1);
  });

  it('replays the status of the first response: a registration stays 201, not 200', async () => {
    const body = { external_user_id: 'idem_register' };
    const first = await call(a, 'POST', '/api/v1/users/', body, 'key-register');
    expect(first.statusCode).toBe(201);
    const again = await call(a, 'POST', '/api/v1/users/', body, 'key-register');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('422 for the same key with another body or another path', async () => {
    const url = await newUser(a);
    expect((await call(a, 'POST', url, home, 'key-reused')).statusCode).toBe(201);

    const other = await call(a, 'POST', url, { ...home, city: 'Boston' }, 'key-reused');
    expect(other.statusCode).toBe(422);
    expect(other.json()).toEqual({
      error: 'Unprocessable Entity',
      detail: expect.stringMatching(/Idempotency-Key was used with a different request/),
      status: 422,
      code: 'idempotency_key_reused',
    });
    const elsewhere = await call(
      a,
      'PATCH',
      '/api/v1/users/idem_register/',
      { display_name: 'x' },
      'key-reused',
    );
    expect(elsewhere.statusCode).toBe(422);
    expect(await addressCount(a, url)).toBe(1);
  });

  it('keeps keys per company', async () => {
    const urlA = await newUser(a);
    const urlB = await newUser(b);
    const first = await call(a, 'POST', urlA, home, 'key-shared');
    expect(first.statusCode).toBe(201);
    // Another company's same key, even with another request, is its own.
    const other = await call(b, 'POST', urlB, home, 'key-shared');
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.json().id).not.toBe(first.json().id);
    expect(await addressCount(b, urlB)).toBe(1);
    // And each replays its own.
    expect((await call(b, 'POST', urlB, home, 'key-shared')).json().id).toBe(other.json().id);
    expect((await call(a, 'POST', urlA, home, 'key-shared')).json().id).toBe(first.json().id);
  });

  it('stores and replays a 4xx response', async () => {
    const patch = { display_name: 'Late' };
    const missing = await call(a, 'PATCH', '/api/v1/users/idem_later/', patch, 'key-404');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('user_not_found');

    // The user exists now, but the key answers what it answered first.
    await call(a, 'POST', '/api/v1/users/', { external_user_id: 'idem_later' });
    const replay = await call(a, 'PATCH', '/api/v1/users/idem_later/', patch, 'key-404');
    expect(replay.statusCode).toBe(404);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(missing.json());

    expect((await call(a, 'PATCH', '/api/v1/users/idem_later/', patch, 'key-404b')).statusCode).toBe(200);
  });

  it('replays a PATCH and a DELETE', async () => {
    const url = await newUser(a);
    const addr = (await call(a, 'POST', url, home)).json();

    const patched = await call(a, 'PATCH', `${url}${addr.id}/`, { zip: '10001' }, 'key-patch');
    expect(patched.statusCode).toBe(200);
    const patchedAgain = await call(a, 'PATCH', `${url}${addr.id}/`, { zip: '10001' }, 'key-patch');
    expect(patchedAgain.headers['idempotent-replayed']).toBe('true');
    expect(patchedAgain.json()).toEqual(patched.json());

    const deleted = await call(a, 'DELETE', `${url}${addr.id}/`, undefined, 'key-delete');
    expect(deleted.statusCode).toBe(204);
    // Without the key the retry would be a 404.
    const deletedAgain = await call(a, 'DELETE', `${url}${addr.id}/`, undefined, 'key-delete');
    expect(deletedAgain.statusCode).toBe(204);
    expect(deletedAgain.headers['idempotent-replayed']).toBe('true');
    expect(deletedAgain.body).toBe('');
    expect((await call(a, 'DELETE', `${url}${addr.id}/`)).statusCode).toBe(404);
  });

  it('changes nothing for requests without the key, and for reads with one', async () => {
    const url = await newUser(a);
    const one = await call(a, 'POST', url, home);
    const two = await call(a, 'POST', url, home);
    expect([one.statusCode, two.statusCode]).toEqual([201, 201]);
    expect(one.json().id).not.toBe(two.json().id);
    expect(two.headers['idempotent-replayed']).toBeUndefined();
    expect(await addressCount(a, url)).toBe(2);

    const read = await call(a, 'GET', url, undefined, 'key-get');
    expect(read.statusCode).toBe(200);
    expect(await row(a, 'key-get')).toBeUndefined();
  });

  it('does not claim the key when the request fails validation', async () => {
    const bad = await call(a, 'POST', '/api/v1/users/', { external_user_id: '' }, 'key-invalid-body');
    expect(bad.statusCode).toBe(400);
    expect(await row(a, 'key-invalid-body')).toBeUndefined();
    const good = await call(
      a,
      'POST',
      '/api/v1/users/',
      { external_user_id: 'idem_fixed' },
      'key-invalid-body',
    );
    expect(good.statusCode).toBe(201);
  });

  it('409 while the first request is in flight; takes over one abandoned for over a minute', async () => {
    const url = await newUser(a);
    await t.db.insert(idempotencyKeys).values({
      companyId: a.id,
      key: 'key-in-flight',
      requestHash: idempotencyRequestHash('POST', url, home),
    });
    const busy = await call(a, 'POST', url, home, 'key-in-flight');
    expect(busy.statusCode).toBe(409);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json()).toEqual({
      error: 'Conflict',
      detail: expect.stringMatching(/still in progress/),
      status: 409,
      code: 'idempotency_in_flight',
    });
    expect(await addressCount(a, url)).toBe(0);

    // Another request with that key is still refused as a different request.
    expect((await call(a, 'POST', url, { ...home, zip: '1' }, 'key-in-flight')).statusCode).toBe(422);

    await t.db
      .update(idempotencyKeys)
      .set({ createdAt: new Date(Date.now() - 2 * 60_000) })
      .where(and(eq(idempotencyKeys.companyId, a.id), eq(idempotencyKeys.key, 'key-in-flight')));
    const retried = await call(a, 'POST', url, home, 'key-in-flight');
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect((await row(a, 'key-in-flight'))?.responseStatus).toBe(201);
  });

  it('treats a key older than 24 h as new', async () => {
    const url = await newUser(a);
    await t.db.insert(idempotencyKeys).values({
      companyId: a.id,
      key: 'key-expired',
      requestHash: 'another request',
      responseStatus: 201,
      responseBody: '{"stale":true}',
      createdAt: new Date(Date.now() - 25 * 3600_000),
    });
    const res = await call(a, 'POST', url, home, 'key-expired');
    expect(res.statusCode).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.json().id).toMatch(/^addr_/);
    const again = await call(a, 'POST', url, home, 'key-expired');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(res.json());
    expect(await addressCount(a, url)).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['not ASCII', 'clé'],
  ])('400 for an invalid key: %s', async (_name, key) => {
    const res = await call(a, 'POST', '/api/v1/users/', { external_user_id: 'idem_never' }, key);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Bad Request',
      detail: expect.stringMatching(/Idempotency-Key/),
      status: 400,
      code: 'invalid_idempotency_key',
    });
    expect((await call(a, 'GET', '/api/v1/users/idem_never/')).statusCode).toBe(404);
  });

  it('accepts a key of 255 printable characters', async () => {
    const key = `${' !~'.repeat(84)}abc`;
    expect(key).toHaveLength(255);
    const res = await call(a, 'POST', '/api/v1/users/', { external_user_id: 'idem_long_key' }, key);
    expect(res.statusCode).toBe(201);
    expect(
      (await call(a, 'POST', '/api/v1/users/', { external_user_id: 'idem_long_key' }, key)).statusCode,
    ).toBe(201);
  });
});

describe('/openapi.json', () => {
  it('documents the header, with its 409 and 422, on the state-changing /api/v1 routes only', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const header = (op: { parameters?: { in: string; name: string }[] }) =>
      op.parameters?.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
    const post = doc.paths['/api/v1/users/{user_id}/addresses/'].post;
    expect(header(post)).toMatchObject({ required: false, schema: { type: 'string', maxLength: 255 } });
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    expect(header(doc.paths['/api/v1/users/{user_id}/addresses/{address_id}/'].delete)).toBeDefined();
    expect(header(doc.paths['/api/v1/users/{user_id}/addresses/'].get)).toBeUndefined();
    expect(header(doc.paths['/api/admin/companies/'].post)).toBeUndefined();
  });
});

describe('purgeExpiredIdempotencyKeys', () => {
  it('deletes the keys older than 24 h and only those', async () => {
    const co = await createTestCompany(t.db, 'Purge');
    await t.db.insert(idempotencyKeys).values([
      { companyId: co.id, key: 'old', requestHash: 'h', createdAt: new Date(Date.now() - 25 * 3600_000) },
      { companyId: co.id, key: 'recent', requestHash: 'h', createdAt: new Date(Date.now() - 23 * 3600_000) },
    ]);
    expect(await purgeExpiredIdempotencyKeys(t.db)).toBeGreaterThanOrEqual(1);
    expect(await row(co, 'old')).toBeUndefined();
    expect(await row(co, 'recent')).toBeDefined();
  });
});

// A bare app with the same hooks and routes that fail or wait on demand.
describe('with handlers that fail or take their time', () => {
  let app: FastifyInstance;
  let failures = 0;
  let runs = 0;
  let open: () => void = () => {};

  beforeAll(async () => {
    app = Fastify();
    installErrorHandling(app);
    await app.register(
      async (v1) => {
        requireCompany(v1, t.db);
        installIdempotency(v1, t.db);
        v1.post('/flaky', async (_request, reply) => {
          runs++;
          if (failures > 0) {
            failures--;
            throw new Error('boom');
          }
          return reply.status(201).send({ run: runs });
        });
        v1.post('/slow', async () => {
          runs++;
          await new Promise<void>((resolve) => (open = resolve));
          return { run: runs };
        });
      },
      { prefix: '/v1' },
    );
    await app.ready();
  });
  afterAll(() => app.close());

  const send = (url: string, key: string) =>
    app.inject({ method: 'POST', url, headers: { ...a.headers, 'idempotency-key': key }, payload: { x: 1 } });

  it('frees the key after a 5xx so the retry runs again', async () => {
    failures = 1;
    runs = 0;
    const failed = await send('/v1/flaky', 'key-5xx');
    expect(failed.statusCode).toBe(500);
    expect(await row(a, 'key-5xx')).toBeUndefined();
    const retried = await send('/v1/flaky', 'key-5xx');
    expect(retried.statusCode).toBe(201);
    expect(retried.json()).toEqual({ run: 2 });
    const replayed = await send('/v1/flaky', 'key-5xx');
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual({ run: 2 });
    expect(runs).toBe(2);
  });

  it('409 for a concurrent request with the same key, then the replay', async () => {
    runs = 0;
    const first = send('/v1/slow', 'key-concurrent');
    await expect.poll(() => runs).toBe(1);
    const second = await send('/v1/slow', 'key-concurrent');
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('idempotency_in_flight');
    open();
    expect((await first).statusCode).toBe(200);
    const third = await send('/v1/slow', 'key-concurrent');
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.json()).toEqual({ run: 1 });
    expect(runs).toBe(1);
  });

  it('lets exactly one of many simultaneous requests run', async () => {
    runs = 0;
    const all = Promise.all(Array.from({ length: 5 }, () => send('/v1/slow', 'key-race')));
    await expect.poll(() => runs).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    open();
    const responses = await all;
    const ran = responses.filter((r) => r.statusCode === 200 && !r.headers['idempotent-replayed']);
    expect(ran).toHaveLength(1);
    // The others were refused while it ran, or (if they came late) got its response.
    for (const r of responses.filter((x) => x !== ran[0])) {
      expect(r.statusCode === 409 || r.headers['idempotent-replayed'] === 'true').toBe(true);
    }
    expect(runs).toBe(1);
  });
});
