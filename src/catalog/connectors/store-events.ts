// Applying a store's webhook: verify, dedupe by its delivery id, then upsert / delete / refetch products (the search
// index follows at once) or pass fulfilment on. A failed application forgets the delivery id, so the store's retry
// is applied; a stale payload never overwrites newer data (the upsert compares the store's updated_at).
import type { IncomingHttpHeaders } from 'node:http';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { importRecords } from '../import-file.js';
import { syncProducts } from '../index-sync.js';
import type { SearchIndex } from '../search/port.js';
import { deleteProducts } from '../upsert.js';
import type { StoreEvent } from './connector.js';
import { connectorFor, findConnection, type Connectors } from './connections.js';
import { storeWebhookReceipts } from './schema.js';
import type { Sealer } from './secrets.js';

export type StoreEventDeps = {
  db: Db;
  index: SearchIndex;
  connectors: Connectors;
  sealer: Sealer;
  /** Fulfilment news goes to checkout (commerce), wired in app.ts. */
  onFulfilment(merchantId: string, event: Extract<StoreEvent, { kind: 'fulfillment' }>): Promise<unknown>;
};

export type Receipt = { status: 200 | 401 | 404; body: Record<string, unknown> };

export async function receiveStoreWebhook(
  deps: StoreEventDeps,
  merchantId: string,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
): Promise<Receipt> {
  const conn = await findConnection(deps.db, deps.sealer, merchantId);
  if (!conn) {
    return {
      status: 404,
      body: {
        error: 'Not Found',
        detail: 'No store is connected here.',
        status: 404,
        code: 'store_not_connected',
      },
    };
  }
  const connector = connectorFor(deps.connectors, conn.platform);
  const check = connector.verifyWebhook(conn, rawBody, headers);
  if (check.ok === 'ping') return { status: 200, body: { received: true } };
  if (!check.ok) {
    return {
      status: 401,
      body: { error: 'Invalid signature', detail: check.reason, status: 401, code: 'invalid_signature' },
    };
  }

  const [fresh] = await deps.db
    .insert(storeWebhookReceipts)
    .values({ merchantId, deliveryId: check.deliveryId, topic: check.topic })
    .onConflictDoNothing()
    .returning();
  if (!fresh) return { status: 200, body: { received: true, duplicate: true } };
  try {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new AppError('bad_request', 'The webhook body is not JSON.', { code: 'invalid_json' });
    }
    const event = await connector.parseWebhook(conn, check.topic, body);
    await apply(deps, merchantId, conn, event);
    return { status: 200, body: { received: true, applied: event.kind } };
  } catch (err) {
    // Forget the delivery so the store's retry is applied.
    await deps.db
      .delete(storeWebhookReceipts)
      .where(
        and(
          eq(storeWebhookReceipts.merchantId, merchantId),
          eq(storeWebhookReceipts.deliveryId, check.deliveryId),
        ),
      );
    throw err;
  }
}

async function apply(
  deps: StoreEventDeps,
  merchantId: string,
  conn: NonNullable<Awaited<ReturnType<typeof findConnection>>>,
  event: StoreEvent,
) {
  const upsert = (records: unknown[]) =>
    importRecords(
      deps.db,
      deps.index,
      merchantId,
      records.map((value, i) => ({ line: i + 1, value })),
    );
  switch (event.kind) {
    case 'upsert':
      return upsert(event.records);
    case 'refetch':
      return upsert(await connectorFor(deps.connectors, conn.platform).fetchProducts(conn, event.sourceIds));
    case 'delete': {
      const removed = await deleteProducts(deps.db, merchantId, event.sourceIds);
      return syncProducts(deps.db, deps.index, removed);
    }
    case 'fulfillment':
      return deps.onFulfilment(merchantId, event);
    case 'ignore':
      return undefined;
  }
}
