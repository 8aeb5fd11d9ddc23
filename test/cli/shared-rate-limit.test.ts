// Two `aisle serve` nodes on one Postgres database share each API key's rate limit through Redis: requests counted on
// either node add up, the request over the limit is refused on both, and another company's key is unaffected.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/database.js';
import {
  apiHeaders,
  cleanupProcesses,
  makeTempDir,
  request,
  runCliJson,
  startServer,
  type CreatedCompany,
  type Env,
  type ServerProcess,
} from '../helpers/process.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const LIMIT = 10;

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const redisUp = await redisAnswers();
const skipReason = !POSTGRES_URL
  ? 'needs DATABASE_URL (two server processes cannot share the embedded database)'
  : !redisUp
    ? `needs Redis at ${REDIS_URL} (it did not answer PING)`
    : undefined;
if (skipReason) console.log(`[shared-rate-limit] skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('rate limits shared by two nodes through Redis', () => {
  const nodes: ServerProcess[] = [];
  let env: Env;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const database = await createPostgresDatabase(POSTGRES_URL!);
    drop = database.drop;
    env = {
      DATABASE_URL: database.url,
      AISLE_DATA_DIR: await makeTempDir(),
      REDIS_URL,
      AISLE_RATE_LIMIT_PER_MINUTE: String(LIMIT),
    };
    nodes.push(...(await Promise.all([startServer(env), startServer(env)])));
  });

  afterAll(async () => {
    await cleanupProcesses();
    await drop();
  });

  it('both nodes run on the same database and count in Redis', async () => {
    expect(nodes[0]!.port).not.toBe(nodes[1]!.port);
    for (const node of nodes) {
      const health = await request(node.baseUrl, 'GET', '/api/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        database: { status: 'ok', driver: 'postgres' },
        rate_limit: { store: 'redis', per_minute: LIMIT },
      });
    }
  });

  it(`${LIMIT} requests alternating between the nodes pass and count down together; the next is 429 on either`, async () => {
    // With DATABASE_URL set the CLI writes straight to the database both nodes use.
    const company = await runCliJson<CreatedCompany>(
      ['company', 'create', '--name', 'Busy Co', '--json'],
      env,
    );
    const headers = apiHeaders(company);

    for (let i = 0; i < LIMIT; i++) {
      const node = nodes[i % 2]!;
      const res = await request(node.baseUrl, 'GET', '/api/v1/users/', { headers });
      expect(res.status, `request ${i + 1} to node ${i % 2}`).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
      // A per-node counter would give 9, 9, 8, 8, …: only a shared one counts down by one on every request.
      expect(res.headers.get('x-ratelimit-remaining'), `request ${i + 1} to node ${i % 2}`).toBe(
        String(LIMIT - 1 - i),
      );
    }

    for (const node of nodes) {
      const res = await request(node.baseUrl, 'GET', '/api/v1/users/', { headers });
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60).toBe(true);
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(res.body).toEqual({
        error: expect.any(String),
        detail: expect.stringContaining(`${LIMIT} per minute per API key`),
        status: 429,
        code: 'rate_limited',
      });
    }
    // Writes are limited too, not just reads.
    const post = await request(nodes[1]!.baseUrl, 'POST', '/api/v1/users/', {
      headers,
      body: { external_user_id: 'too-late' },
    });
    expect(post.status).toBe(429);
  });

  it('the limit is per API key: another company is unaffected', async () => {
    const [busy, calm] = await Promise.all([
      runCliJson<CreatedCompany>(['company', 'create', '--name', 'Busy Two', '--json'], env),
      runCliJson<CreatedCompany>(['company', 'create', '--name', 'Calm Co', '--json'], env),
    ]);
    for (let i = 0; i < LIMIT; i++) {
      const res = await request(nodes[i % 2]!.baseUrl, 'GET', '/api/v1/users/', {
        headers: apiHeaders(busy),
      });
      expect(res.status).toBe(200);
    }
    expect(
      (await request(nodes[0]!.baseUrl, 'GET', '/api/v1/users/', { headers: apiHeaders(busy) })).status,
    ).toBe(429);

    for (const [i, node] of nodes.entries()) {
      const res = await request(node.baseUrl, 'POST', '/api/v1/users/', {
        headers: apiHeaders(calm),
        body: { external_user_id: `calm-${i}` },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(LIMIT - 1 - i));
    }
  });
});
