// The webhook outbox in one process: several workers share it without ever delivering an event twice, retries keep
// the event id and body and end dead (and redeliverable), a dead worker's lease is taken over, stale PENDING orders
// expire, later status changes send order_followup, and the reference's Python snippet accepts our signatures.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { and, asc, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { products, variants } from '../../src/catalog/schema.js';
import { createCheckout } from '../../src/commerce/checkout.js';
import { getCompany } from '../../src/commerce/index.js';
import { orderEvents, orders } from '../../src/commerce/order-schema.js';
import { buyProduct } from '../../src/tools/buy-product.js';
import { checkBalance } from '../../src/tools/check-balance.js';
import {
  claimDueEvents,
  enqueueEvent,
  newLeaseToken,
  redeliver,
  retryDelayMs,
  settleAttempt,
} from '../../src/webhooks/outbox.js';
import { webhookDeliveries, type DeliveryRow } from '../../src/webhooks/schema.js';
import { startOutboxWorker } from '../../src/webhooks/worker.js';
import { approveAll, type Behaviour, type ReceivedWebhook } from '../fakes/integrator.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { record } from '../helpers/catalog.js';
import { DRIVER } from '../helpers/database.js';
import { openShop, type Shop } from '../helpers/shop.js';

const MAX_ATTEMPTS = 3;
const CHECKOUT_TIMEOUT_SECONDS = 60;

let t: TestApp;
const shops: Shop[] = [];

beforeAll(async () => {
  t = await startTestApp({
    env: {
      AISLE_WEBHOOK_TIMEOUT_MS: '500',
      AISLE_WEBHOOK_RETRY_BASE_MS: '1',
      AISLE_WEBHOOK_RETRY_MAX_MS: '5',
      AISLE_WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      AISLE_CHECKOUT_TIMEOUT_SECONDS: String(CHECKOUT_TIMEOUT_SECONDS),
    },
  });
});
afterAll(async () => {
  for (const s of shops) await s.close();
  await t?.close();
});

async function shop(behaviour?: Behaviour) {
  const s = await openShop(t, behaviour, `W${shops.length}`);
  shops.push(s);
  return s;
}

/** A worker of its own, as another process or node would run. */
const newWorker = () =>
  startOutboxWorker({ ...t.deps, logger: pino({ level: 'silent' }) }, { autostart: false });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function buy(s: Shop, input: Record<string, unknown>) {
  return buyProduct.run(await s.ctx(), buyProduct.input.parse(input));
}

async function paidOrder(s: Shop, variantId: string, quantity = 1) {
  const quoted = await buy(s, { variant_id: variantId, quantity });
  expect(quoted.status).toBe('quote');
  const placed = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
  expect(placed.order).toMatchObject({ status: 'PAID' });
  return placed.order!;
}

async function deliveriesOf(where: { companyId?: string; orderId?: string; id?: string }) {
  return t.db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        where.companyId ? eq(webhookDeliveries.companyId, where.companyId) : undefined,
        where.orderId ? eq(webhookDeliveries.orderId, where.orderId) : undefined,
        where.id ? eq(webhookDeliveries.id, where.id) : undefined,
      ),
    )
    .orderBy(asc(webhookDeliveries.id));
}

async function deliveryById(id: string): Promise<DeliveryRow> {
  const [row] = await deliveriesOf({ id });
  return row!;
}

/** Drains with one worker until `done` holds (retries wait for their backoff). */
async function drainUntil(done: () => Promise<boolean>, timeoutMs = 10_000) {
  const worker = newWorker();
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('drainUntil: gave up waiting');
    await worker.drain();
    await sleep(5);
  }
}

const followupsFor = (s: Shop, orderId: string) =>
  s.integrator.of('order_followup').filter((h) => h.payload.order_id === orderId);

