// Connected stores: a merchant row (platform, store URL) plus its sealed credentials. Credentials go in encrypted
// and come out only to the connector that calls the store; views never show them.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { ensureMerchant } from '../merchants.js';
import { merchants } from '../schema.js';
import type { Connection, Connector, StorePlatform } from './connector.js';
import { merchantConnections, type MerchantConnectionRow } from './schema.js';
import type { Sealer } from './secrets.js';

export type Connectors = Partial<Record<StorePlatform, Connector>>;

export function connectorFor(connectors: Connectors, platform: StorePlatform): Connector {
  const connector = connectors[platform];
  if (!connector) {
    throw new AppError('bad_request', `No connector for ${platform} is available in this server.`, {
      code: 'platform_unsupported',
    });
  }
  return connector;
}

/** https://shop.example/ and https://shop.example are one store: no trailing slash, no path for Shopify. */
export function normalizeStoreUrl(platform: StorePlatform, value: string): string {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(value) ? value : `https://${value}`);
  } catch {
    throw new AppError('bad_request', `"${value}" is not a store URL.`, { code: 'invalid_store_url' });
  }
  if (url.username || url.password) {
    throw new AppError('bad_request', 'The store URL must not contain credentials.', {
      code: 'invalid_store_url',
    });
  }
  const path = platform === 'shopify' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Connects a store: checks the credentials with the store itself, then creates (or updates) the merchant and its
 * sealed credentials. Reconnecting a merchant replaces its credentials.
 */
export async function connectStore(
  db: Db,
  deps: { connectors: Connectors; sealer: Sealer },
  input: { platform: StorePlatform; baseUrl: string; credentials: Connection['credentials']; name?: string },
) {
  const connector = connectorFor(deps.connectors, input.platform);
  const baseUrl = normalizeStoreUrl(input.platform, input.baseUrl);
  const probe: Connection = {
    merchantId: '',
    merchantName: '',
    platform: input.platform,
    baseUrl,
    credentials: input.credentials,
  };
  const { storeName } = await connector.verify(probe);
  const merchant = await ensureMerchant(db, { name: input.name ?? storeName });
  await db
    .update(merchants)
    .set({ platform: input.platform, storeUrl: baseUrl, status: 'active' })
    .where(eq(merchants.id, merchant.id));
  const sealed = deps.sealer.seal(input.credentials);
  await db
    .insert(merchantConnections)
    .values({ merchantId: merchant.id, platform: input.platform, baseUrl, credentials: sealed })
    .onConflictDoUpdate({
      target: merchantConnections.merchantId,
      set: { platform: input.platform, baseUrl, credentials: sealed },
    });
  return {
    merchantId: merchant.id,
    merchantName: merchant.name,
    slug: merchant.slug,
    platform: input.platform,
    baseUrl,
    storeName,
  };
}

export async function findConnection(db: Db, sealer: Sealer, merchantId: string): Promise<Connection | null> {
  const [row] = await db
    .select({ connection: merchantConnections, name: merchants.name })
    .from(merchantConnections)
    .innerJoin(merchants, eq(merchants.id, merchantConnections.merchantId))
    .where(eq(merchantConnections.merchantId, merchantId));
  if (!row) return null;
  return {
    merchantId,
    merchantName: row.name,
    platform: row.connection.platform,
    baseUrl: row.connection.baseUrl,
    credentials: sealer.open(row.connection.credentials),
  };
}

export async function getConnection(db: Db, sealer: Sealer, merchantId: string): Promise<Connection> {
  const conn = await findConnection(db, sealer, merchantId);
  if (!conn) {
    throw new AppError('not_found', `Merchant ${merchantId} has no connected store.`, {
      code: 'store_not_connected',
    });
  }
  return conn;
}

export async function listConnections(db: Db): Promise<MerchantConnectionRow[]> {
  return db.select().from(merchantConnections);
}

/** A connection as shown to operators: never the credentials. */
export function connectionView(row: MerchantConnectionRow, publicUrl: string | undefined) {
  return {
    merchant_id: row.merchantId,
    platform: row.platform,
    base_url: row.baseUrl,
    webhook_url: `${publicUrl ?? ''}/webhooks/stores/${row.merchantId}`,
    last_full_sync_at: row.lastFullSyncAt?.toISOString() ?? null,
    last_reconciled_at: row.lastReconciledAt?.toISOString() ?? null,
  };
}
