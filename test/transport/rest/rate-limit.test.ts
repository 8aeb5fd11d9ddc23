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

const list = (co: TestCompany) => t.app.inject({ method: 'GET', url: '/api/v1/users/', headers: co.headers });

describe('rate limit: 100 requests a minute per API key', () => {
  it('counts down in headers, then answers 429 with Retry-After and the error body', async () => {
    for (let i = 1; i <= 100; i++) {
      const res = await list(a);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('100');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(100 - i));
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      expect(Number(res.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(60);
    }
    const limited = await list(a);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.json()).toEqual({
      error: 'Rate limit exceeded',
      detail: expect.stringMatching(/limit is 100 per minute per API key/),
      status: 429,
      code: 'rate_limited',
    });
    // Writes are limited too.
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users/',
      headers: a.headers,
      payload: { external_user_id: 'x' },
    });
    expect(post.statusCode).toBe(429);
  });

  it('is per API key: another company is unaffected', async () => {
    const res = await list(b);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-ratelimit-remaining']).toBe('99');
  });

  it("does not let bad credentials spend a company's budget", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/',
      headers: { 'x-client-id': b.clientId, 'x-secret-key': 'sk_wrong' },
    });
    expect(res.statusCode).toBe(401);
    expect((await list(b)).headers['x-ratelimit-remaining']).toBe('98');
  });

  it('follows AISLE_RATE_LIMIT_PER_MINUTE', async () => {
    const small = await startTestApp({ env: { AISLE_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const co = await createTestCompany(small.db);
      const codes = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (await small.app.inject({ method: 'GET', url: '/api/v1/users/', headers: co.headers })).statusCode,
        );
      }
      expect(codes).toEqual([200, 200, 200, 429]);
    } finally {
      await small.close();
    }
  });
});

describe('rate limit in Redis', () => {
  it('keeps serving, and says so in /api/health, when Redis is unreachable', async () => {
    // Port 1 on loopback: nothing listens there, so every Redis command fails at once.
    const down = await startTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:1', AISLE_RATE_LIMIT_PER_MINUTE: '2' },
    });
    try {
      const co = await createTestCompany(down.db);
      const codes = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (await down.app.inject({ method: 'GET', url: '/api/v1/users/', headers: co.headers })).statusCode,
        );
      }
      expect(codes).toEqual([200, 200, 200, 200]);
      const health = (await down.app.inject({ method: 'GET', url: '/api/health' })).json();
      expect(health.rate_limit).toEqual({ store: 'redis', status: 'error', per_minute: 2 });
    } finally {
      await down.close();
    }
  });
});
