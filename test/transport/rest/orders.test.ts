// REST for orders and webhooks: the reference's order list, order detail, cancelling, the delivery log and
// redelivery, spending limits, and the operator's status changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyProduct } from '../../../src/tools/buy-product.js';
import { approveAll } from '../../fakes/integrator.js';
import { createTestCompany, startTestApp, type TestApp } from '../../helpers/app.js';
import { openShop, type Shop } from '../../helpers/shop.js';

const ADMIN = 'admin-token-for-orders-tests';
let t: TestApp;
let s: Shop;
let paidId: string;

async function placeOrder(shop: Shop, variant: string, quantity = 1) {
  const ctx = await shop.ctx();
  const q = await buyProduct.run(ctx, buyProduct.input.parse({ variant_id: variant, quantity }));
  return buyProduct.run(ctx, buyProduct.input.parse({ confirmation_token: q.quote!.confirmation_token }));
}

beforeAll(async () => {
  t = await startTestApp({
    env: {
      AISLE_ADMIN_TOKEN: ADMIN,
      AISLE_WEBHOOK_RETRY_BASE_MS: '1',
      AISLE_WEBHOOK_RETRY_MAX_MS: '1',
      AISLE_WEBHOOK_MAX_ATTEMPTS: '2',
    },
  });
  s = await openShop(t);
  paidId = (await placeOrder(s, s.v['shoe-v0']!, 2)).order!.id;
});
afterAll(async () => {
  await s.close();
  await t.close();
});

const get = (url: string, headers = s.company.headers) => t.app.inject({ method: 'GET', url, headers });