describe('several workers on one outbox', () => {
  it(`never deliver an event twice: 100 events, two workers draining at once (${DRIVER})`, async () => {
    const s = await shop(async () => {
      await sleep(30); // keep each worker's batch in flight while the other claims
      return { body: { received: true } };
    });
    const ids = await t.db.transaction(async (tx) => {
      const rows: string[] = [];
      for (let i = 0; i < 100; i++) {
        const row = await enqueueEvent(tx, {
          companyId: s.company.id,
          orderId: `ord_fake${String(i).padStart(3, '0')}`,
          event: 'order_followup',
          payload: { event: 'order_followup', type: 'order_followup', seq: i },
          maxAttempts: MAX_ATTEMPTS,
        });
        rows.push(row.id);
      }
      return rows;
    });

    const [w1, w2] = [newWorker(), newWorker()];
    const [n1, n2] = await Promise.all([w1.drain(), w2.drain()]);

    // Both took part, and together they claimed each event once.
    expect(n1).toBeGreaterThan(0);
    expect(n2).toBeGreaterThan(0);
    expect(n1 + n2).toBe(100);
    const seen = s.integrator.received.map((h) => String(h.headers['x-webhook-id']));
    expect(seen).toHaveLength(100);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(s.integrator.received.every((h) => h.headers['x-webhook-attempt'] === '1')).toBe(true);
    const rows = await deliveriesOf({ companyId: s.company.id });
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1 && r.leaseToken === null)).toBe(
      true,
    );

    // Nothing is left for anyone.
    expect(await Promise.all([w1.drain(), w2.drain()])).toEqual([0, 0]);
  });

  it('three autostarted workers polling every 10 ms, fed while they run, deliver each event once', async () => {
    const s = await shop(async () => {
      await sleep(5);
      return { body: { received: true } };
    });
    const workers = [1, 2, 3].map(() =>
      startOutboxWorker(
        {
          ...t.deps,
          config: { ...t.deps.config, outbox: { ...t.deps.config.outbox, pollMs: 10 } },
          logger: pino({ level: 'silent' }),
        },
        { autostart: true },
      ),
    );
    try {
      const ids: string[] = [];
      // Written in several transactions while the workers poll.
      for (let batch = 0; batch < 6; batch++) {
        await t.db.transaction(async (tx) => {
          for (let i = 0; i < 10; i++) {
            const row = await enqueueEvent(tx, {
              companyId: s.company.id,
              event: 'order_followup',
              payload: { event: 'order_followup', type: 'order_followup', batch, i },
              maxAttempts: MAX_ATTEMPTS,
            });
            ids.push(row.id);
          }
        });
        for (const w of workers) w.kick();
      }
      const deadline = Date.now() + 10_000;
      while (s.integrator.received.length < ids.length && Date.now() < deadline) await sleep(20);
      await sleep(100); // any duplicate would have arrived by now
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const seen = s.integrator.received.map((h) => String(h.headers['x-webhook-id']));
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    const rows = await deliveriesOf({ companyId: s.company.id });
    expect(rows.map((r) => r.status)).toEqual(Array(60).fill('delivered'));
  });
});

