// Idempotency-Key on every state-changing /api/v1 call: the first response is kept 24 h and replayed to a retry.
import { createHash } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { companyOf } from './auth.js';
import { idempotencyKeys } from './idempotency-schema.js';

/** How long a key and its response are kept. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim still in flight after this long is taken as abandoned (its process died): a retry may take it over. */
export const IN_FLIGHT_TIMEOUT_MS = 60_000;

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

const STATE_CHANGING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** Whether requests with `method` take an Idempotency-Key. */
export const isStateChanging = (method: string): boolean => STATE_CHANGING.has(method.toUpperCase());
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** JSON with every object's keys sorted, so the same body hashes the same whatever its key order. */
function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** What a key is bound to: SHA-256 (hex) of the method, the URL as sent (query included) and the body as sent. */
export function idempotencyRequestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${url}\n${canonicalJson(body)}`)
    .digest('hex');
}

const ago = (ms: number) => sql`now() - ${`${Math.max(0, Math.floor(ms))} milliseconds`}::interval`;
// Milliseconds, so the claim's created_at survives the round trip through a JS Date and can identify the claim.
const claimTime = sql`date_trunc('milliseconds', now())`;

type Call = {
  key: string;
  hash: string;
  /** Set once this request owns the key: `token` is the created_at it wrote. */
  claim?: { companyId: string; token: Date };
  /** The claim has been stored or released (or is being). */
  settled: boolean;
};

/**
 * Claims the key for this request: inserts it, or takes over a row that has expired or a claim of the same
 * request abandoned in flight. One statement, so of two racing requests exactly one wins. Returns the claim's
 * token, or null when another row holds the key.
 */
async function claim(db: Db, companyId: string, call: Call): Promise<Date | null> {
  const [row] = await db
    .insert(idempotencyKeys)
    .values({ companyId, key: call.key, requestHash: call.hash, createdAt: claimTime })
    .onConflictDoUpdate({
      target: [idempotencyKeys.companyId, idempotencyKeys.key],
      set: { requestHash: call.hash, responseStatus: null, responseBody: null, createdAt: claimTime },
      setWhere: or(
        lt(idempotencyKeys.createdAt, ago(IDEMPOTENCY_TTL_MS)),
        and(
          isNull(idempotencyKeys.responseStatus),
          eq(idempotencyKeys.requestHash, call.hash),
          lt(idempotencyKeys.createdAt, ago(IN_FLIGHT_TIMEOUT_MS)),
        ),
      ),
    })
    .returning({ createdAt: idempotencyKeys.createdAt });
  return row?.createdAt ?? null;
}

/** The claim's own row, still in flight: never a row a later request has taken over since. */
function ownRow(claimed: NonNullable<Call['claim']>, key: string) {
  return and(
    eq(idempotencyKeys.companyId, claimed.companyId),
    eq(idempotencyKeys.key, key),
    eq(idempotencyKeys.createdAt, claimed.token),
    isNull(idempotencyKeys.responseStatus),
  );
}

async function release(db: Db, request: FastifyRequest, call: Call): Promise<void> {
  if (!call.claim) return;
  try {
    await db.delete(idempotencyKeys).where(ownRow(call.claim, call.key));
  } catch (err) {
    request.log.error({ err }, 'could not release an Idempotency-Key');
  }
}

/**
 * Adds Idempotency-Key handling to every POST, PATCH, PUT and DELETE of `scope` (after `requireCompany`).
 * Keys are per company. The first response below 500 is stored and replayed to any retry with the same key and
 * request, marked `Idempotent-Replayed: true`; a 5xx, or a request that ends without a response, frees the key.
 * Requests rejected before the handler (authentication, rate limit, validation) never claim a key.
 */
export function installIdempotency(scope: FastifyInstance, db: Db): void {
  const calls = new WeakMap<FastifyRequest, Call>();

  // After parsing, before validation: check the key and hash the body as the client sent it.
  scope.addHook('preValidation', async (request) => {
    if (!isStateChanging(request.method)) return;
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) return;
    if (typeof key !== 'string' || !VALID_KEY.test(key)) {
      throw new AppError(
        'bad_request',
        'The Idempotency-Key header must be 1 to 255 printable ASCII characters; a UUID is a good choice.',
        { code: 'invalid_idempotency_key' },
      );
    }
    calls.set(request, {
      key,
      hash: idempotencyRequestHash(request.method, request.url, request.body),
      settled: false,
    });
  });

  // Just before the handler (after the rate limit and validation): claim the key, or answer from it.
  scope.addHook('preHandler', async (request, reply) => {
    const call = calls.get(request);
    if (!call) return;
    const companyId = companyOf(request).id;
    for (let attempt = 1; ; attempt++) {
      const token = await claim(db, companyId, call);
      if (token) {
        call.claim = { companyId, token };
        return;
      }
      const [row] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.companyId, companyId), eq(idempotencyKeys.key, call.key)));
      // Freed between the two statements (the first request failed): claim it again.
      if (!row && attempt < 3) continue;
      if (row && row.requestHash !== call.hash) {
        throw new AppError(
          'unprocessable',
          'This Idempotency-Key was used with a different request; send a new key for a new request.',
          { code: 'idempotency_key_reused' },
        );
      }
      if (!row || row.responseStatus === null) {
        reply.header('retry-after', '1');
        throw new AppError(
          'conflict',
          'A request with this Idempotency-Key is still in progress; retry once it has finished.',
          { code: 'idempotency_in_flight', retryable: true },
        );
      }
      return reply
        .code(row.responseStatus)
        .header('content-type', 'application/json; charset=utf-8')
        .header(REPLAYED_HEADER, 'true')
        .send(row.responseBody ?? '');
    }
  });

  // The response as sent, error responses included: keep it below 500, free the key otherwise.
  scope.addHook('onSend', async (request, reply, payload) => {
    const call = calls.get(request);
    if (!call?.claim || call.settled) return payload;
    call.settled = true;
    const body = typeof payload === 'string' ? payload : payload == null ? '' : undefined;
    if (reply.statusCode >= 500 || body === undefined) {
      await release(db, request, call);
      return payload;
    }
    try {
      await db
        .update(idempotencyKeys)
        .set({ responseStatus: reply.statusCode, responseBody: body })
        .where(ownRow(call.claim, call.key));
    } catch (err) {
      // The key stays in flight; a retry may take it over after IN_FLIGHT_TIMEOUT_MS.
      request.log.error({ err }, 'could not store the response of an Idempotency-Key');
    }
    return payload;
  });

  // A response that bypassed onSend (a failing error handler): free the key. A client that disconnects is not
  // one: its handler runs on and its response still passes onSend, so a retry meanwhile gets 409, not a rerun.
  scope.addHook('onResponse', async (request) => {
    const call = calls.get(request);
    if (!call?.claim || call.settled) return;
    call.settled = true;
    await release(db, request, call);
  });
}

/** Deletes keys older than `olderThanMs` (24 h by default); a periodic worker calls it. Returns how many. */
export async function purgeExpiredIdempotencyKeys(
  db: Db,
  olderThanMs: number = IDEMPOTENCY_TTL_MS,
): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, ago(olderThanMs)))
    .returning({ key: idempotencyKeys.key });
  return rows.length;
}
