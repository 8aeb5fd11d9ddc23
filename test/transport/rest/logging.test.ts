import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createTestCompany, startTestApp, type TestApp, type TestCompany } from '../../helpers/app.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});

let t: TestApp;
let co: TestCompany;

beforeAll(async () => {
  t = await startTestApp({ logger: createLogger({ logLevel: 'trace', logFormat: 'json' }, sink) });
  co = await createTestCompany(t.db);
});
afterAll(() => t.close());

describe('logs', () => {
  it('never contain a secret key, even one sent in a query string', async () => {
    await t.app.inject({ method: 'GET', url: '/api/v1/users/', headers: co.headers });
    await t.app.inject({
      method: 'GET',
      url: `/api/v1/users/?secret_key=${co.secretKey}&page=1`,
      headers: co.headers,
    });
    await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/',
      headers: { ...co.headers, 'x-secret-key': 'sk_wrong_guess' },
    });
    const log = lines.join('');
    expect(log).toContain('"url":"/api/v1/users/?secret_key=[redacted]&page=1"');
    expect(log).not.toContain(co.secretKey);
    expect(log).not.toContain('sk_wrong_guess');
  });

  it('carry the request id', async () => {
    await t.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'trace-me-7' } });
    const entries = lines.map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    expect(entries.filter((e) => e.reqId === 'trace-me-7').map((e) => e.msg)).toEqual([
      'incoming request',
      'request completed',
    ]);
  });
});