describe('retries', () => {
  it('back off exponentially with full jitter, capped', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 100, 1000, top))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(retryDelayMs(3, 100, 1000, () => 0.5)).toBe(200);
    expect(retryDelayMs(3, 100, 1000, () => 0)).toBe(1); // never "now", never negative
  });

  it('reuse the event id and body, record the answer, end dead, and a redeliver sends it once the receiver is back', async () => {
    const s = await shop((h) =>
      h.type === 'order_followup' ? { status: 500, body: { error: 'down' } } : approveAll(h),
    );
    const order = await paidOrder(s, s.v['shoe-v0']!);
    await t.deps.checkout.advance(s.company.id, order.id, { to: 'FULFILLED', actor: 'merchant' });
    const [row] = (await deliveriesOf({ orderId: order.id })).filter((d) => d.event === 'order_followup');
    expect(row).toMatchObject({ status: 'pending', attempts: 0, maxAttempts: MAX_ATTEMPTS });

    // Backoff made visible: base 300 ms, and the jitter pinned to its top, so attempt n waits 300 * 2^(n-1) ms.
    const { config } = t.deps;
    const saved = { ...config.webhooks };
    config.webhooks.retryBaseMs = 300;
    config.webhooks.retryMaxMs = 60_000;
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const worker = newWorker();
    try {
      // Attempt 1: answered 500, recorded, and put back 300 ms later.
      await worker.drain();
      const first = await deliveryById(row!.id);
      expect(first).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatusCode: 500,
        lastError: 'HTTP 500',
        lastResponse: '{"error":"down"}',
        url: s.integrator.url,
        leaseToken: null,
        deliveredAt: null,
      });
      expect(first.nextAttemptAt.getTime() - first.updatedAt.getTime()).toBeGreaterThan(250);
      expect(first.nextAttemptAt.getTime() - first.updatedAt.getTime()).toBeLessThan(350);
      // Not due yet: a drain now sends nothing.
      await worker.drain();
      expect(followupsFor(s, order.id)).toHaveLength(1);

      // Attempt 2 once due, then 600 ms until attempt 3.
      await sleep(Math.max(0, first.nextAttemptAt.getTime() - Date.now()) + 20);
      await worker.drain();
      const second = await deliveryById(row!.id);
      expect(second).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 500 });
      expect(second.nextAttemptAt.getTime() - second.updatedAt.getTime()).toBeGreaterThan(550);
      expect(second.nextAttemptAt.getTime() - second.updatedAt.getTime()).toBeLessThan(650);

      // Attempt 3 is the last (AISLE_WEBHOOK_MAX_ATTEMPTS): dead.
      await sleep(Math.max(0, second.nextAttemptAt.getTime() - Date.now()) + 20);
      await worker.drain();
    } finally {
      random.mockRestore();
      Object.assign(config.webhooks, saved);
    }
    const dead = await deliveryById(row!.id);
    expect(dead).toMatchObject({
      status: 'dead',
      attempts: MAX_ATTEMPTS,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      leaseToken: null,
    });
    let sent = followupsFor(s, order.id);
    expect(sent.map((h) => h.headers['x-webhook-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(sent.map((h) => h.headers['x-webhook-id']))).toEqual(new Set([row!.id]));
    expect(new Set(sent.map((h) => h.headers['idempotency-key']))).toEqual(new Set([row!.id]));
    expect(new Set(sent.map((h) => h.rawBody)).size).toBe(1);
    expect(sent[0]!.payload).toMatchObject({ id: row!.id, status: 'FULFILLED', previous_status: 'PAID' });

    // Dead stays dead: no worker touches it again.
    expect(await newWorker().drain()).toBe(0);
    expect(followupsFor(s, order.id)).toHaveLength(3);

    // The receiver recovers; a redeliver queues the same event again (attempts start over) and it goes out once.
    s.integrator.behave(approveAll);
    const queued = await redeliver(t.db, s.company.id, row!.id);
    expect(queued).toMatchObject({ id: row!.id, status: 'pending', attempts: 0 });
    await expect(redeliver(t.db, s.company.id, row!.id)).rejects.toMatchObject({
      code: 'delivery_in_progress',
    });
    await expect(redeliver(t.db, shops[0]!.company.id, row!.id)).rejects.toMatchObject({
      code: 'delivery_not_found',
    });
    await newWorker().drain();
    const delivered = await deliveryById(row!.id);
    expect(delivered).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(delivered.deliveredAt).toBeInstanceOf(Date);
    sent = followupsFor(s, order.id);
    expect(sent).toHaveLength(4);
    expect(sent[3]!.headers['x-webhook-id']).toBe(row!.id);
    expect(sent[3]!.headers['x-webhook-attempt']).toBe('1');
    expect(sent[3]!.rawBody).toBe(sent[0]!.rawBody);
    expect(await newWorker().drain()).toBe(0);
    expect(followupsFor(s, order.id)).toHaveLength(4);
  });

  it('a charge that goes dead leaves the order APPROVED with a note; its redeliver (same key) pays it once', async () => {
    const s = await shop((h) => (h.type === 'charge' ? { status: 503 } : approveAll(h)));
    const quoted = await buy(s, { variant_id: s.v['sock-v0'], quantity: 4 });
    const result = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
    expect(result.status).toBe('processing');
    const orderId = result.order!.id;
    const [charge] = (await deliveriesOf({ orderId })).filter((d) => d.event === 'charge');
    await drainUntil(async () => (await deliveryById(charge!.id)).status === 'dead');

    const [stuck] = await t.db.select().from(orders).where(eq(orders.id, orderId));
    expect(stuck!.status).toBe('APPROVED');
    const notes = await t.db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId));
    expect(notes.at(-1)!.note).toContain(`redeliver ${charge!.id}`);
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(46); // still reserved: the payment may yet go through

    s.integrator.behave(approveAll);
    await redeliver(t.db, s.company.id, charge!.id);
    await newWorker().drain();
    const [paid] = await t.db.select().from(orders).where(eq(orders.id, orderId));
    expect(paid!.status).toBe('PAID');
    const charges = s.integrator.of('charge');
    expect(charges).toHaveLength(MAX_ATTEMPTS + 1);
    expect(new Set(charges.map((c) => c.headers['idempotency-key']))).toEqual(new Set([charge!.id]));
    expect(new Set(charges.map((c) => c.rawBody)).size).toBe(1);
    const paidEvents = (await t.db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId))).filter(
      (e) => e.status === 'PAID' && e.previousStatus === 'APPROVED',
    );
    expect(paidEvents).toHaveLength(1);
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(46);
  });
});

