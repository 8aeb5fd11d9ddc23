// Delivering one claimed outbox event and applying the answer: send it, read the answer the reference defines for
// the event, then in one transaction settle the attempt and move the order. A late or repeated answer (the order
// moved on, another worker took over) changes nothing.
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { merchants } from '../catalog/schema.js';
import { manualHandoff, type MerchantHandoff } from '../commerce/handoff.js';
import type { MerchantRow } from '../catalog/schema.js';
import { orders } from '../commerce/order-schema.js';
import { itemsOf, moveOrder, noteOrder, type MoveResult } from '../commerce/orders.js';
import { companies, type CompanyRow } from '../commerce/schema.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Metrics } from '../metrics.js';
import { enqueueEvent, retryDelayMs, settleAttempt, type AttemptRecord, type Queryable } from './outbox.js';
import { chargePayload, merchantOrderPayload } from './payloads.js';
import type { DeliveryRow } from './schema.js';
import { sendWebhook, type WebhookResponse } from './send.js';

export type DeliveryDeps = {
  db: Db;
  config: Pick<Config, 'webhooks'>;
  logger: Logger;
  version: string;
  /** How a merchant receives its part of an order; manual fulfilment when it has no connected store. */
  handoffFor?: (merchant: MerchantRow) => MerchantHandoff | undefined;
  /** Told which products' stock changed, so the search index follows. */
  onStockChange?: (productIds: string[]) => void;
  /** Counts settled attempts and their duration; optional (tests build deps without it). */
  metrics?: Metrics;
};

export type BalanceAnswer = { approved: boolean; reason: string | null };

export type Processed = {
  /** Events this one led to, already claimed by the same lease: the caller delivers them next. */
  next: DeliveryRow[];
  /** For balance_check: the integrator's answer, or null when none came. */
  balance?: BalanceAnswer | null;
  error?: string | null;
};

/** How long a claim lasts: one attempt's timeout plus room for the database work around it. */
export const leaseMs = (config: Pick<Config, 'webhooks'>) => config.webhooks.timeoutMs + 5000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 500) : null);

type Outcome = {
  status: 'delivered' | 'failed' | 'retry';
  apply?: (tx: Queryable) => Promise<{ next: DeliveryRow[]; moved?: MoveResult }>;
};

