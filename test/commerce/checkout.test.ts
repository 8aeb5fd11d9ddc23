// Checkout end to end through the buy_product / check_balance / order_history tools, against a real integrator
// webhook server on loopback: approve, decline, 500, timeout, invalid JSON, bad signature, charge retries.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { orders } from '../../src/commerce/order-schema.js';
import { rotateWebhookSecret } from '../../src/commerce/index.js';
import { webhookDeliveries } from '../../src/webhooks/schema.js';
import { buyProduct } from '../../src/tools/buy-product.js';
import { checkBalance } from '../../src/tools/check-balance.js';
import { orderHistory } from '../../src/tools/order-history.js';
import { approveAll, type Behaviour } from '../fakes/integrator.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { record } from '../helpers/catalog.js';
import { openShop, type Shop } from '../helpers/shop.js';

let t: TestApp;
const shops: Shop[] = [];

beforeAll(async () => {
  t = await startTestApp({
    env: {
      AISLE_WEBHOOK_TIMEOUT_MS: '300',
      AISLE_WEBHOOK_RETRY_BASE_MS: '1',
      AISLE_WEBHOOK_RETRY_MAX_MS: '1',
      AISLE_WEBHOOK_MAX_ATTEMPTS: '3',
    },
  });
});
afterAll(async () => {
  for (const s of shops) await s.close();
  await t.close();
});

async function shop(behaviour?: Behaviour) {
  const s = await openShop(t, behaviour, `S${shops.length}`);
  shops.push(s);
  return s;
}

async function buy(s: Shop, input: Record<string, unknown>) {
  return buyProduct.run(await s.ctx(), buyProduct.input.parse(input));
}

async function quoteAndConfirm(s: Shop, input: Record<string, unknown>) {
  const quoted = await buy(s, input);
  expect(quoted.status).toBe('quote');
  return buy(s, { confirmation_token: quoted.quote!.confirmation_token });
}