describe('leases', () => {
  it("a dead worker's claim is taken over once its lease runs out; its late settle changes nothing", async () => {
    const s = await shop();
    await newWorker().drain(); // nothing else due
    const [event] = await t.db.transaction(async (tx) => [
      await enqueueEvent(tx, {
        companyId: s.company.id,
        orderId: 'ord_leasetest',
        event: 'order_followup',
        payload: { event: 'order_followup', type: 'order_followup', status: 'SHIPPED' },
        maxAttempts: MAX_ATTEMPTS,
      }),
    ]);

    // The worker that dies: it claims the event and never settles it.
    const staleToken = newLeaseToken();
    const claimed = await claimDueEvents(t.db, { limit: 10, leaseMs: 60_000, token: staleToken });
    expect(claimed.map((r) => r.id)).toEqual([event!.id]);
    const stale = claimed[0]!;
    expect(stale).toMatchObject({ status: 'delivering', attempts: 1, leaseToken: staleToken });

    // While its lease runs, nobody else takes it.
    expect(await newWorker().drain()).toBe(0);
    expect(s.integrator.received).toHaveLength(0);

    // The lease runs out (the worker is gone): another worker takes it over and delivers it.
    await t.db
      .update(webhookDeliveries)
      .set({ leaseUntil: sql`now() - interval '1 second'` })
      .where(eq(webhookDeliveries.id, event!.id));
    expect(await newWorker().drain()).toBe(1);
    const taken = await deliveryById(event!.id);
    expect(taken).toMatchObject({ status: 'delivered', attempts: 2, leaseToken: null, lastStatusCode: 200 });
    expect(s.integrator.received).toHaveLength(1);
    expect(s.integrator.received[0]!.headers).toMatchObject({
      'x-webhook-id': event!.id,
      'x-webhook-attempt': '2',
    });

    // The stale worker wakes up and reports: refused, nothing changes.
    const late = await settleAttempt(
      t.db,
      stale,
      { status: 'retry', retryAt: new Date(Date.now() + 60_000) },
      { url: 'http://stale', statusCode: 502, error: 'stale worker', response: '', durationMs: 1 },
    );
    expect(late).toBe(false);
    expect(await deliveryById(event!.id)).toEqual(taken);
    const lateDelivered = await settleAttempt(
      t.db,
      stale,
      { status: 'delivered' },
      { url: 'http://stale', statusCode: 200, error: null, response: '', durationMs: 1 },
    );
    expect(lateDelivered).toBe(false);
    expect(await deliveryById(event!.id)).toEqual(taken);
  });

  it('a charge retaken after its lease ran out is sent under the same id, and the late answer of the old claim changes nothing', async () => {
    await newWorker().drain(); // nothing else due
    const s = await shop((h) => (h.type === 'charge' ? { status: 503 } : approveAll(h)));
    const quoted = await buy(s, { variant_id: s.v['shoe-v1'] });
    const result = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
    const orderId = result.order!.id;
    const [charge] = (await deliveriesOf({ orderId })).filter((d) => d.event === 'charge');
    expect(charge).toMatchObject({ status: 'pending', attempts: 1 });
    await sleep(10); // its backoff

    // A worker claims the retry and dies before it sends anything.
    const dying = await claimDueEvents(t.db, { limit: 10, leaseMs: 60_000, token: newLeaseToken() });
    expect(dying.map((r) => r.id)).toEqual([charge!.id]);
    await t.db
      .update(webhookDeliveries)
      .set({ leaseUntil: sql`now() - interval '1 second'` })
      .where(eq(webhookDeliveries.id, charge!.id));
    s.integrator.behave(approveAll);
    await newWorker().drain();
    const [paid] = await t.db.select().from(orders).where(eq(orders.id, orderId));
    expect(paid!.status).toBe('PAID');
    const before = await deliveryById(charge!.id);

    // The "dead" worker was only slow: it sends its copy and gets the integrator's (deduplicated) answer. Ignored.
    const { processDelivery } = await import('../../src/webhooks/process.js');
    const late = await processDelivery({ ...t.deps, logger: pino({ level: 'silent' }) }, dying[0]!);
    expect(late.next).toEqual([]);
    expect(await deliveryById(charge!.id)).toEqual(before);
    const events = await t.db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId));
    expect(events.filter((e) => e.status === 'PAID' && e.previousStatus === 'APPROVED')).toHaveLength(1);
    const merchantOrders = (await deliveriesOf({ orderId })).filter((d) => d.event === 'merchant_order');
    expect(merchantOrders).toHaveLength(1);
    const charges = s.integrator.of('charge');
    expect(new Set(charges.map((c) => c.headers['idempotency-key']))).toEqual(new Set([charge!.id]));
  });
});

