// Orders: reading them (with items and history), and moving them along the state machine. A move locks the order,
// checks the machine, records the event, frees stock when the order stops, and writes the order_followup in the same
// transaction (the outbox).
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { products, variants } from '../catalog/schema.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { cancelPendingEvents, enqueueEvent, type Queryable } from '../webhooks/outbox.js';
import { followupPayload } from '../webhooks/payloads.js';
import {
  orderEvents,
  orderItems,
  orders,
  type OrderItemRow,
  type OrderRow,
  type OrderStatus,
} from './order-schema.js';
import { canMove, FOLLOWED_UP, RELEASES_STOCK } from './order-status.js';
import { toOrderDetail, toOrderView, type OrderDetail, type OrderView } from './order-views.js';
import { users } from './schema.js';

export type Tx = Queryable;

export async function itemsOf(q: Queryable, orderIds: string[]): Promise<Map<string, OrderItemRow[]>> {
  const byOrder = new Map<string, OrderItemRow[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  const rows = await q
    .select()
    .from(orderItems)
    .where(inArray(orderItems.orderId, orderIds))
    .orderBy(asc(orderItems.orderId), asc(orderItems.position));
  for (const row of rows) byOrder.get(row.orderId)?.push(row);
  return byOrder;
}

/** A user's orders, newest first. */
export async function listUserOrders(db: Db, userId: string, limit = 100): Promise<OrderView[]> {
  const rows = await db
    .select()
    .from(orders)
    .where(eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit);
  const items = await itemsOf(
    db,
    rows.map((o) => o.id),
  );
  return rows.map((o) => toOrderView(o, items.get(o.id) ?? []));
}

export async function findOrder(q: Queryable, companyId: string, id: string): Promise<OrderRow | undefined> {
  const [row] = await q
    .select()
    .from(orders)
    .where(and(eq(orders.companyId, companyId), eq(orders.id, id)));
  return row;
}

export async function getOrderDetail(db: Db, companyId: string, id: string): Promise<OrderDetail> {
  const order = await findOrder(db, companyId, id);
  if (!order) throw orderNotFound(id);
  const [items, events, [user]] = await Promise.all([
    itemsOf(db, [id]),
    db.select().from(orderEvents).where(eq(orderEvents.orderId, id)).orderBy(asc(orderEvents.id)),
    db.select({ externalUserId: users.externalUserId }).from(users).where(eq(users.id, order.userId)),
  ]);
  return toOrderDetail(order, items.get(id) ?? [], events, user?.externalUserId ?? '');
}

export const orderNotFound = (id: string) =>
  new AppError('not_found', `No order "${id}" for this company.`, { code: 'order_not_found' });

export type Move = {
  to: OrderStatus;
  actor: 'checkout' | 'integrator' | 'merchant' | 'admin' | 'system';
  note?: string;
  reason?: string | null;
  transactionId?: string | null;
  tracking?: OrderRow['tracking'];
  /** Only move from these statuses (e.g. a charge answer applies to an APPROVED order only). */
  from?: readonly OrderStatus[];
};

export type MoveResult = {
  moved: boolean;
  order: OrderRow;
  previous: OrderStatus;
  /** Products whose stock the move put back: the search index should follow them. */
  restocked: string[];
};

/**
 * Moves an order in the caller's transaction. An order not in a status the move may start from is left alone
 * (moved: false): late or repeated answers never undo a later state.
 */
export async function moveOrder(
  tx: Tx,
  orderId: string,
  move: Move,
  settings: { followupAttempts: number },
): Promise<MoveResult> {
  const [current] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!current) throw orderNotFound(orderId);
  const previous = current.status;
  if ((move.from && !move.from.includes(previous)) || !canMove(previous, move.to)) {
    return { moved: false, order: current, previous, restocked: [] };
  }
  const [order] = await tx
    .update(orders)
    .set({
      status: move.to,
      ...(move.reason !== undefined && { statusReason: move.reason }),
      ...(move.transactionId !== undefined && { transactionId: move.transactionId }),
      ...(move.tracking !== undefined && { tracking: move.tracking }),
    })
    .where(eq(orders.id, orderId))
    .returning();
  await tx.insert(orderEvents).values({
    orderId,
    status: move.to,
    previousStatus: previous,
    actor: move.actor,
    note: move.note ?? move.reason ?? '',
  });
  // Items are read only for the moves that need them (the hot path APPROVED -> PAID does not).
  const needsItems = RELEASES_STOCK.includes(move.to) || FOLLOWED_UP.includes(move.to);
  const items = needsItems ? ((await itemsOf(tx, [orderId])).get(orderId) ?? []) : [];
  if (RELEASES_STOCK.includes(move.to)) {
    await releaseStock(tx, items);
    await cancelPendingEvents(tx, orderId, ['balance_check']);
  }
  if (FOLLOWED_UP.includes(move.to)) {
    const [user] = await tx
      .select({ ext: users.externalUserId })
      .from(users)
      .where(eq(users.id, order!.userId));
    await enqueueEvent(tx, {
      companyId: order!.companyId,
      orderId,
      event: 'order_followup',
      payload: followupPayload(order!, user?.ext ?? '', items, previous),
      maxAttempts: settings.followupAttempts,
    });
  }
  const restocked = RELEASES_STOCK.includes(move.to) ? [...new Set(items.map((i) => i.productId))] : [];
  return { moved: true, order: order!, previous, restocked };
}

/** Records something that happened to an order without changing its status (e.g. a merchant hand-off). */
export async function noteOrder(tx: Tx, order: OrderRow, actor: Move['actor'], note: string) {
  await tx.insert(orderEvents).values({
    orderId: order.id,
    status: order.status,
    previousStatus: order.status,
    actor,
    note,
  });
}

/** Puts an order's units back on the shelf; touches the products so every node's search index sees the stock. */
export async function releaseStock(tx: Tx, items: OrderItemRow[]) {
  for (const item of [...items].sort((a, b) => a.variantId.localeCompare(b.variantId))) {
    await tx
      .update(variants)
      .set({ availableQty: sql`${variants.availableQty} + ${item.quantity}` })
      .where(eq(variants.id, item.variantId));
  }
  await touchProducts(tx, [...new Set(items.map((i) => i.productId))]);
}

export async function touchProducts(tx: Tx, productIds: string[]) {
  if (productIds.length === 0) return;
  await tx.update(products).set({ updatedAt: new Date() }).where(inArray(products.id, productIds));
}