/** `company`: the row the caller already holds (the checkout that placed the order), saving a read. */
export async function processDelivery(
  deps: DeliveryDeps,
  row: DeliveryRow,
  hint: { company?: CompanyRow } = {},
): Promise<Processed> {
  const { db, config } = deps;
  const settings = { followupAttempts: config.webhooks.maxAttempts };
  let attempt: AttemptRecord;
  let outcome: Outcome;
  let balance: BalanceAnswer | null | undefined;

  if (row.event === 'merchant_order') {
    ({ attempt, outcome } = await handOff(deps, row));
  } else {
    const company =
      hint.company?.id === row.companyId
        ? hint.company
        : (await db.select().from(companies).where(eq(companies.id, row.companyId)))[0];
    let res: WebhookResponse;
    if (!company?.webhookUrl) {
      res = {
        statusCode: null,
        json: undefined,
        text: '',
        error: 'no webhook URL is configured',
        durationMs: 0,
      };
    } else {
      res = await sendWebhook({
        url: company.webhookUrl,
        secret: company.webhookSecret,
        eventId: row.id,
        event: row.event,
        attempt: row.attempts,
        body: JSON.stringify(row.payload),
        timeoutMs: config.webhooks.timeoutMs,
        userAgent: `Aisle-Webhooks/${deps.version}`,
      });
    }
    attempt = {
      url: company?.webhookUrl ?? null,
      statusCode: res.statusCode,
      error: res.error,
      response: res.text,
      durationMs: res.durationMs,
    };
    const ok = res.statusCode !== null && res.statusCode >= 200 && res.statusCode < 300;
    const answer = ok && isObject(res.json) ? res.json : undefined;
    if (ok && !answer) attempt.error = 'the answer was not a JSON object';

    if (row.event === 'balance_check') {
      const valid = answer && typeof answer.approved === 'boolean';
      if (answer && !valid) attempt.error = 'the answer has no boolean "approved"';
      balance = valid ? { approved: answer.approved as boolean, reason: text(answer.reason) } : null;
      outcome = {
        status: valid ? 'delivered' : 'failed',
        apply: row.orderId ? applyBalance(row, balance, attempt.error) : undefined,
      };
    } else if (row.event === 'charge') {
      const definite = answer && typeof answer.success === 'boolean';
      if (answer && !definite) attempt.error = 'the answer has no boolean "success"';
      outcome = definite
        ? { status: 'delivered', apply: applyCharge(row, answer) }
        : { status: 'retry', apply: row.attempts >= row.maxAttempts ? noteUnresolvedCharge(row) : undefined };
    } else {
      outcome = { status: ok ? 'delivered' : 'retry' };
    }
  }

  const retryAt =
    outcome.status === 'retry'
      ? new Date(
          Date.now() + retryDelayMs(row.attempts, config.webhooks.retryBaseMs, config.webhooks.retryMaxMs),
        )
      : undefined;
  const applied = await db.transaction(async (tx) => {
    if (!(await settleAttempt(tx, row, { status: outcome.status, retryAt }, attempt))) return null;
    return outcome.apply ? outcome.apply(tx) : { next: [] };
  });
  if (applied !== null && deps.metrics) {
    const dead = outcome.status === 'retry' && row.attempts >= row.maxAttempts;
    deps.metrics.webhookDeliveries.inc({ event: row.event, outcome: dead ? 'dead' : outcome.status });
    deps.metrics.webhookDeliveryDuration.observe({ event: row.event }, attempt.durationMs / 1000);
  }
  if (applied === null) {
    deps.logger.warn(
      { event: row.event, id: row.id },
      'webhook claim was lost to another worker; answer ignored',
    );
  }
  const level = outcome.status === 'delivered' ? 'info' : 'warn';
  deps.logger[level](
    {
      event: row.event,
      id: row.id,
      order: row.orderId,
      attempt: row.attempts,
      status: attempt.statusCode,
      error: attempt.error,
      ms: attempt.durationMs,
    },
    `webhook ${row.event} ${outcome.status}`,
  );
  const restocked = applied?.moved?.restocked ?? [];
  if (restocked.length) deps.onStockChange?.(restocked);
  return { next: applied?.next ?? [], balance, error: attempt.error };

  function applyBalance(r: DeliveryRow, answer: BalanceAnswer | null, error: string | null) {
    return async (tx: Queryable) => {
      const orderId = r.orderId!;
      if (!answer) {
        const moved = await moveOrder(
          tx,
          orderId,
          {
            to: 'PAYMENT_FAILED',
            from: ['PENDING'],
            actor: 'system',
            reason: `The payment app did not answer the balance check (${error ?? 'no answer'}); nothing was charged.`,
          },
          settings,
        );
        return { next: [], moved };
      }
      if (!answer.approved) {
        const moved = await moveOrder(
          tx,
          orderId,
          {
            to: 'DECLINED',
            from: ['PENDING'],
            actor: 'integrator',
            reason: answer.reason ?? 'Declined by the payment app.',
          },
          settings,
        );
        return { next: [], moved };
      }
      const moved = await moveOrder(
        tx,
        orderId,
        { to: 'APPROVED', from: ['PENDING'], actor: 'integrator', note: 'balance approved' },
        settings,
      );
      if (!moved.moved) return { next: [], moved };
      const items = (await itemsOf(tx, [orderId])).get(orderId) ?? [];
      const charge = await enqueueEvent(
        tx,
        {
          companyId: r.companyId,
          orderId,
          event: 'charge',
          payload: chargePayload(moved.order, String(r.payload.user_id ?? ''), items),
          maxAttempts: config.webhooks.maxAttempts,
        },
        { token: r.leaseToken!, leaseMs: leaseMs(config) },
      );
      return { next: [charge], moved };
    };
  }

  function applyCharge(r: DeliveryRow, answer: Record<string, unknown>) {
    return async (tx: Queryable) => {
      const orderId = r.orderId!;
      if (answer.success !== true) {
        const moved = await moveOrder(
          tx,
          orderId,
          {
            to: 'PAYMENT_FAILED',
            from: ['APPROVED'],
            actor: 'integrator',
            reason: text(answer.reason) ?? text(answer.error) ?? 'The payment was refused.',
          },
          settings,
        );
        return { next: [], moved };
      }
      const transactionId =
        text(answer.transaction_id) ??
        (typeof answer.transaction_id === 'number' ? String(answer.transaction_id) : null);
      const moved = await moveOrder(
        tx,
        orderId,
        {
          to: 'PAID',
          from: ['APPROVED'],
          actor: 'integrator',
          transactionId,
          note: transactionId ? `paid: ${transactionId}` : 'paid',
        },
        settings,
      );
      if (!moved.moved) return { next: [], moved };
      const items = (await itemsOf(tx, [orderId])).get(orderId) ?? [];
      for (const merchantId of [...new Set(items.map((i) => i.merchantId))]) {
        await enqueueEvent(tx, {
          companyId: r.companyId,
          orderId,
          merchantId,
          event: 'merchant_order',
          payload: merchantOrderPayload(moved.order, merchantId, items),
          maxAttempts: config.webhooks.maxAttempts,
        });
      }
      return { next: [], moved };
    };
  }

  function noteUnresolvedCharge(r: DeliveryRow) {
    return async (tx: Queryable) => {
      const [order] = await tx.select().from(orders).where(eq(orders.id, r.orderId!));
      if (order) {
        await noteOrder(
          tx,
          order,
          'system',
          `the charge got no answer after ${r.attempts} attempts; redeliver ${r.id} once the payment app is back (it carries the same Idempotency-Key)`,
        );
      }
      return { next: [] };
    };
  }
}

async function handOff(
  deps: Pick<DeliveryDeps, 'db' | 'handoffFor'>,
  row: DeliveryRow,
): Promise<{ attempt: AttemptRecord; outcome: Outcome }> {
  const { db } = deps;
  const started = performance.now();
  const [merchant] = await db
    .select()
    .from(merchants)
    .where(eq(merchants.id, row.merchantId ?? ''));
  const result = merchant
    ? await (deps.handoffFor?.(merchant) ?? manualHandoff)(merchant, row.payload).catch((err: Error) => ({
        ok: false as const,
        error: err.message,
        retryable: true,
      }))
    : { ok: false as const, error: `merchant ${row.merchantId} no longer exists`, retryable: false };
  const attempt: AttemptRecord = {
    url: merchant?.storeUrl ?? null,
    statusCode: null,
    error: result.ok ? null : result.error,
    response: result.ok ? result.note : '',
    durationMs: Math.round(performance.now() - started),
  };
  if (!result.ok) return { attempt, outcome: { status: result.retryable ? 'retry' : 'failed' } };
  return {
    attempt,
    outcome: {
      status: 'delivered',
      async apply(tx) {
        const [order] = await tx.select().from(orders).where(eq(orders.id, row.orderId!));
        if (order) await noteOrder(tx, order, 'merchant', result.note);
        return { next: [] };
      },
    },
  };
}