describe('housekeeping', () => {
  it(`expires an order stuck in PENDING past AISLE_CHECKOUT_TIMEOUT_SECONDS, frees its stock and says so`, async () => {
    // The balance check is held until the test lets it go: the order stays PENDING as if its process had died.
    let release: (answer: { approved: boolean }) => void = () => {};
    const held = new Promise<{ approved: boolean }>((resolve) => (release = resolve));
    const s = await shop(async (h) => (h.type === 'balance_check' ? { body: await held } : approveAll(h)));
    const { config } = t.deps;
    // A checkout that waits long enough for the held answer.
    const patient = createCheckout({
      ...t.deps,
      config: { ...config, webhooks: { ...config.webhooks, timeoutMs: 20_000 } },
    });
    const company = await getCompany(t.db, s.company.id);
    const variantId = s.v['shoe-v0']!;
    const quoted = await patient.quote(company, s.user, { lines: [{ variant_id: variantId, quantity: 3 }] });
    const confirming = patient.confirm(company, s.user, { token: quoted.quote!.confirmation_token });

    const deadline = Date.now() + 5000;
    while (s.integrator.of('balance_check').length === 0 && Date.now() < deadline) await sleep(10);
    const orderId = String(s.integrator.of('balance_check')[0]!.payload.order_id);
    const status = async () =>
      (await t.db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)))[0]!.status;
    expect(await status()).toBe('PENDING');
    expect(await s.stockOf(variantId)).toBe(7);

    // Younger than the timeout: left alone.
    const age = (seconds: number) =>
      t.db
        .update(orders)
        .set({ createdAt: sql`now() - ${seconds} * interval '1 second'` })
        .where(eq(orders.id, orderId));
    await age(CHECKOUT_TIMEOUT_SECONDS - 10);
    await newWorker().drain();
    expect(await status()).toBe('PENDING');
    expect(followupsFor(s, orderId)).toHaveLength(0);

    // Older: EXPIRED, stock back, and the integrator hears of it.
    await age(CHECKOUT_TIMEOUT_SECONDS + 5);
    await newWorker().drain();
    expect(await status()).toBe('EXPIRED');
    expect(await s.stockOf(variantId)).toBe(10);
    const [followup] = followupsFor(s, orderId);
    expect(followup!.payload).toMatchObject({
      type: 'order_followup',
      order_id: orderId,
      status: 'EXPIRED',
      previous_status: 'PENDING',
      user_id: s.user.externalUserId,
      reason: expect.stringMatching(/never completed/),
    });

    // The held answer finally comes back approved: too late, the order stays EXPIRED and nothing is charged.
    release({ approved: true });
    const result = await confirming;
    expect(result.status).toBe('payment_failed');
    expect(result.order!.status).toBe('EXPIRED');
    expect(await status()).toBe('EXPIRED');
    expect(s.integrator.of('charge')).toHaveLength(0);
    expect((await deliveriesOf({ orderId })).map((d) => d.event).sort()).toEqual([
      'balance_check',
      'order_followup',
    ]);
    expect(await s.stockOf(variantId)).toBe(10);
    expect(followupsFor(s, orderId)).toHaveLength(1);
  });
});

