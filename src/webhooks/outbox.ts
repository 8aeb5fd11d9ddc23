// The outbox's queries: write an event in the caller's transaction, claim due events (SKIP LOCKED, with a lease),
// settle an attempt, redeliver a finished one. Delivery itself is in process.ts; the loop in worker.ts.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { webhookDeliveries, type DeliveryRow, type DeliveryStatus, type WebhookEvent } from './schema.js';

/** Any handle that runs queries: the database or a transaction. */
export type Queryable = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export type NewEvent = {
  companyId: string;
  orderId?: string | null;
  merchantId?: string | null;
  event: WebhookEvent;
  payload: Record<string, unknown>;
  maxAttempts: number;
};

/**
 * Writes an event in the caller's transaction. With `claimFor`, the row starts claimed by that lease, so the process
 * that wrote it can deliver it at once without a worker racing it; if that process dies, the lease runs out and a
 * worker takes over.
 */
export async function enqueueEvent(
  tx: Queryable,
  event: NewEvent,
  claimFor?: { token: string; leaseMs: number },
): Promise<DeliveryRow> {
  const id = newId('evt');
  const [row] = await tx
    .insert(webhookDeliveries)
    .values({
      id,
      companyId: event.companyId,
      orderId: event.orderId ?? null,
      merchantId: event.merchantId ?? null,
      event: event.event,
      payload: { id, ...event.payload },
      maxAttempts: event.maxAttempts,
      ...(claimFor
        ? {
            status: 'delivering' as const,
            attempts: 1,
            leaseToken: claimFor.token,
            leaseUntil: sql`now() + ${claimFor.leaseMs} * interval '1 millisecond'`,
          }
        : {}),
    })
    .returning();
  return row!;
}

export const newLeaseToken = () => randomUUID();

/**
 * Claims up to `limit` due events for one worker: pending ones whose time has come, and claimed ones whose lease ran
 * out (their worker died). SKIP LOCKED lets several workers claim at once without ever taking the same row.
 */
export async function claimDueEvents(
  db: Db,
  options: { limit: number; leaseMs: number; token: string },
): Promise<DeliveryRow[]> {
  const rows = await db.execute(sql`
    update ${webhookDeliveries}
    set status = 'delivering', attempts = attempts + 1, lease_token = ${options.token},
        lease_until = now() + ${options.leaseMs} * interval '1 millisecond', updated_at = now()
    where id in (
      select id from ${webhookDeliveries}
      where (status = 'pending' and next_attempt_at <= now())
         or (status = 'delivering' and lease_until < now())
      order by next_attempt_at
      limit ${options.limit}
      for update skip locked
    )
    returning id`);
  const ids = rowsOf<{ id: string }>(rows).map((r) => r.id);
  if (ids.length === 0) return [];
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(inArray(webhookDeliveries.id, ids), eq(webhookDeliveries.leaseToken, options.token)));
}

export type AttemptRecord = {
  url: string | null;
  statusCode: number | null;
  error: string | null;
  response: string;
  durationMs: number;
};

/**
 * Settles a claimed attempt, only while the claim is still ours (a worker that lost its lease changes nothing).
 * Returns whether it was ours.
 */
export async function settleAttempt(
  tx: Queryable,
  row: DeliveryRow,
  outcome: { status: 'delivered' | 'failed' | 'retry' | 'cancelled'; retryAt?: Date },
  attempt: AttemptRecord,
): Promise<boolean> {
  let status: DeliveryStatus = outcome.status === 'retry' ? 'pending' : outcome.status;
  if (outcome.status === 'retry' && row.attempts >= row.maxAttempts) status = 'dead';
  const updated = await tx
    .update(webhookDeliveries)
    .set({
      status,
      leaseToken: null,
      leaseUntil: null,
      nextAttemptAt: outcome.retryAt ?? new Date(),
      url: attempt.url,
      lastStatusCode: attempt.statusCode,
      lastError: attempt.error,
      lastResponse: attempt.response,
      lastDurationMs: attempt.durationMs,
      deliveredAt: status === 'delivered' ? new Date() : null,
    })
    .where(and(eq(webhookDeliveries.id, row.id), eq(webhookDeliveries.leaseToken, row.leaseToken ?? '')))
    .returning({ id: webhookDeliveries.id });
  return updated.length === 1;
}

/** Exponential backoff with full jitter: attempt n waits a random time up to min(max, base * 2^(n-1)). */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling * random()));
}

/** Cancels an order's events that have not been delivered (its order moved on without them). */
export async function cancelPendingEvents(tx: Queryable, orderId: string, events: WebhookEvent[]) {
  await tx
    .update(webhookDeliveries)
    .set({ status: 'cancelled', leaseToken: null, leaseUntil: null })
    .where(
      and(
        eq(webhookDeliveries.orderId, orderId),
        inArray(webhookDeliveries.event, events),
        eq(webhookDeliveries.status, 'pending'),
      ),
    );
}

export async function listDeliveries(
  db: Db,
  companyId: string,
  filter: { status?: DeliveryStatus; orderId?: string; event?: WebhookEvent; limit: number; before?: string },
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.companyId, companyId),
        filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
        filter.orderId ? eq(webhookDeliveries.orderId, filter.orderId) : undefined,
        filter.event ? eq(webhookDeliveries.event, filter.event) : undefined,
        filter.before ? lt(webhookDeliveries.id, filter.before) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(filter.limit);
}

export async function getDelivery(db: Db, companyId: string, id: string): Promise<DeliveryRow> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.companyId, companyId), eq(webhookDeliveries.id, id)));
  if (!row) {
    throw new AppError('not_found', `No webhook delivery "${id}" for this company.`, {
      code: 'delivery_not_found',
    });
  }
  return row;
}

/**
 * Queues a finished event again, under the same id (the integrator dedupes on it). Its attempts start over.
 * One in flight or waiting is left alone: it will be delivered anyway.
 */
export async function redeliver(db: Db, companyId: string, id: string): Promise<DeliveryRow> {
  const row = await getDelivery(db, companyId, id);
  if (row.status === 'pending' || row.status === 'delivering') {
    throw new AppError(
      'conflict',
      `Delivery ${id} is already ${row.status}; it will be sent without a redeliver.`,
      {
        code: 'delivery_in_progress',
      },
    );
  }
  const [updated] = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date(), deliveredAt: null })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, row.status)))
    .returning();
  if (!updated)
    throw new AppError('conflict', `Delivery ${id} changed meanwhile; try again.`, { retryable: true });
  return updated;
}
