// The connector port: what the sync engine, the webhook receiver and the order hand-off need from a store
// platform. Shopify and WooCommerce implement it against their real APIs; everything else is shared.
import type { IncomingHttpHeaders } from 'node:http';
import type { ProductRecord } from '../import-format.js';

export const STORE_PLATFORMS = ['shopify', 'woocommerce'] as const;
export type StorePlatform = (typeof STORE_PLATFORMS)[number];

export type ShopifyCredentials = {
  accessToken: string;
  /** The app's client secret: Shopify signs webhooks with it. */
  webhookSecret?: string;
  apiVersion?: string;
};
export type WooCommerceCredentials = { consumerKey: string; consumerSecret: string; webhookSecret?: string };

export type Connection<C = ShopifyCredentials | WooCommerceCredentials> = {
  merchantId: string;
  merchantName: string;
  platform: StorePlatform;
  baseUrl: string;
  credentials: C;
};

export type ProductPage = {
  records: ProductRecord[];
  /** Source ids the store reports deleted in this page (where the platform says so). */
  deleted?: string[];
  /** Opaque: where the next page starts; null on the last page. */
  next: string | null;
};

export type StoreEvent =
  | { kind: 'upsert'; records: ProductRecord[] }
  | { kind: 'delete'; sourceIds: string[] }
  /** Something changed that the payload does not carry in full (e.g. an inventory level): fetch these again. */
  | { kind: 'refetch'; sourceIds: string[] }
  | {
      kind: 'fulfillment';
      externalOrderId: string;
      status: 'FULFILLED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
      tracking?: { carrier?: string; number?: string; url?: string };
    }
  | { kind: 'ignore'; reason: string };

export type WebhookCheck =
  /** A genuine delivery: its id (for dedupe) and topic. */
  | { ok: true; deliveryId: string; topic: string }
  /** WooCommerce's unsigned ping when a webhook is created: answer 200, change nothing. */
  | { ok: 'ping' }
  | { ok: false; reason: string };

/** What the merchant is handed for its part of a paid order (see webhooks/payloads.ts merchantOrderPayload). */
export type MerchantOrder = {
  order_id: string;
  currency: string;
  items: {
    variant_id: string;
    product_id: string;
    sku: string;
    quantity: number;
    price: string;
    product_title: string;
    variant_title: string;
  }[];
  shipping_address: {
    recipient_name: string;
    line1: string;
    line2: string;
    city: string;
    state: string;
    zip: string;
    country: string;
    phone: string;
  };
};

export type Connector = {
  platform: StorePlatform;
  /** Checks the credentials against the store; resolves to the store's name. */
  verify(conn: Connection, signal?: AbortSignal): Promise<{ storeName: string }>;
  /** One page of products: all of them from `cursor` (full sync), or those changed since `since`. */
  fetchPage(
    conn: Connection,
    opts: { cursor: string | null; since: Date | null; signal?: AbortSignal },
  ): Promise<ProductPage>;
  /** Every product id the store has now: a full sync deletes the others. */
  listSourceIds(conn: Connection, signal?: AbortSignal): Promise<Set<string>>;
  /**
   * True when a full read from the first page meets every product the store keeps throughout it (keyset pages in id
   * order, or one snapshot such as a bulk file): the ids it met then stand in for listSourceIds. Offset pages
   * (WooCommerce's) shift under concurrent deletes and can skip a product, so they cannot.
   */
  fullReadSeesAll?: boolean;
  /** These products as they are now; missing ones are left out. */
  fetchProducts(conn: Connection, sourceIds: string[], signal?: AbortSignal): Promise<ProductRecord[]>;
  verifyWebhook(conn: Connection, rawBody: Buffer, headers: IncomingHttpHeaders): WebhookCheck;
  parseWebhook(conn: Connection, topic: string, body: unknown): Promise<StoreEvent>;
  /** Creates the merchant's order for its part; throws StoreError (retryable or not). */
  createOrder(conn: Connection, order: MerchantOrder, signal?: AbortSignal): Promise<{ externalId: string }>;
  /** Subscribes the store's webhooks to `callbackUrl`; resolves to the topics subscribed. */
  registerWebhooks?(conn: Connection, callbackUrl: string, signal?: AbortSignal): Promise<string[]>;
};

/** A store API call that failed; `retryable` says whether trying again later may work (429, 5xx, network). */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}