describe('buy_product', () => {
  it('quotes without placing anything, then places and pays on confirmation', async () => {
    const s = await shop();
    const quoted = await buy(s, { variant_id: s.v['shoe-v0'], quantity: 2 });
    expect(quoted).toMatchObject({ status: 'quote', order: null });
    expect(quoted.quote).toMatchObject({
      total: '259.98',
      subtotal: '259.98',
      currency: 'USD',
      shipping_address: { line1: '123 Main St', city: 'New York' },
      items: [
        {
          product: 'Trail Runner',
          variant: 'Black / 10',
          qty: 2,
          quantity: 2,
          price: '129.99',
          line_total: '259.98',
        },
      ],
    });
    expect(quoted.quote!.confirmation_token).toMatch(/^cq_/);
    expect(await s.stockOf(s.v['shoe-v0']!)).toBe(10);
    expect(s.integrator.received).toHaveLength(0);
    expect(await t.db.select().from(orders)).toHaveLength(0);

    const placed = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
    expect(placed.status).toBe('placed');
    expect(placed.order).toMatchObject({ status: 'PAID', amount: '259.98', currency: 'USD' });
    expect(placed.order!.transaction_id).toMatch(/^tx_evt_/);
    expect(await s.stockOf(s.v['shoe-v0']!)).toBe(8);

    const [check, charge] = s.integrator.received;
    expect(check!.payload).toMatchObject({
      event: 'balance_check',
      type: 'balance_check',
      user_id: s.user.externalUserId,
      amount: '259.98',
      currency: 'USD',
      order_id: placed.order!.id,
    });
    expect(check!.payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(charge!.payload).toMatchObject({
      event: 'charge',
      type: 'charge',
      amount: '259.98',
      order_id: placed.order!.id,
    });
    expect(charge!.payload).toHaveProperty('tx_hash');
    expect(charge!.payload).toHaveProperty('status');
    for (const hook of [check!, charge!]) {
      expect(hook.headers['x-webhook-id']).toMatch(/^evt_/);
      expect(hook.headers['idempotency-key']).toBe(hook.headers['x-webhook-id']);
      expect(hook.headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    }

    // The merchant hand-off goes through the outbox.
    await s.worker.drain();
    const handoffs = await t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.orderId, placed.order!.id));
    expect(handoffs.find((d) => d.event === 'merchant_order')).toMatchObject({ status: 'delivered' });

    const history = await orderHistory.run(await s.ctx(), orderHistory.input.parse({}));
    expect(history.orders).toHaveLength(1);
    expect(history.orders[0]).toMatchObject({ id: placed.order!.id, status: 'PAID' });
  });

  it('a declined balance check frees the stock and tells why; no charge is sent', async () => {
    const s = await shop((h) =>
      h.type === 'balance_check'
        ? { body: { approved: false, reason: 'Insufficient balance' } }
        : approveAll(h),
    );
    const result = await quoteAndConfirm(s, { variant_id: s.v['shoe-v0'] });
    expect(result.status).toBe('declined');
    expect(result.message).toContain('Insufficient balance');
    expect(result.order).toMatchObject({ status: 'DECLINED', status_reason: 'Insufficient balance' });
    expect(await s.stockOf(s.v['shoe-v0']!)).toBe(10);
    expect(s.integrator.of('charge')).toHaveLength(0);
  });

  it.each([
    ['answers 500', { status: 500, body: { error: 'boom' } }, /HTTP 500/],
    ['never answers', 'hang' as const, /no answer within 300 ms/],
    ['answers with invalid JSON', { body: 'not json{' }, /not a JSON object/],
    ['answers without "approved"', { body: { ok: true } }, /no boolean "approved"/],
  ])(
    'a balance check that %s fails the order, frees the stock and charges nothing',
    async (_, answer, reason) => {
      const s = await shop((h) => (h.type === 'balance_check' ? answer : approveAll(h)));
      const result = await quoteAndConfirm(s, { variant_id: s.v['shoe-v0'] });
      expect(result.status).toBe('payment_failed');
      expect(result.order!.status).toBe('PAYMENT_FAILED');
      expect(result.order!.status_reason).toMatch(reason);
      expect(result.message).toMatch(/nothing was charged\.$/i);
      expect(await s.stockOf(s.v['shoe-v0']!)).toBe(10);
      expect(s.integrator.of('charge')).toHaveLength(0);
    },
  );

  it('a webhook whose signature the integrator rejects (their secret differs) fails before any charge', async () => {
    const s = await shop();
    await rotateWebhookSecret(t.db, s.company.id); // the fake still holds the old secret
    const result = await quoteAndConfirm(s, { variant_id: s.v['shoe-v0'] });
    expect(result.order).toMatchObject({ status: 'PAYMENT_FAILED' });
    expect(result.order!.status_reason).toMatch(/HTTP 401/);
    expect(s.integrator.received).toHaveLength(0);
  });

  it('a charge with no clear answer is re-sent with the same event id, never charged anew', async () => {
    let failures = 2;
    const s = await shop((h) => (h.type === 'charge' && failures-- > 0 ? { status: 503 } : approveAll(h)));
    const result = await quoteAndConfirm(s, { variant_id: s.v['shoe-v0'] });
    expect(result.status).toBe('processing');
    expect(result.order!.status).toBe('APPROVED');
    await new Promise((r) => setTimeout(r, 10));
    await s.worker.drain();
    await new Promise((r) => setTimeout(r, 10));
    await s.worker.drain();
    const [order] = await t.db.select().from(orders).where(eq(orders.id, result.order!.id));
    expect(order!.status).toBe('PAID');
    const charges = s.integrator.of('charge');
    expect(charges).toHaveLength(3);
    expect(new Set(charges.map((c) => c.headers['idempotency-key'])).size).toBe(1);
    expect(charges.map((c) => c.headers['x-webhook-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(charges.map((c) => c.rawBody)).size).toBe(1);
  });

  it('a refused charge fails the order and frees the stock', async () => {
    const s = await shop((h) =>
      h.type === 'charge' ? { body: { success: false, reason: 'Card expired' } } : approveAll(h),
    );
    const result = await quoteAndConfirm(s, { variant_id: s.v['shoe-v0'], quantity: 3 });
    expect(result.order).toMatchObject({ status: 'PAYMENT_FAILED', status_reason: 'Card expired' });
    expect(await s.stockOf(s.v['shoe-v0']!)).toBe(10);
  });

  it('confirming the same quote twice, even at once, places one order and charges once', async () => {
    const s = await shop();
    const quoted = await buy(s, { variant_id: s.v['sock-v0'] });
    const token = quoted.quote!.confirmation_token;
    const results = await Promise.all([1, 2, 3].map(() => buy(s, { confirmation_token: token })));
    const again = await buy(s, { confirmation_token: token, variant_id: s.v['sock-v0'], quantity: 1 });
    const ids = new Set([...results, again].map((r) => r.order?.id));
    expect(ids.size).toBe(1);
    expect(again.message).toMatch(/already confirmed/);
    expect(s.integrator.of('charge')).toHaveLength(1);
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(49);
  });

  it('a price change since the quote answers price_changed with a fresh quote, never charging the new amount', async () => {
    const s = await shop();
    const quoted = await buy(s, { variant_id: s.v['sock-v0'], quantity: 2 });
    await t.deps.catalog.importRecords(`Sock Shop S${shops.length - 1}`, [
      {
        line: 1,
        value: record({
          source_id: 'sock',
          title: 'Wool Socks',
          variants: [{ title: 'M', price: '14.00', available_qty: 50 }],
        }),
      },
    ]);
    const changed = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
    expect(changed.status).toBe('price_changed');
    expect(changed.quote).toMatchObject({ total: '28.00' });
    expect(changed.message).toMatch(/was 25.00/);
    expect(s.integrator.received).toHaveLength(0);
    const placed = await buy(s, { confirmation_token: changed.quote!.confirmation_token });
    expect(placed.order).toMatchObject({ status: 'PAID', amount: '28.00' });
  });

  it('stock gone since the quote answers out_of_stock, naming variants still in stock', async () => {
    const s = await shop();
    const quoted = await buy(s, { variant_id: s.v['shoe-v0'], quantity: 2 });
    await s.setStock(s.v['shoe-v0']!, 0);
    const result = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
    expect(result.status).toBe('out_of_stock');
    expect(result.message).toMatch(/sold out; 1 other variant\(s\) are in stock: Black \/ 11/);
    expect(result.quote).toBeNull();
    expect(await t.db.select().from(orders).where(eq(orders.userId, s.user.id))).toHaveLength(0);
  });

  it("refuses a token for another purchase, an unknown token, and another shopper's token", async () => {
    const s = await shop();
    const quoted = await buy(s, { variant_id: s.v['shoe-v0'] });
    const token = quoted.quote!.confirmation_token;
    await expect(
      buy(s, { confirmation_token: token, variant_id: s.v['shoe-v0'], quantity: 2 }),
    ).rejects.toMatchObject({ code: 'quote_mismatch' });
    await expect(buy(s, { confirmation_token: 'cq_nope' })).rejects.toMatchObject({
      code: 'invalid_confirmation',
    });
    const other = await shop();
    await expect(buy(other, { confirmation_token: token })).rejects.toMatchObject({
      code: 'invalid_confirmation',
    });
  });

  it('an expired quote is answered with a fresh one', async () => {
    const s = await shop();
    t.deps.config.checkout.quoteTtlSeconds = -1;
    const quoted = await buy(s, { variant_id: s.v['sock-v0'] });
    t.deps.config.checkout.quoteTtlSeconds = 900;
    const result = await buy(s, { confirmation_token: quoted.quote!.confirmation_token });
    expect(result.status).toBe('quote_expired');
    expect(result.quote!.confirmation_token).not.toBe(quoted.quote!.confirmation_token);
  });

  it("one order can hold several merchants' items: one balance check, one charge, a hand-off per merchant", async () => {
    const s = await shop();
    const result = await quoteAndConfirm(s, {
      items: [
        { variant_id: s.v['shoe-v0'], quantity: 1 },
        { variant_id: s.v['sock-v0'], quantity: 2 },
      ],
    });
    expect(result.order).toMatchObject({ status: 'PAID', amount: '154.99' });
    expect(s.integrator.of('balance_check')).toHaveLength(1);
    expect(s.integrator.of('charge')).toHaveLength(1);
    await s.worker.drain();
    const handoffs = (
      await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.orderId, result.order!.id))
    ).filter((d) => d.event === 'merchant_order');
    expect(handoffs).toHaveLength(2);
    expect(handoffs.map((h) => (h.payload.items as unknown[]).length)).toEqual([1, 1]);
  });

  it('spending limits stop an order before any webhook', async () => {
    const s = await shop();
    await t.db.execute(
      `update users set spend_limit_per_order = '100.00' where id = '${s.user.id}'` as never,
    );
    await expect(buy(s, { variant_id: s.v['shoe-v0'] })).rejects.toMatchObject({
      code: 'spending_limit_exceeded',
    });
    await t.db.execute(
      `update users set spend_limit_per_order = null, spend_limit_per_day = '30.00' where id = '${s.user.id}'` as never,
    );
    const first = await quoteAndConfirm(s, { variant_id: s.v['sock-v0'], quantity: 2 });
    expect(first.order!.status).toBe('PAID');
    await expect(buy(s, { variant_id: s.v['sock-v0'] })).rejects.toMatchObject({
      code: 'spending_limit_exceeded',
    });
    expect(s.integrator.of('balance_check')).toHaveLength(1);
  });

  it('200 concurrent buyers of the last 10 units: exactly 10 orders paid, 190 clear sold-out answers', async () => {
    const s = await shop();
    await s.setStock(s.v['shoe-v1']!, 10);
    // 200 confirmations at once keep the event loop busy: give the integrator's answers the default time.
    t.deps.config.webhooks.timeoutMs = 10_000;
    onTestFinished(() => {
      t.deps.config.webhooks.timeoutMs = 300;
    });
    const quotes = [];
    for (let i = 0; i < 200; i++)
      quotes.push((await buy(s, { variant_id: s.v['shoe-v1'] })).quote!.confirmation_token);
    const results = await Promise.all(quotes.map((token) => buy(s, { confirmation_token: token })));
    const by = (status: string) => results.filter((r) => r.status === status);
    expect(by('placed')).toHaveLength(10);
    expect(by('out_of_stock')).toHaveLength(190);
    expect(by('out_of_stock')[0]!.message).toMatch(/\(Black \/ 11\) is sold out/);
    expect(await s.stockOf(s.v['shoe-v1']!)).toBe(0);
    expect(s.integrator.of('charge')).toHaveLength(10);
  });
});

describe('check_balance', () => {
  it('asks the integrator and returns its answer, moving no money', async () => {
    const s = await shop((h) => ({
      body: { approved: Number(h.payload.amount) < 100, reason: 'Over budget' },
    }));
    const ctx = await s.ctx();
    expect(await checkBalance.run(ctx, checkBalance.input.parse({ amount: '50' }))).toEqual({
      approved: true,
      reason: 'Over budget',
      amount: '50.00',
      currency: 'USD',
    });
    expect(await checkBalance.run(ctx, checkBalance.input.parse({ amount: '150.5' }))).toMatchObject({
      approved: false,
      reason: 'Over budget',
    });
    expect(s.integrator.of('balance_check')[0]!.payload).toMatchObject({
      amount: '50.00',
      order_id: null,
      user_id: s.user.externalUserId,
    });
  });

  it('says clearly when the integrator does not answer', async () => {
    const s = await shop(() => ({ status: 502 }));
    await expect(
      checkBalance.run(await s.ctx(), checkBalance.input.parse({ amount: '5' })),
    ).rejects.toMatchObject({ code: 'payment_app_unavailable', retryable: true });
  });
});
