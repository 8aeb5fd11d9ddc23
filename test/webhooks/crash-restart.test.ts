// Crash safety of checkout: the real `aisle serve` is killed with SIGKILL while four orders are each frozen at a
// different step, then started again on the same data. Every order must end in a consistent state (PAID, or a clean
// failure with its stock back), no order is charged twice, and a re-sent charge carries the same Idempotency-Key.
//
//   (a) A: its balance_check is in flight (the integrator holds it)
//   (b) B: its charge is in flight (held)
//   (c) C: its charge was answered "success", and the server is killed as soon as the answer is on the wire
//   (d) D: a paid order moved to SHIPPED before the server started; its order_followup is in flight (held)
//
// One kill covers all four (each webhook attempt times out after AISLE_WEBHOOK_TIMEOUT_MS, so the four are lined up
// within that window), and one restart recovers them: a killed server's claims are retaken once their lease
// (timeout + 5 s) runs out.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { asc, eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../src/app.js';
import { variants } from '../../src/catalog/schema.js';
import { addAddress, getCompany, registerUser, users } from '../../src/commerce/index.js';
import { orderEvents, orderItems, orders, type OrderStatus } from '../../src/commerce/order-schema.js';
import { loadConfig } from '../../src/config.js';
import { databaseTarget, openDatabase } from '../../src/db/client.js';
import { webhookDeliveries, type DeliveryRow } from '../../src/webhooks/schema.js';
import { approveAll, type ReceivedWebhook } from '../fakes/integrator.js';
import type { TestApp } from '../helpers/app.js';
import { DRIVER } from '../helpers/database.js';
import {
  cleanupProcesses,
  freshBackend,
  startServer,
  type Env,
  type ServerProcess,
} from '../helpers/process.js';
import { openShop, type Shop } from '../helpers/shop.js';

const TIMEOUT_MS = 2000;
const SETTINGS: Env = {
  AISLE_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
  AISLE_OUTBOX_POLL_MS: '100',
  AISLE_WEBHOOK_RETRY_BASE_MS: '50',
  AISLE_WEBHOOK_RETRY_MAX_MS: '200',
  AISLE_WEBHOOK_MAX_ATTEMPTS: '20',
};
const FINAL: readonly OrderStatus[] = [
  'PAID',
  'FULFILLED',
  'SHIPPED',
  'DELIVERED',
  'DECLINED',
  'PAYMENT_FAILED',
  'CANCELLED',
  'EXPIRED',
];
/** Statuses in which the order holds its stock (money moved). */
const KEEPS_STOCK: readonly OrderStatus[] = ['PAID', 'FULFILLED', 'SHIPPED', 'DELIVERED'];

type Buyer = 'a' | 'b' | 'c' | 'd';
const BUYERS: Buyer[] = ['a', 'b', 'c', 'd'];
const externalId = (b: Buyer) => `crash-${b}`;
const buyerOf = (h: ReceivedWebhook) => String(h.payload.user_id).replace(/^crash-/, '') as Buyer;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

type Snapshot = {
  orders: Map<Buyer, { id: string; status: OrderStatus; statusReason: string | null }>;
  events: Map<Buyer, { status: OrderStatus; previousStatus: OrderStatus | null }[]>;
  deliveries: Map<Buyer, DeliveryRow[]>;
  allDeliveries: DeliveryRow[];
  stock: Record<string, number>;
  /** What each buyer ordered. */
  bought: Map<Buyer, { variantId: string; quantity: number }[]>;
};

let backend: Awaited<ReturnType<typeof freshBackend>> | undefined;
let shop: Shop;
let server: ServerProcess;
let snapshot: Snapshot;
/** Webhooks the integrator got during the setup, before the kill, and after the restart. */
let setupHooks: ReceivedWebhook[] = [];
let beforeKill: ReceivedWebhook[] = [];
let afterRestart: ReceivedWebhook[] = [];
let killedBy: NodeJS.Signals | null = null;
/** Buyers whose confirmation got no answer over MCP (the server died under it). */
let unanswered: Buyer[] = [];
const reconfirmed = new Map<Buyer, BuyOutput & { message: string }>();
let followupInFlightAtKill = false;
const initialStock: Record<string, number> = {};