describe('order_followup on later status changes', () => {
  it('SHIPPED with tracking, then DELIVERED; the machine refuses moves it does not allow', async () => {
    const s = await shop();
    const order = await paidOrder(s, s.v['shoe-v0']!, 2);
    const tracking = { carrier: 'UPS', number: '1Z999AA10123456784' };
    const shipped = await t.deps.checkout.advance(s.company.id, order.id, {
      to: 'SHIPPED',
      actor: 'merchant',
      tracking,
    });
    expect(shipped).toMatchObject({ status: 'SHIPPED', tracking });
    await newWorker().drain();
    expect(followupsFor(s, order.id).map((h) => h.payload)).toEqual([
      expect.objectContaining({
        event: 'order_followup',
        type: 'order_followup',
        order_id: order.id,
        user_id: s.user.externalUserId,
        amount: '259.98',
        currency: 'USD',
        status: 'SHIPPED',
        previous_status: 'PAID',
        tracking,
        transaction_id: order.transaction_id,
      }),
    ]);

    await t.deps.checkout.advance(null, order.id, { to: 'DELIVERED', actor: 'admin' });
    await expect(
      t.deps.checkout.advance(s.company.id, order.id, { to: 'PAID', actor: 'admin' }),
    ).rejects.toMatchObject({ code: 'invalid_transition', status: 409 });
    await expect(
      t.deps.checkout.advance(shops[0]!.company.id, order.id, { to: 'DELIVERED', actor: 'merchant' }),
    ).rejects.toMatchObject({ code: 'order_not_found' });
    await newWorker().drain();
    expect(followupsFor(s, order.id).map((h) => [h.payload.status, h.payload.previous_status])).toEqual([
      ['SHIPPED', 'PAID'],
      ['DELIVERED', 'SHIPPED'],
    ]);
    const [row] = await t.db.select().from(orders).where(eq(orders.id, order.id));
    expect(row!.status).toBe('DELIVERED');
    expect(await s.stockOf(s.v['shoe-v0']!)).toBe(8); // delivered goods stay sold
  });

  it('cancelling a PAID order frees the stock and sends CANCELLED; an APPROVED one is 409 order_not_cancellable', async () => {
    let chargeDown = false;
    const s = await shop((h) => (h.type === 'charge' && chargeDown ? { status: 503 } : approveAll(h)));
    const order = await paidOrder(s, s.v['sock-v0']!, 5);
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(45);
    const cancelled = await t.deps.checkout.cancel(
      s.company.id,
      order.id,
      'integrator',
      'Shopper changed mind',
    );
    expect(cancelled).toMatchObject({ status: 'CANCELLED', statusReason: 'Shopper changed mind' });
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(50);
    await newWorker().drain();
    expect(followupsFor(s, order.id).map((h) => h.payload)).toEqual([
      expect.objectContaining({
        status: 'CANCELLED',
        previous_status: 'PAID',
        reason: 'Shopper changed mind',
      }),
    ]);
    await expect(t.deps.checkout.cancel(s.company.id, order.id, 'integrator')).rejects.toMatchObject({
      code: 'order_not_cancellable',
      status: 409,
    });

    chargeDown = true;
    const quoted = await buy(s, { variant_id: s.v['sock-v0'], quantity: 2 });
    const approved = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
    expect(approved.order!.status).toBe('APPROVED');
    await expect(
      t.deps.checkout.cancel(s.company.id, approved.order!.id, 'integrator'),
    ).rejects.toMatchObject({ code: 'order_not_cancellable', status: 409, retryable: true });
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(48);
    expect(followupsFor(s, approved.order!.id)).toHaveLength(0);

    // Let it finish so nothing is left retrying.
    chargeDown = false;
    await sleep(10);
    await newWorker().drain();
    const [row] = await t.db.select().from(orders).where(eq(orders.id, approved.order!.id));
    expect(row!.status).toBe('PAID');
  });
});

