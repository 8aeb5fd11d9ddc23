// Orders to connected stores: a paid order's part becomes a real order in the merchant's Shopify or WooCommerce,
// remembered with the store's id so fulfilment can come back. Retried through the outbox on 429/5xx.
import { and, eq } from 'drizzle-orm';
import type { MerchantHandoff } from '../../commerce/handoff.js';
import type { Db } from '../../db/client.js';
import type { MerchantRow } from '../schema.js';
import { StoreError, type MerchantOrder } from './connector.js';
import { connectorFor, findConnection, type Connectors } from './connections.js';
import { merchantOrders } from './schema.js';
import type { Sealer } from './secrets.js';

export function storeHandoff(deps: { db: Db; connectors: Connectors; sealer: Sealer }) {
  return (merchant: MerchantRow): MerchantHandoff | undefined => {
    if (merchant.platform === 'file') return undefined;
    return async (m, payload) => {
      const conn = await findConnection(deps.db, deps.sealer, m.id);
      if (!conn)
        return { ok: true, note: `${m.name} has no connected store; notified for manual fulfilment` };
      const order = payload as unknown as MerchantOrder;
      // A retry after a crash between the store's answer and our record must not create a second order.
      const [known] = await deps.db
        .select()
        .from(merchantOrders)
        .where(and(eq(merchantOrders.orderId, order.order_id), eq(merchantOrders.merchantId, m.id)));
      if (known)
        return { ok: true, note: `${m.name} already has it as ${conn.platform} order ${known.externalId}` };
      try {
        const { externalId } = await connectorFor(deps.connectors, conn.platform).createOrder(conn, order);
        await deps.db
          .insert(merchantOrders)
          .values({ orderId: order.order_id, merchantId: m.id, externalId })
          .onConflictDoNothing();
        return { ok: true, note: `${m.name}: ${conn.platform} order ${externalId} created` };
      } catch (err) {
        const retryable = err instanceof StoreError ? err.retryable : true;
        return { ok: false, error: `${m.name}: ${(err as Error).message}`, retryable };
      }
    };
  };
}