const env = (): Env => ({ ...backend!.env, ...SETTINGS });

/** The same settings the child reads, for opening its data from this process while it is not running. */
const config = () => loadConfig({ ...(env() as NodeJS.ProcessEnv), LOG_LEVEL: 'silent' });

async function connect(baseUrl: string) {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
    requestInit: { headers: shop.company.headers },
  });
  const client = new Client({ name: 'crash-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type BuyOutput = {
  status: string;
  quote: { confirmation_token: string } | null;
  order: { id: string; status: OrderStatus } | null;
};

async function callTool<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    structuredContent?: unknown;
    content?: unknown;
  };
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

/** Starts the server again on the same data: on PGlite it waits for the dead holder's folder lock to go stale. */
const restart = (): Promise<ServerProcess> => startServer(env());

async function takeSnapshot(bought: Snapshot['bought']): Promise<Snapshot> {
  const database = await openDatabase(databaseTarget(config()));
  try {
    const { db } = database;
    const userIds = new Map<string, Buyer>();
    for (const b of BUYERS) {
      const [u] = await db
        .select()
        .from(users)
        .where(eq(users.externalUserId, externalId(b)));
      userIds.set(u!.id, b);
    }
    const rows = await db
      .select()
      .from(orders)
      .where(inArray(orders.userId, [...userIds.keys()]));
    const snap: Snapshot = {
      orders: new Map(),
      events: new Map(),
      deliveries: new Map(),
      allDeliveries: await db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.id)),
      stock: {},
      bought,
    };
    for (const o of rows) {
      const b = userIds.get(o.userId)!;
      expect(snap.orders.has(b), `buyer ${b} has one order`).toBe(false);
      snap.orders.set(b, { id: o.id, status: o.status, statusReason: o.statusReason });
      snap.events.set(
        b,
        await db
          .select({ status: orderEvents.status, previousStatus: orderEvents.previousStatus })
          .from(orderEvents)
          .where(eq(orderEvents.orderId, o.id))
          .orderBy(asc(orderEvents.id)),
      );
      snap.deliveries.set(
        b,
        snap.allDeliveries.filter((d) => d.orderId === o.id),
      );
      const items = await db.select().from(orderItems).where(eq(orderItems.orderId, o.id));
      expect(
        items.map((i) => ({ variantId: i.variantId, quantity: i.quantity })),
        `buyer ${b}'s items`,
      ).toEqual(bought.get(b));
    }
    for (const v of await db.select().from(variants)) snap.stock[v.id] = v.availableQty;
    return snap;
  } finally {
    await database.close();
  }
}