describe('GET /api/v1/users/{user_id}/orders/', () => {
  it("answers the reference's shape: a plain array, newest first", async () => {
    const res = await get(`/api/v1/users/${s.user.externalUserId}/orders/`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Array.isArray(body)).toBe(true);
    expect(body[0]).toMatchObject({
      id: paidId,
      status: 'PAID',
      amount: '259.98',
      currency: 'USD',
      items: [{ product_title: 'Trail Runner', variant_title: 'Black / 10', quantity: 2, price: '129.99' }],
      shipping_address: { line1: '123 Main St', city: 'New York', state: 'NY', zip: '10001' },
    });
    expect(body[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("is 404 for another company's user", async () => {
    const other = await createTestCompany(t.db, 'Other');
    expect((await get(`/api/v1/users/${s.user.externalUserId}/orders/`, other.headers)).statusCode).toBe(404);
  });
});

describe('GET /api/v1/orders/{id}/', () => {
  it('gives the order with its status history', async () => {
    const res = await get(`/api/v1/orders/${paidId}/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: paidId, user_id: s.user.externalUserId, status: 'PAID' });
    expect(res.json().events.map((e: { status: string }) => e.status)).toEqual([
      'PENDING',
      'APPROVED',
      'PAID',
    ]);
    expect(res.json().transaction_id).toMatch(/^tx_/);
  });

  it("is 404 for an unknown or another company's order", async () => {
    const other = await createTestCompany(t.db, 'Other2');
    expect((await get(`/api/v1/orders/${paidId}/`, other.headers)).statusCode).toBe(404);
    expect((await get('/api/v1/orders/ord_nope/')).json()).toMatchObject({
      status: 404,
      code: 'order_not_found',
    });
  });
});

describe('POST /api/v1/orders/{id}/cancel/', () => {
  it('cancels a paid order once (replayed with an Idempotency-Key), frees the stock and tells the integrator', async () => {
    const order = (await placeOrder(s, s.v['sock-v0']!, 4)).order!;
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(46);
    const cancel = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/orders/${order.id}/cancel/`,
        headers: { ...s.company.headers, 'idempotency-key': `cancel-${order.id}` },
        payload: { reason: 'Changed my mind' },
      });
    const first = await cancel();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'CANCELLED', status_reason: 'Changed my mind' });
    const replay = await cancel();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(await s.stockOf(s.v['sock-v0']!)).toBe(50);

    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${order.id}/cancel/`,
      headers: s.company.headers,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('order_not_cancellable');

    await s.worker.drain();
    const followup = s.integrator.of('order_followup').find((h) => h.payload.order_id === order.id);
    expect(followup?.payload).toMatchObject({
      event: 'order_followup',
      status: 'CANCELLED',
      previous_status: 'PAID',
    });
  });
});

describe('webhook deliveries', () => {
  it('lists deliveries newest first, with filters and paging', async () => {
    const res = await get('/api/v1/webhooks/deliveries/?event=charge');
    expect(res.statusCode).toBe(200);
    const { results } = res.json();
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((d: { event: string }) => d.event === 'charge')).toBe(true);
    expect(results[0]).toMatchObject({ status: 'delivered', last_status_code: 200, attempts: 1 });
    const page = await get('/api/v1/webhooks/deliveries/?limit=1');
    expect(page.json().results).toHaveLength(1);
    const older = await get(page.json().next);
    expect(older.json().results[0].id < page.json().results[0].id).toBe(true);
    expect((await get('/api/v1/webhooks/deliveries/?status=bogus')).statusCode).toBe(400);
  });

  it('redelivers a dead delivery under the same id once the endpoint is fixed', async () => {
    s.integrator.behave((h) => (h.type === 'order_followup' ? { status: 500 } : approveAll(h)));
    const shipped = await t.app.inject({
      method: 'POST',
      url: `/api/admin/orders/${paidId}/status`,
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { status: 'SHIPPED', tracking: { carrier: 'UPS', number: '1Z999' } },
    });
    expect(shipped.statusCode).toBe(200);
    expect(shipped.json()).toMatchObject({
      status: 'SHIPPED',
      tracking: { carrier: 'UPS', number: '1Z999' },
    });
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await s.worker.drain();
    }
    const dead = (await get('/api/v1/webhooks/deliveries/?status=dead')).json().results;
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ event: 'order_followup', attempts: 2, last_status_code: 500 });
    expect(dead[0].payload).toMatchObject({
      status: 'SHIPPED',
      previous_status: 'PAID',
      tracking: { carrier: 'UPS' },
    });

    s.integrator.behave(approveAll);
    const redeliver = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/deliveries/${dead[0].id}/redeliver/`,
      headers: s.company.headers,
    });
    expect(redeliver.statusCode).toBe(202);
    expect(redeliver.json()).toMatchObject({ id: dead[0].id, status: 'pending' });
    const busy = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/deliveries/${dead[0].id}/redeliver/`,
      headers: s.company.headers,
    });
    expect(busy.statusCode).toBe(409);
    await s.worker.drain();
    const sent = s.integrator.of('order_followup').filter((h) => h.headers['x-webhook-id'] === dead[0].id);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((h) => h.rawBody)).size).toBe(1);
    expect(
      (await get(`/api/v1/webhooks/deliveries/?order_id=${paidId}&event=order_followup`)).json().results[0]
        .status,
    ).toBe('delivered');
  });

  it("is 404 for another company's delivery", async () => {
    const [one] = (await get('/api/v1/webhooks/deliveries/?limit=1')).json().results;
    const other = await createTestCompany(t.db, 'Other3');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/deliveries/${one.id}/redeliver/`,
      headers: other.headers,
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('admin order status', () => {
  it('refuses a transition the state machine does not allow', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/admin/orders/${paidId}/status`,
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { status: 'FULFILLED' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('invalid_transition');
  });
});

describe('spending limits', () => {
  it('are set with PATCH /users/{id}/ and shown on the user', async () => {
    const url = `/api/v1/users/${s.user.externalUserId}/`;
    const res = await t.app.inject({
      method: 'PATCH',
      url,
      headers: s.company.headers,
      payload: { spending_limits: { per_order: '100', per_day: '250.5' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().spending_limits).toEqual({ per_order: '100.00', per_day: '250.50' });
    const bad = await t.app.inject({
      method: 'PATCH',
      url,
      headers: s.company.headers,
      payload: { spending_limits: { per_order: '-3' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/spending_limits.per_order/);
    const cleared = await t.app.inject({
      method: 'PATCH',
      url,
      headers: s.company.headers,
      payload: { spending_limits: { per_order: null } },
    });
    expect(cleared.json().spending_limits).toEqual({ per_order: null, per_day: '250.50' });
  });
});