// Verbatim from the API reference ("Verify webhook signature (Flask)"), the function only: it needs hmac and hashlib.
const FLASK_VERIFY = `def verify_signature(body: bytes, timestamp: str, signature: str) -> bool:
    # Signature is HMAC-SHA256 of "{timestamp}.{body}"
    expected = "sha256=" + hmac.new(
        WEBHOOK_SECRET.encode(),
        f"{timestamp}.{body.decode()}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return hmac.compare_digest(signature, expected)
`;

const hasPython = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).stdout?.trim() === '1';
const REFERENCE = '/work/shared/spec/agent-api-reference.txt';

describe("the reference's Python (Flask) snippet", () => {
  it.skipIf(!fs.existsSync(REFERENCE))('is copied here verbatim', () => {
    expect(fs.readFileSync(REFERENCE, 'utf8')).toContain(FLASK_VERIFY);
  });

  it.skipIf(!hasPython)(
    'accepts the signatures of captured webhooks, and refuses a tampered body',
    async () => {
      const s = await shop();
      // Non-ASCII in the body: the signature is over the UTF-8 bytes.
      const { merchant } = await t.deps.catalog.importRecords('Café Zoë', [
        {
          line: 1,
          value: record({
            source_id: 'creme',
            title: 'Crème brûlée set – “deluxe”',
            variants: [{ title: 'Ø 10 cm', price: '20.00', available_qty: 5 }],
          }),
        },
      ]);
      const [creme] = await t.db
        .select({ id: variants.id })
        .from(variants)
        .innerJoin(products, eq(variants.productId, products.id))
        .where(eq(products.merchantId, merchant.id));
      const quoted = await buy(s, {
        items: [
          { variant_id: creme!.id, quantity: 1 },
          { variant_id: s.v['sock-v0'], quantity: 1 },
        ],
      });
      const placed = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
      expect(placed.order!.status).toBe('PAID');
      await t.deps.checkout.advance(s.company.id, placed.order!.id, {
        to: 'SHIPPED',
        actor: 'merchant',
        tracking: { carrier: 'UPS', number: '1Z999AA10123456784' },
      });
      await newWorker().drain();
      await checkBalance.run(await s.ctx(), checkBalance.input.parse({ amount: '12.5' }));

      const captured: ReceivedWebhook[] = s.integrator.received;
      expect(captured.map((h) => h.type).sort()).toEqual([
        'balance_check',
        'balance_check',
        'charge',
        'order_followup',
      ]);
      expect(captured.some((h) => Buffer.byteLength(h.rawBody) > h.rawBody.length)).toBe(true);
      const cases = captured.map((h) => ({
        body: Buffer.from(h.rawBody, 'utf8').toString('base64'),
        timestamp: String(h.headers['x-webhook-timestamp']),
        signature: String(h.headers['x-webhook-signature']),
      }));
      const tampered = { ...cases[0]!, body: Buffer.from(`${captured[0]!.rawBody} `).toString('base64') };
      const script = [
        'import base64',
        'import json',
        'import sys',
        'import hmac',
        'import hashlib',
        '',
        `WEBHOOK_SECRET = ${JSON.stringify(s.company.webhookSecret)}`,
        '',
        FLASK_VERIFY,
        'for case in json.load(sys.stdin):',
        '    print(verify_signature(base64.b64decode(case["body"]), case["timestamp"], case["signature"]))',
      ].join('\n');
      const run = spawnSync('python3', ['-c', script], {
        input: JSON.stringify([...cases, tampered]),
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual([...cases.map(() => 'True'), 'False']);
    },
  );
});