describe(`a server killed with SIGKILL mid-checkout, then restarted (${DRIVER})`, () => {
  beforeAll(async () => {
    backend = await freshBackend();
    expect(backend.driver).toBe(DRIVER);

    // 1. The shop, its shoppers and order D, written straight into the data while no server runs.
    const deps = await createDeps(config(), { logger: pino({ level: 'silent' }), worker: false });
    const bought: Snapshot['bought'] = new Map();
    try {
      const t = { deps, db: deps.db } as TestApp;
      shop = await openShop(t, approveAll, 'Crash');
      for (const b of BUYERS) {
        const { user } = await registerUser(deps.db, shop.company.id, {
          externalUserId: externalId(b),
          displayName: b.toUpperCase(),
        });
        await addAddress(deps.db, shop.company.id, user.id, {
          line1: `${b} Street 1`,
          city: 'Boston',
          state: 'MA',
          zip: '02101',
          country: 'US',
        });
      }
      bought.set('a', [{ variantId: shop.v['sock-v0']!, quantity: 1 }]);
      bought.set('b', [{ variantId: shop.v['sock-v0']!, quantity: 2 }]);
      bought.set('c', [{ variantId: shop.v['shoe-v0']!, quantity: 2 }]);
      bought.set('d', [{ variantId: shop.v['shoe-v1']!, quantity: 1 }]);
      for (const variantId of Object.values(shop.v)) initialStock[variantId] = await shop.stockOf(variantId);

      const company = await getCompany(deps.db, shop.company.id);
      const [d] = await deps.db
        .select()
        .from(users)
        .where(eq(users.externalUserId, externalId('d')));
      const quoted = await deps.checkout.quote(company, d!, {
        lines: bought.get('d')!.map((l) => ({ variant_id: l.variantId, quantity: l.quantity })),
      });
      const paid = await deps.checkout.confirm(company, d!, { token: quoted.quote!.confirmation_token });
      expect(paid.order!.status).toBe('PAID');
      await deps.checkout.advance(shop.company.id, paid.order!.id, {
        to: 'SHIPPED',
        actor: 'merchant',
        tracking: { carrier: 'UPS', number: '1Z999AA10123456784' },
      });
    } finally {
      await deps.close();
    }
    // The setup's own webhooks (D's balance_check and charge) are kept apart.
    setupHooks = shop.integrator.received.splice(0);

    // 2. The integrator freezes A, B and D mid-step, answers C's charge, and then the server dies.
    let aHeld = false;
    let bHeld = false;
    let lastFollowupAt = 0;
    let killed = false;
    shop.integrator.behave(async (h) => {
      const who = buyerOf(h);
      if (h.type === 'order_followup' && who === 'd') {
        lastFollowupAt = Date.now();
        return 'hang';
      }
      if (h.type === 'balance_check' && who === 'a') {
        aHeld = true;
        return 'hang';
      }
      if (h.type === 'charge' && who === 'b') {
        bHeld = true;
        return 'hang';
      }
      if (h.type === 'charge' && who === 'c' && !killed) {
        const deadline = Date.now() + TIMEOUT_MS / 2;
        while (!(aHeld && bHeld) && Date.now() < deadline) await sleep(5);
        followupInFlightAtKill = Date.now() - lastFollowupAt < TIMEOUT_MS;
        killed = true;
        // The answer is written right after this returns; the kill comes on the next turn of the event loop.
        setImmediate(() => server.child.kill('SIGKILL'));
        return approveAll(h);
      }
      return approveAll(h);
    });

    server = await startServer(env());
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      server.child.once('exit', (_code, signal) => resolve(signal)),
    );
    const client = await connect(server.baseUrl);
    const tokens = new Map<Buyer, string>();
    for (const b of ['a', 'b', 'c'] as const) {
      const [line] = bought.get(b)!;
      const quoted = await callTool<BuyOutput>(client, 'buy_product', {
        user_id: externalId(b),
        variant_id: line!.variantId,
        quantity: line!.quantity,
      });
      expect(quoted.status).toBe('quote');
      tokens.set(b, quoted.quote!.confirmation_token);
    }
    // Line the confirmations up with a fresh attempt of D's follow-up, so all four are in flight at once.
    await waitFor("an attempt of D's order_followup", () => Date.now() - lastFollowupAt < 300, 10_000);
    const confirmations = (['a', 'b', 'c'] as const).map((b) =>
      callTool<BuyOutput>(client, 'buy_product', {
        user_id: externalId(b),
        confirmation_token: tokens.get(b),
      }).then(
        (r) => ({ ok: true as const, r }),
        (err: Error) => ({ ok: false as const, err }),
      ),
    );
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000); // never hang the run
    killedBy = await exited;
    clearTimeout(timer);
    await client.close().catch(() => {});
    const outcomes = await Promise.all(confirmations); // settled one way or the other by the close
    unanswered = (['a', 'b', 'c'] as const).filter((_, i) => !outcomes[i]!.ok);
    beforeKill = [...shop.integrator.received];
    expect(killed, 'the kill came from the answered charge of C').toBe(true);

    // 3. Started again on the same data, with an integrator that answers everything.
    shop.integrator.behave(approveAll);
    const restarted = await restart();
    server = restarted;
    const again = await connect(restarted.baseUrl);
    try {
      // The agent never heard back: confirming the same quotes again finds the orders, places nothing new.
      for (const b of ['a', 'b', 'c'] as const) {
        reconfirmed.set(
          b,
          await callTool<BuyOutput & { message: string }>(again, 'buy_product', {
            user_id: externalId(b),
            confirmation_token: tokens.get(b),
          }),
        );
      }
      await waitFor(
        'every order to settle and the follow-up to be answered',
        async () => {
          for (const b of BUYERS) {
            const { orders: list } = await callTool<{ orders: { status: OrderStatus }[] }>(
              again,
              'order_history',
              { user_id: externalId(b) },
            );
            if (list.length !== 1 || !FINAL.includes(list[0]!.status)) return false;
          }
          return shop.integrator.received
            .slice(beforeKill.length)
            .some((h) => h.type === 'order_followup' && buyerOf(h) === 'd');
        },
        45_000,
      );
    } finally {
      await again.close().catch(() => {});
    }
    await sleep(800); // merchant hand-offs of the orders just paid (the worker polls every 100 ms)
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
    afterRestart = shop.integrator.received.slice(beforeKill.length);

    // 4. Everything as the data has it, read with the server stopped.
    snapshot = await takeSnapshot(bought);
  }, 100_000);

  afterAll(async () => {
    await shop?.close();
    await cleanupProcesses();
    await backend?.drop();
  });

  const hooks = (list: ReceivedWebhook[], type: string, b: Buyer) =>
    list.filter((h) => h.type === type && buyerOf(h) === b);
  const all = () => [...setupHooks, ...beforeKill, ...afterRestart];

  /** The checks every order passes, whatever step it died at. */
  function expectConsistent(b: Buyer) {
    const order = snapshot.orders.get(b)!;
    expect(order, `buyer ${b} has an order`).toBeDefined();
    expect(FINAL).toContain(order.status);
    const events = snapshot.events.get(b)!;
    // Each status was entered once, in an order the machine allows.
    const entered = events.filter((e) => e.status !== e.previousStatus).map((e) => e.status);
    expect(new Set(entered).size).toBe(entered.length);
    expect(entered.filter((s) => s === 'PAID').length).toBe(KEEPS_STOCK.includes(order.status) ? 1 : 0);
    // One charge event at most, and the integrator never saw two charge ids for the order.
    const charges = snapshot.deliveries.get(b)!.filter((d) => d.event === 'charge');
    expect(charges.length).toBeLessThanOrEqual(1);
    const sent = hooks(all(), 'charge', b).filter((h) => h.payload.order_id === order.id);
    expect(new Set(sent.map((h) => h.headers['idempotency-key'])).size).toBe(charges.length);
    expect(new Set(sent.map((h) => h.headers['x-webhook-id'])).size).toBe(charges.length);
    expect(new Set(sent.map((h) => h.rawBody)).size).toBe(charges.length);
    if (charges.length) expect(sent[0]!.headers['idempotency-key']).toBe(charges[0]!.id);
    // Nothing of this order is left claimed or waiting.
    for (const d of snapshot.deliveries.get(b)!) {
      expect(['delivered', 'failed', 'cancelled'], `${d.event} ${d.id} of ${b}`).toContain(d.status);
      expect(d.leaseToken).toBeNull();
    }
    if (KEEPS_STOCK.includes(order.status)) {
      const merchantOrders = snapshot.deliveries.get(b)!.filter((d) => d.event === 'merchant_order');
      expect(merchantOrders.map((d) => d.status)).toEqual(['delivered']);
    }
  }

  it('was killed by SIGKILL, with A and B frozen mid-step and C answered', () => {
    expect(killedBy).toBe('SIGKILL');
    expect(hooks(beforeKill, 'balance_check', 'a')).toHaveLength(1);
    expect(hooks(beforeKill, 'charge', 'a')).toHaveLength(0);
    expect(hooks(beforeKill, 'charge', 'b')).toHaveLength(1);
    expect(hooks(beforeKill, 'charge', 'c')).toHaveLength(1);
    expect(unanswered).toEqual(expect.arrayContaining(['a', 'b']));
  });

  it('confirming the same quotes again after the restart places nothing new', () => {
    for (const b of ['a', 'b', 'c'] as const) {
      const r = reconfirmed.get(b)!;
      expect(r.message).toMatch(/^This quote was already confirmed/);
      expect(['processing', 'placed']).toContain(r.status);
      expect(r.order!.id).toBe(snapshot.orders.get(b)!.id);
    }
  });

  it('(a) killed while balance_check was in flight: the same check is asked again after the lease, then paid once', () => {
    expectConsistent('a');
    expect(snapshot.orders.get('a')!.status).toBe('PAID');
    const checks = hooks(all(), 'balance_check', 'a');
    expect(checks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(checks.map((h) => h.headers['x-webhook-id'])).size).toBe(1);
    expect(new Set(checks.map((h) => h.rawBody)).size).toBe(1);
    expect(checks.map((h) => h.headers['x-webhook-attempt'])).toEqual(['1', '2']);
    expect(hooks(all(), 'charge', 'a')).toHaveLength(1);
  });

  it('(b) killed while charge was in flight: re-sent with the same Idempotency-Key, paid once', () => {
    expectConsistent('b');
    expect(snapshot.orders.get('b')!.status).toBe('PAID');
    const charges = hooks(all(), 'charge', 'b');
    expect(charges.map((h) => h.headers['x-webhook-attempt'])).toEqual(['1', '2']);
    expect(new Set(charges.map((h) => h.headers['idempotency-key'])).size).toBe(1);
    expect(hooks(all(), 'balance_check', 'b')).toHaveLength(1);
  });

  it('(c) killed right after the charge was answered: PAID exactly once, any re-sent charge under the same key', () => {
    expectConsistent('c');
    expect(snapshot.orders.get('c')!.status).toBe('PAID');
    const charges = hooks(all(), 'charge', 'c');
    expect(charges.length).toBeGreaterThanOrEqual(1);
    expect(charges.length).toBeLessThanOrEqual(2); // answered once; re-sent at most once if the answer was lost
    expect(new Set(charges.map((h) => h.headers['idempotency-key'])).size).toBe(1);
    expect(hooks(all(), 'balance_check', 'c')).toHaveLength(1);
  });

  it('(d) killed while an order_followup was in flight: delivered after the restart under the same id and body', () => {
    expectConsistent('d');
    expect(snapshot.orders.get('d')!.status).toBe('SHIPPED');
    expect(followupInFlightAtKill).toBe(true);
    const followups = hooks(all(), 'order_followup', 'd');
    expect(hooks(beforeKill, 'order_followup', 'd').length).toBeGreaterThanOrEqual(1);
    expect(hooks(afterRestart, 'order_followup', 'd')).toHaveLength(1);
    expect(new Set(followups.map((h) => h.headers['x-webhook-id'])).size).toBe(1);
    expect(new Set(followups.map((h) => h.rawBody)).size).toBe(1);
    expect(followups[0]!.payload).toMatchObject({
      status: 'SHIPPED',
      previous_status: 'PAID',
      tracking: { carrier: 'UPS', number: '1Z999AA10123456784' },
    });
    const [row] = snapshot.deliveries.get('d')!.filter((d) => d.event === 'order_followup');
    expect(row).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
  });

  it('stock is the initial stock minus what the paid orders hold; nothing in the outbox is left behind', () => {
    const expected = { ...initialStock };
    for (const b of BUYERS) {
      if (!KEEPS_STOCK.includes(snapshot.orders.get(b)!.status)) continue;
      for (const line of snapshot.bought.get(b)!) expected[line.variantId]! -= line.quantity;
    }
    for (const [variantId, qty] of Object.entries(expected)) {
      expect(snapshot.stock[variantId], variantId).toBe(qty);
    }
    expect(
      snapshot.allDeliveries.filter((d) => ['pending', 'delivering', 'dead'].includes(d.status)),
    ).toEqual([]);
    // No order was charged twice: one charge event per order, whatever the integrator saw.
    const chargeOrders = snapshot.allDeliveries.filter((d) => d.event === 'charge').map((d) => d.orderId);
    expect(new Set(chargeOrders).size).toBe(chargeOrders.length);
  });
});
