// Fulfilment coming back from a merchant's store: its part of an order shipped (with tracking) or was cancelled.
// The order moves once every merchant involved has moved (one merchant of two shipping is a note, not SHIPPED).
import { and, eq } from 'drizzle-orm';
import { merchantOrders } from '../catalog/connectors/schema.js';
import type { Db } from '../db/client.js';
import type { Checkout } from './checkout.js';
import { orders } from './order-schema.js';
import { itemsOf, noteOrder } from './orders.js';

type Fulfilment = {
  merchantId: string;
  externalOrderId: string;
  status: 'FULFILLED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
  tracking?: { carrier?: string; number?: string; url?: string };
};

/** Applies a store's fulfilment news; returns the order id it concerned, or null when the order is not ours. */
export async function applyFulfilment(db: Db, checkout: Checkout, f: Fulfilment): Promise<string | null> {
  const [part] = await db
    .update(merchantOrders)
    .set({ externalStatus: f.status, ...(f.tracking && { tracking: f.tracking }) })
    .where(and(eq(merchantOrders.merchantId, f.merchantId), eq(merchantOrders.externalId, f.externalOrderId)))
    .returning();
  if (!part) return null;
  const [order] = await db.select().from(orders).where(eq(orders.id, part.orderId));
  if (!order) return null;
  const merchantsInOrder = new Set(
    ((await itemsOf(db, [order.id])).get(order.id) ?? []).map((i) => i.merchantId),
  );
  const parts = await db.select().from(merchantOrders).where(eq(merchantOrders.orderId, order.id));
  const allMoved = [...merchantsInOrder].every(
    (m) => parts.find((p) => p.merchantId === m)?.externalStatus === f.status,
  );
  if (!allMoved) {
    await noteOrder(
      db,
      order,
      'merchant',
      `${f.status.toLowerCase()} by one of its stores${f.tracking?.number ? ` (tracking ${f.tracking.number})` : ''}`,
    );
    return order.id;
  }
  if (f.status === 'CANCELLED') {
    await checkout.cancel(order.companyId, order.id, 'merchant', 'Cancelled by the store.').catch(() => null);
  } else if (order.status !== f.status) {
    await checkout
      .advance(order.companyId, order.id, { to: f.status, actor: 'merchant', tracking: f.tracking ?? null })
      .catch(() => null); // an order already further along (or cancelled) stays as it is
  }
  return order.id;
}
