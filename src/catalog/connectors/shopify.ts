// The Shopify connector: the Admin GraphQL API for products, orders and webhook subscriptions, and Shopify's REST
// webhook payloads. Every call is paced by the store's cost bucket (extensions.cost.throttleStatus): a THROTTLED
// answer waits for the bucket to refill, and a call is held back when the bucket is known to be too low for it.
// 429 (Retry-After), 5xx and network errors are retried with exponential backoff and jitter; 401/403 are final.
// Large stores may be read with a bulk operation (one JSONL file) instead of page by page.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProductRecord, VariantRecord } from '../import-format.js';
import {
  StoreError,
  type Connection,
  type Connector,
  type MerchantOrder,
  type ProductPage,
  type ShopifyCredentials,
  type StoreEvent,
  type WebhookCheck,
} from './connector.js';

export const SHOPIFY_API_VERSION = '2025-07';

export type ShopifyConnectorOptions = {
  fetch?: typeof fetch;
  /** Products per page of a paged sync (at most 250). */
  pageSize?: number;
  /** A full sync of a store with more products than this uses a bulk operation (default 5000; Infinity = never). */
  bulkThreshold?: number;
  /** Attempts of a call that fails with a network error, 429 or 5xx (default 5). */
  attempts?: number;
  /** The first backoff delay; it doubles per attempt, with jitter (default 500 ms, capped at 30 s). */
  backoffMs?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** How often a bulk operation is polled (default 1 s). */
  bulkPollMs?: number;
  /**
   * Products per page cut from a bulk file (default 500). It is in memory, so no query cost applies; the sync writes a
   * page per transaction, and fewer, larger ones cost Postgres less per product.
   */
  bulkPageSize?: number;
  /**
   * Our variant ids (what a merchant order names) to the store's product and variant ids, for createOrder; read
   * from our catalog (app.ts wires it). Without it, only items already naming Shopify ids can be ordered.
   */
  resolveSourceIds?: (
    merchantId: string,
    variantIds: string[],
  ) => Promise<Map<string, { productSourceId: string; variantSourceId: string }>>;
};

const TOKEN_REFUSED = "the access token was refused; check it and the app's read_products scope";
const MAX_THROTTLED_WAITS = 20;
const VARIANTS_PER_PAGE = 100;
const NODES_PER_QUERY = 50;
/** How long one fetchPage waits for a bulk operation before handing back an empty page (the sync's heartbeat). */
const BULK_WAIT_MS = 20_000;
/** A reconciliation's cursor once it reads products whose variants changed (then the variants' own cursor). */
const VARIANTS_PHASE = 'variants:';

export const WEBHOOK_TOPICS = [
  'PRODUCTS_CREATE',
  'PRODUCTS_UPDATE',
  'PRODUCTS_DELETE',
  'INVENTORY_LEVELS_UPDATE',
  'FULFILLMENTS_CREATE',
  'FULFILLMENTS_UPDATE',
  'ORDERS_CANCELLED',
] as const;

// ---------------------------------------------------------------------------------------------------------------
// GraphQL documents

const VARIANT_FIELDS = `
  legacyResourceId title sku price compareAtPrice inventoryQuantity
  selectedOptions { name value }
  image { url }`;

const PRODUCT_FIELDS = `
  id legacyResourceId title descriptionHtml vendor productType status tags handle onlineStoreUrl updatedAt
  category { fullName }
  images(first: 20) { nodes { url } }
  variants(first: ${VARIANTS_PER_PAGE}) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } }`;

const PRODUCTS_QUERY = `query AisleProducts($first: Int!, $after: String, $query: String, $sortKey: ProductSortKeys) {
  products(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes { ${PRODUCT_FIELDS} }
  }
}`;

const MORE_VARIANTS_QUERY = `query AisleMoreVariants($id: ID!, $after: String) {
  product(id: $id) {
    variants(first: ${VARIANTS_PER_PAGE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } }
  }
}`;

const NODES_QUERY = `query AisleNodes($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Product { ${PRODUCT_FIELDS} } }
}`;

const CHANGED_VARIANTS_QUERY = `query AisleChangedVariants($first: Int!, $after: String, $query: String!) {
  productVariants(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { product { legacyResourceId updatedAt } }
  }
}`;

const PRODUCT_IDS_QUERY = `query AisleProductIds($after: String) {
  products(first: 250, after: $after) { pageInfo { hasNextPage endCursor } nodes { legacyResourceId } }
}`;

const PRODUCTS_COUNT_QUERY = `query AisleProductsCount { productsCount(limit: null) { count } }`;

const SHOP_QUERY = `query AisleShop { shop { name currencyCode } }`;

const PRODUCT_EXTRAS_QUERY = `query AisleProductExtras($id: ID!) {
  product(id: $id) { category { fullName } onlineStoreUrl }
}`;

const INVENTORY_ITEM_QUERY = `query AisleInventoryItem($id: ID!) {
  inventoryItem(id: $id) { variant { product { legacyResourceId } } }
}`;

const ORDER_BY_TAG_QUERY = `query AisleOrderByTag($query: String!) {
  orders(first: 1, query: $query) { nodes { legacyResourceId } }
}`;

const ORDER_CREATE = `mutation AisleOrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { legacyResourceId name }
    userErrors { field message }
  }
}`;

const WEBHOOK_CREATE = `mutation AisleWebhook($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id }
    userErrors { field message }
  }
}`;

const BULK_PRODUCTS = `{
  products {
    edges { node {
      id legacyResourceId title descriptionHtml vendor productType status tags handle onlineStoreUrl updatedAt
      category { fullName }
      images { edges { node { url } } }
      variants { edges { node { id ${VARIANT_FIELDS} } } }
    } }
  }
}`;

const BULK_RUN = `mutation AisleBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}`;

const BULK_POLL = `query AisleBulkPoll($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode url objectCount } }
}`;

// ---------------------------------------------------------------------------------------------------------------
// Wire types (only what is read)

type GqlVariant = {
  id?: string;
  legacyResourceId: string;
  title: string | null;
  sku: string | null;
  price: string;
  compareAtPrice: string | null;
  inventoryQuantity: number | null;
  selectedOptions: { name: string; value: string }[] | null;
  image: { url: string } | null;
};
type Connection_<T> = { pageInfo?: { hasNextPage: boolean; endCursor: string | null }; nodes: T[] };
type GqlProduct = {
  id: string;
  legacyResourceId: string;
  title: string;
  descriptionHtml: string | null;
  vendor: string | null;
  productType: string | null;
  status: string;
  tags: string[] | null;
  handle?: string | null;
  onlineStoreUrl: string | null;
  updatedAt: string | null;
  category: { fullName: string } | null;
  images?: Connection_<{ url: string }> | null;
  variants: Connection_<GqlVariant>;
};

type ThrottleStatus = { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
type Cost = {
  requestedQueryCost?: number | null;
  actualQueryCost?: number | null;
  throttleStatus?: ThrottleStatus;
};
type GqlError = { message: string; extensions?: { code?: string } };
type GqlResponse<T> = { data?: T | null; errors?: GqlError[]; extensions?: { cost?: Cost } };

/** What we last heard of a store's bucket, to pace the next call. */
type Bucket = ThrottleStatus & { at: number };

// ---------------------------------------------------------------------------------------------------------------
// Mapping

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  middot: '·',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  times: '×',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Shopify's description HTML as plain text: tags gone, entities decoded, one line per block. */
export function htmlToText(html: string | null | undefined): string {
  if (!html) return '';
  const text = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?(p|div|li|ul|ol|h[1-6]|tr|table|section|article|blockquote)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n')
    .slice(0, 20_000);
}

const STATUSES: Record<string, ProductRecord['status']> = {
  ACTIVE: 'active',
  DRAFT: 'draft',
  ARCHIVED: 'archived',
};

const isHttpUrl = (v: unknown): v is string =>
  typeof v === 'string' && /^https?:\/\//i.test(v) && URL.canParse(v);

function cleanTags(tags: string[]): string[] {
  const seen = new Set<string>();
  for (const t of tags) {
    const tag = t.trim().slice(0, 100);
    if (tag) seen.add(tag);
  }
  return [...seen].slice(0, 100);
}

function money(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const s = String(v).trim();
  if (/^\d{1,10}(\.\d{1,2})?$/.test(s)) return s;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n.toFixed(2) : s;
}

const qty = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(10_000_000, Math.max(0, Math.trunc(v))) : 0;

/** "Title: Default Title" is Shopify's placeholder for a product without options: not an option. */
function optionsOf(pairs: { name: string; value: string | null | undefined }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, value } of pairs) {
    const n = name?.trim().slice(0, 100);
    const v = value?.trim().slice(0, 255);
    if (!n || !v || (n === 'Title' && v === 'Default Title')) continue;
    out[n] = v;
  }
  return out;
}

const variantTitle = (t: string | null | undefined) =>
  t && t.trim() && t.trim() !== 'Default Title' ? t.trim().slice(0, 255) : undefined;

function variantRecord(
  v: {
    id: unknown;
    sku: unknown;
    title: string | null | undefined;
    options: Record<string, string>;
    price: unknown;
    compareAtPrice: unknown;
    qty: unknown;
    image: unknown;
  },
  currency: string,
): VariantRecord {
  const sku = typeof v.sku === 'string' && v.sku.trim() ? v.sku.trim().slice(0, 255) : undefined;
  return {
    source_id: String(v.id),
    ...(sku && { sku }),
    ...(variantTitle(v.title) && { title: variantTitle(v.title) }),
    options: v.options,
    price: money(v.price) ?? '0.00',
    compare_at_price: money(v.compareAtPrice),
    currency,
    available_qty: qty(v.qty),
    ...(isHttpUrl(v.image) && { image_url: v.image }),
  };
}

export function productFromGraphql(p: GqlProduct, variants: GqlVariant[], currency: string): ProductRecord {
  return {
    source_id: String(p.legacyResourceId),
    title: (p.title ?? '').trim().slice(0, 500),
    description: htmlToText(p.descriptionHtml),
    vendor: (p.vendor ?? '').trim().slice(0, 255),
    product_type: (p.productType ?? '').trim().slice(0, 255),
    category: (p.category?.fullName ?? '').trim().slice(0, 255),
    tags: cleanTags(p.tags ?? []),
    image_urls: (p.images?.nodes ?? [])
      .map((i) => i.url)
      .filter(isHttpUrl)
      .slice(0, 50),
    ...(isHttpUrl(p.onlineStoreUrl) && { product_url: p.onlineStoreUrl }),
    status: STATUSES[p.status] ?? 'draft',
    variants: variants.map((v) =>
      variantRecord(
        {
          id: v.legacyResourceId,
          sku: v.sku,
          title: v.title,
          options: optionsOf(v.selectedOptions ?? []),
          price: v.price,
          compareAtPrice: v.compareAtPrice,
          qty: v.inventoryQuantity,
          image: v.image?.url,
        },
        currency,
      ),
    ),
    ...(p.updatedAt && { updated_at: p.updatedAt }),
  };
}

type RestVariant = {
  id: number | string;
  title?: string | null;
  sku?: string | null;
  price?: string | number | null;
  compare_at_price?: string | number | null;
  inventory_quantity?: number | null;
  option1?: string | null;
  option2?: string | null;
  option3?: string | null;
  image_id?: number | string | null;
};
type RestProduct = {
  id: number | string;
  title?: string;
  body_html?: string | null;
  vendor?: string | null;
  product_type?: string | null;
  status?: string | null;
  tags?: string | string[] | null;
  variants?: RestVariant[];
  options?: { name: string; position: number }[];
  images?: { id?: number | string; src?: string }[];
  image?: { id?: number | string; src?: string } | null;
  updated_at?: string | null;
  handle?: string | null;
};

/** A products/create or products/update webhook body (the REST product) as a record. */
export function productFromRest(
  p: RestProduct,
  currency: string,
  extras: { category?: string; productUrl?: string | null } = {},
): ProductRecord {
  const optionNames = new Map<number, string>();
  for (const o of p.options ?? []) optionNames.set(o.position, o.name);
  const images = p.images ?? (p.image ? [p.image] : []);
  const imageById = new Map(images.filter((i) => i.id !== undefined).map((i) => [String(i.id), i.src]));
  const tags = Array.isArray(p.tags) ? p.tags : (p.tags ?? '').split(',');
  return {
    source_id: String(p.id),
    title: (p.title ?? '').trim().slice(0, 500),
    description: htmlToText(p.body_html),
    vendor: (p.vendor ?? '').trim().slice(0, 255),
    product_type: (p.product_type ?? '').trim().slice(0, 255),
    category: (extras.category ?? '').trim().slice(0, 255),
    tags: cleanTags(tags),
    image_urls: images
      .map((i) => i.src)
      .filter(isHttpUrl)
      .slice(0, 50),
    ...(isHttpUrl(extras.productUrl) && { product_url: extras.productUrl }),
    status: STATUSES[(p.status ?? 'active').toUpperCase()] ?? 'draft',
    variants: (p.variants ?? []).map((v) =>
      variantRecord(
        {
          id: v.id,
          sku: v.sku,
          title: v.title,
          options: optionsOf(
            [1, 2, 3].map((i) => ({
              name: optionNames.get(i) ?? `Option ${i}`,
              value: v[`option${i}` as 'option1'],
            })),
          ),
          price: v.price,
          compareAtPrice: v.compare_at_price,
          qty: v.inventory_quantity,
          image:
            v.image_id !== null && v.image_id !== undefined ? imageById.get(String(v.image_id)) : undefined,
        },
        currency,
      ),
    ),
    ...(p.updated_at && { updated_at: p.updated_at }),
  };
}

/** A query asks more than Shopify will run at once (MAX_COST_EXCEEDED, or more than the whole bucket). */
class CostTooHigh extends StoreError {
  constructor(
    message: string,
    readonly cost: number,
    readonly limit: number,
  ) {
    super(message, false);
  }
}

const gid = (type: string, id: string | number) =>
  String(id).startsWith('gid://') ? String(id) : `gid://shopify/${type}/${id}`;

/** "Ann Lee Smith" → Ann / Lee Smith; a single word is the last name (Shopify requires one). */
export function splitName(name: string): { firstName?: string; lastName: string } {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return { lastName: parts[0] ?? '' };
  return { firstName: parts[0], lastName: parts.slice(1).join(' ') };
}

// ---------------------------------------------------------------------------------------------------------------
// Bulk JSONL

/** A child line's parent, read without parsing the line: Shopify writes `__parentId` last. */
const PARENT_AT_END = /,"__parentId":"([^"\\]+)"\}\s*$/;

/** A product line with its children's lines (variants and images), parsed only when its page is mapped. */
export type BulkProduct = { product: GqlProduct; children: (string | Record<string, unknown>)[] };

/**
 * Reassembles a bulk operation's JSONL into products with their children's lines, a line at a time (as the file
 * arrives). Children may come after other parents, so they are attached once every line is in. Children stay
 * unparsed strings until their page is mapped: a large store's file then costs little heap meanwhile.
 */
export class BulkAssembler {
  private readonly byId = new Map<string, BulkProduct>();
  private readonly children = new Map<string, (string | Record<string, unknown>)[]>();

  add(line: string): void {
    if (!line.trim()) return;
    const parentAtEnd = PARENT_AT_END.exec(line)?.[1];
    if (parentAtEnd) return this.attach(parentAtEnd, line);
    const node = JSON.parse(line) as Record<string, unknown>;
    if (typeof node.__parentId === 'string') return this.attach(node.__parentId, node);
    if (typeof node.id === 'string' && node.id.includes('/Product/')) {
      this.byId.set(node.id, { product: node as unknown as GqlProduct, children: [] });
    }
  }

  private attach(parent: string, child: string | Record<string, unknown>) {
    const list = this.children.get(parent);
    if (list) list.push(child);
    else this.children.set(parent, [child]);
  }

  /** The products, each with its children, once every line is in. */
  finish(): BulkProduct[] {
    for (const [parent, list] of this.children) this.byId.get(parent)?.children.push(...list);
    this.children.clear();
    return [...this.byId.values()];
  }
}

/** A bulk product's variants and images, its children parsed. */
export function expandBulk({ product, children }: BulkProduct): {
  product: GqlProduct;
  variants: GqlVariant[];
} {
  const variants: GqlVariant[] = [];
  const images: { url: string }[] = [];
  for (const child of children) {
    const node = typeof child === 'string' ? (JSON.parse(child) as Record<string, unknown>) : child;
    const id = typeof node.id === 'string' ? node.id : '';
    if (id.includes('/ProductVariant/') || 'legacyResourceId' in node)
      variants.push(node as unknown as GqlVariant);
    else if (typeof node.url === 'string') images.push({ url: node.url });
  }
  return { product: { ...product, images: { nodes: images } }, variants };
}

/** Reassembles a whole bulk JSONL file (see BulkAssembler). */
export function assembleBulk(lines: Iterable<string>): { product: GqlProduct; variants: GqlVariant[] }[] {
  const assembler = new BulkAssembler();
  for (const line of lines) assembler.add(line);
  return assembler.finish().map(expandBulk);
}

/** Feeds a response body to `onLine` line by line as it arrives: a large file is never one string. */
async function forEachLine(body: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let rest = '';
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  }
  onLine(rest);
}

/** A finished bulk operation's products, as read from its file, and the shop's currency. */
type BulkProducts = { products: BulkProduct[]; currency: string };

// ---------------------------------------------------------------------------------------------------------------
// The connector

export function createShopifyConnector(options: ShopifyConnectorOptions = {}): Connector {
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const pageSize = Math.min(250, Math.max(1, options.pageSize ?? 100));
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoffMs = options.backoffMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const bulkPollMs = options.bulkPollMs ?? 1000;
  const bulkPageSize = Math.max(1, options.bulkPageSize ?? 500);
  const bulkThreshold = options.bulkThreshold ?? 5000;

  const buckets = new Map<string, Bucket>();
  /** Page sizes that fit the store's cost limits, by store and query, learnt from MAX_COST_EXCEEDED. */
  const sizes = new Map<string, number>();
  /** What each named query cost last time, to know whether the bucket holds enough for it. */
  const costs = new Map<string, number>();
  const currencies = new Map<string, string>();
  /** The running bulk read, by operation id: pages are cut from it without reading the file again. */
  const bulkResults = new Map<string, BulkProducts>();

  const creds = (conn: Connection) => conn.credentials as ShopifyCredentials;
  const endpoint = (conn: Connection) =>
    `${conn.baseUrl}/admin/api/${creds(conn).apiVersion ?? SHOPIFY_API_VERSION}/graphql.json`;
  const storeKey = (conn: Connection) => conn.baseUrl;

  const backoff = (attempt: number) => {
    const base = Math.min(30_000, backoffMs * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  };

  /** Waits until the bucket (as last heard, refilled since at its restore rate) holds `cost` points. */
  async function pace(key: string, cost: number, signal?: AbortSignal) {
    const b = buckets.get(key);
    if (!b || b.restoreRate <= 0) return;
    const need = Math.min(cost, b.maximumAvailable);
    const now = Date.now();
    const available = Math.min(
      b.maximumAvailable,
      b.currentlyAvailable + ((now - b.at) / 1000) * b.restoreRate,
    );
    if (available >= need) return;
    const waitMs = Math.ceil(((need - available) / b.restoreRate) * 1000) + 20;
    await sleep(waitMs, undefined, { signal });
  }

  /** `name` null: the cost is not this query's usual one (it was refused for its cost, and will be cut down). */
  function remember(key: string, name: string | null, cost: Cost | undefined) {
    if (!cost) return;
    if (name && typeof cost.requestedQueryCost === 'number') costs.set(name, cost.requestedQueryCost);
    const t = cost.throttleStatus;
    if (t && typeof t.currentlyAvailable === 'number' && typeof t.restoreRate === 'number') {
      // The store read the bucket while it handled the request, before we read its answer: dating it now (later)
      // makes pace() count less refill than there was, so it errs on the side of waiting. Dating it at our send time
      // counted the request's way in as refill, and the next request, travelling faster, came back THROTTLED.
      buckets.set(key, { ...t, at: Date.now() });
    }
  }

  /**
   * One GraphQL call with pacing and retries. `retry: false` (mutations; the order hand-off and webhooks, which
   * the outbox and Shopify retry as a whole) waits out only what the store certainly did not run (429, THROTTLED):
   * a network error or 5xx is thrown at once, retryable, for the caller to decide.
   */
  async function gql<T>(
    conn: Connection,
    name: string,
    query: string,
    variables: Record<string, unknown>,
    opts: { signal?: AbortSignal; retry?: boolean } = {},
  ): Promise<T> {
    const { signal, retry = true } = opts;
    const key = storeKey(conn);
    const url = endpoint(conn);
    const body = JSON.stringify({ query, variables });
    let failures = 0;
    let throttled = 0;
    let lastError: StoreError | undefined;
    for (;;) {
      signal?.throwIfAborted();
      await pace(key, costs.get(name) ?? 10, signal);
      let res: Response;
      let text: string;
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'x-shopify-access-token': creds(conn).accessToken,
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw err;
        const e = err as Error;
        const what = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : e.message;
        lastError = new StoreError(`Shopify (${conn.baseUrl}) could not be reached: ${what}`, true);
        if (!retry || ++failures >= attempts) throw lastError;
        await sleep(backoff(failures - 1), undefined, { signal });
        continue;
      }

      if (res.status === 401 || res.status === 403) {
        throw new StoreError(`Shopify (${conn.baseUrl}): ${TOKEN_REFUSED}`, false, res.status);
      }
      if (res.status === 429) {
        const after = Number(res.headers.get('retry-after'));
        lastError = new StoreError(`Shopify (${conn.baseUrl}) is rate limiting us (429)`, true, 429);
        if (++throttled > MAX_THROTTLED_WAITS) throw lastError;
        await sleep(
          Number.isFinite(after) && after > 0 ? after * 1000 : backoff(Math.min(throttled, 6)),
          undefined,
          { signal },
        );
        continue;
      }
      if (res.status >= 500) {
        lastError = new StoreError(`Shopify (${conn.baseUrl}) answered ${res.status}`, true, res.status);
        if (!retry || ++failures >= attempts) throw lastError;
        await sleep(backoff(failures - 1), undefined, { signal });
        continue;
      }
      if (res.status === 404) {
        throw new StoreError(
          `Shopify (${conn.baseUrl}) has no Admin API at ${url}: check the store URL and API version`,
          false,
          404,
        );
      }
      if (res.status < 200 || res.status >= 300) {
        throw new StoreError(
          `Shopify (${conn.baseUrl}) answered ${res.status}: ${text.slice(0, 300)}`,
          false,
          res.status,
        );
      }

      let json: GqlResponse<T>;
      try {
        json = JSON.parse(text) as GqlResponse<T>;
      } catch {
        lastError = new StoreError(`Shopify (${conn.baseUrl}) answered something that is not JSON`, true);
        if (!retry || ++failures >= attempts) throw lastError;
        await sleep(backoff(failures - 1), undefined, { signal });
        continue;
      }
      const cost = json.extensions?.cost;
      const errors = json.errors ?? [];
      const tooCostly = errors.find((e) => e.extensions?.code === 'MAX_COST_EXCEEDED');
      const isThrottled = errors.some((e) => e.extensions?.code === 'THROTTLED');
      const oversize =
        !!tooCostly ||
        (isThrottled &&
          !!cost?.throttleStatus &&
          (cost.requestedQueryCost ?? 0) > cost.throttleStatus.maximumAvailable);
      remember(key, oversize ? null : name, cost);
      if (isThrottled) {
        lastError = new StoreError(`Shopify (${conn.baseUrl}) kept throttling us`, true, 429);
        if (++throttled > MAX_THROTTLED_WAITS) throw lastError;
        const t = cost?.throttleStatus;
        const need = cost?.requestedQueryCost ?? costs.get(name) ?? 10;
        if (t && need > t.maximumAvailable) {
          throw new CostTooHigh(
            `Shopify (${conn.baseUrl}): ${name} costs ${need} points, more than the bucket holds (${t.maximumAvailable})`,
            need,
            t.maximumAvailable,
          );
        }
        // Wait for the refill this query needs, and never less than a floor that grows with each THROTTLED in a
        // row (a store that keeps saying so despite a full bucket is not asked again and again), plus jitter.
        const refill =
          t && t.restoreRate > 0
            ? ((Math.min(need, t.maximumAvailable) - t.currentlyAvailable) / t.restoreRate) * 1000
            : 0;
        const floor = Math.min(10_000, 250 * 2 ** (throttled - 1));
        await sleep(Math.ceil(Math.max(refill, floor) + Math.random() * 100), undefined, { signal });
        continue;
      }
      if (tooCostly) {
        const ext = tooCostly.extensions as { cost?: number; maxCost?: number };
        throw new CostTooHigh(
          `Shopify (${conn.baseUrl}): ${name} exceeds the single query cost limit`,
          ext.cost ?? cost?.requestedQueryCost ?? 2000,
          ext.maxCost ?? 1000,
        );
      }
      if (errors.length) {
        const denied = errors.some((e) => e.extensions?.code === 'ACCESS_DENIED');
        const message = errors.map((e) => e.message).join('; ');
        throw new StoreError(
          denied
            ? `Shopify (${conn.baseUrl}) refused ${name}: ${message} (check the app's access scopes)`
            : `Shopify (${conn.baseUrl}) rejected ${name}: ${message}`,
          false,
          res.status,
        );
      }
      if (!json.data) throw new StoreError(`Shopify (${conn.baseUrl}) answered ${name} without data`, true);
      return json.data;
    }
  }

  /**
   * Runs a query of `wanted` items (a page size, a batch of ids), asking for fewer when Shopify says it costs too
   * much; the size that fits is kept for the next call. `run` is given the size to use.
   */
  async function fitted<T>(conn: Connection, name: string, wanted: number, run: (n: number) => Promise<T>) {
    const key = `${storeKey(conn)} ${name}`;
    let n = Math.max(1, Math.min(wanted, sizes.get(key) ?? wanted));
    for (;;) {
      try {
        return await run(n);
      } catch (err) {
        if (!(err instanceof CostTooHigh) || n <= 1) throw err;
        n = Math.max(1, Math.min(n - 1, Math.floor((n * err.limit * 0.9) / err.cost)));
        sizes.set(key, n);
      }
    }
  }

  async function shopCurrency(conn: Connection, signal?: AbortSignal): Promise<string> {
    const key = storeKey(conn);
    const known = currencies.get(key);
    if (known) return known;
    const data = await gql<{ shop: { name: string; currencyCode: string } }>(
      conn,
      'shop',
      SHOP_QUERY,
      {},
      { signal },
    );
    currencies.set(key, data.shop.currencyCode);
    return data.shop.currencyCode;
  }

  /** A product's variants past the first page, fetched with follow-up queries. */
  async function allVariants(conn: Connection, p: GqlProduct, signal?: AbortSignal): Promise<GqlVariant[]> {
    const variants = [...p.variants.nodes];
    let page = p.variants.pageInfo;
    while (page?.hasNextPage && page.endCursor) {
      const data = await gql<{ product: { variants: Connection_<GqlVariant> } | null }>(
        conn,
        'moreVariants',
        MORE_VARIANTS_QUERY,
        { id: p.id, after: page.endCursor },
        { signal },
      );
      if (!data.product) break;
      variants.push(...data.product.variants.nodes);
      page = data.product.variants.pageInfo;
    }
    return variants;
  }

  async function toRecords(conn: Connection, nodes: GqlProduct[], signal?: AbortSignal) {
    const currency = await shopCurrency(conn, signal);
    const records: ProductRecord[] = [];
    for (const p of nodes) records.push(productFromGraphql(p, await allVariants(conn, p, signal), currency));
    return records;
  }

  // --- bulk ---------------------------------------------------------------------------------------------------

  async function productCount(conn: Connection, signal?: AbortSignal): Promise<number | null> {
    try {
      const data = await gql<{ productsCount: { count: number } | null }>(
        conn,
        'productsCount',
        PRODUCTS_COUNT_QUERY,
        {},
        { signal },
      );
      return data.productsCount?.count ?? null;
    } catch (err) {
      if (err instanceof StoreError && !err.retryable && err.status !== 401 && err.status !== 403)
        return null;
      throw err;
    }
  }

  /**
   * The products of a finished bulk operation (read once, then cut into pages from memory); null while Shopify is
   * still running it after `waitMs` of polling, so the sync records a heartbeat and comes back with the same cursor.
   */
  async function bulkProducts(
    conn: Connection,
    opId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<BulkProducts | null> {
    const cached = bulkResults.get(opId);
    if (cached) return cached;
    const until = Date.now() + waitMs;
    let url: string | null;
    for (;;) {
      const data = await gql<{
        node: { status: string; errorCode: string | null; url: string | null } | null;
      }>(conn, 'bulkPoll', BULK_POLL, { id: opId }, { signal });
      const op = data.node;
      if (!op) throw new StoreError(`Shopify (${conn.baseUrl}) has no bulk operation ${opId}`, false);
      if (op.status === 'COMPLETED') {
        url = op.url;
        break;
      }
      if (op.status !== 'CREATED' && op.status !== 'RUNNING') {
        throw new StoreError(
          `Shopify (${conn.baseUrl}) bulk operation ${opId} ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}; a new full sync starts another`,
          false,
        );
      }
      if (Date.now() + bulkPollMs > until) return null;
      await sleep(bulkPollMs, undefined, { signal });
    }
    const assembler = new BulkAssembler();
    if (url) {
      // No access token here: the file's URL is signed by Shopify (and is on another host).
      const failed = (err: Error) => {
        throw new StoreError(`Shopify's bulk file could not be read: ${err.message}`, true);
      };
      const res = await doFetch(url, { signal: AbortSignal.timeout(10 * timeoutMs) }).catch(failed);
      if (!res.ok) throw new StoreError(`Shopify's bulk file answered ${res.status}`, res.status >= 500);
      if (res.body) await forEachLine(res.body, (line) => assembler.add(line)).catch(failed);
    }
    const result = { products: assembler.finish(), currency: await shopCurrency(conn, signal) };
    bulkResults.clear();
    bulkResults.set(opId, result);
    return result;
  }

  /** Starts a bulk read of every product; null when Shopify will not run one now (the paged path is used). */
  async function startBulk(conn: Connection, signal?: AbortSignal): Promise<string | null> {
    const data = await gql<{
      bulkOperationRunQuery: {
        bulkOperation: { id: string } | null;
        userErrors: { message: string }[];
      };
    }>(conn, 'bulkRun', BULK_RUN, { query: BULK_PRODUCTS }, { signal, retry: false });
    const r = data.bulkOperationRunQuery;
    if (r.userErrors.length || !r.bulkOperation) return null;
    return r.bulkOperation.id;
  }

  /** A page of the bulk file's products, mapped to records only now: the mapping's CPU overlaps the last page's writes. */
  function bulkPage(opId: string, bulk: BulkProducts | null, offset: number): ProductPage {
    if (!bulk) return { records: [], next: `bulk:${offset}:${opId}` };
    const end = offset + bulkPageSize;
    const last = end >= bulk.products.length;
    // The last page is out: the file's products need not stay in memory (a run resumed later reads the file again).
    if (last) bulkResults.delete(opId);
    return {
      records: bulk.products.slice(offset, end).map((p) => {
        const { product, variants } = expandBulk(p);
        return productFromGraphql(product, variants, bulk.currency);
      }),
      next: last ? null : `bulk:${end}:${opId}`,
    };
  }

  /** Products by id, in batches that fit the cost limit; missing ones are left out. */
  async function fetchByIds(conn: Connection, sourceIds: string[], signal?: AbortSignal) {
    const out: ProductRecord[] = [];
    const unique = [...new Set(sourceIds)];
    for (let i = 0; i < unique.length;) {
      const { found, used } = await fitted(conn, 'nodes', NODES_PER_QUERY, async (n) => {
        const ids = unique.slice(i, i + n).map((id) => gid('Product', id));
        const data = await gql<{ nodes: (GqlProduct | null)[] }>(
          conn,
          'nodes',
          NODES_QUERY,
          { ids },
          { signal },
        );
        return { found: data.nodes.filter((p): p is GqlProduct => !!p?.legacyResourceId), used: ids.length };
      });
      out.push(...(await toRecords(conn, found, signal)));
      i += used;
    }
    return out;
  }

  /** A page of the products whose variants changed since `since` but which were not changed themselves. */
  async function changedVariantsPage(
    conn: Connection,
    since: Date,
    cursor: string,
    signal?: AbortSignal,
  ): Promise<ProductPage> {
    const after = cursor.slice(VARIANTS_PHASE.length) || null;
    const data = await fitted(conn, 'changedVariants', 250, (first) =>
      gql<{
        productVariants: Connection_<{ product: { legacyResourceId: string; updatedAt: string } }>;
      }>(
        conn,
        'changedVariants',
        CHANGED_VARIANTS_QUERY,
        { first, after, query: `updated_at:>'${since.toISOString()}'` },
        { signal },
      ),
    );
    const { nodes, pageInfo } = data.productVariants;
    const ids = nodes
      .filter((n) => !(Date.parse(n.product.updatedAt) > since.getTime())) // read in the first phase
      .map((n) => String(n.product.legacyResourceId));
    return {
      records: ids.length ? await fetchByIds(conn, ids, signal) : [],
      next: pageInfo?.hasNextPage && pageInfo.endCursor ? `${VARIANTS_PHASE}${pageInfo.endCursor}` : null,
    };
  }

  // --- the port -----------------------------------------------------------------------------------------------

  const connector: Connector = {
    platform: 'shopify',

    async verify(conn, signal) {
      const data = await gql<{ shop: { name: string; currencyCode?: string } }>(
        conn,
        'shop',
        SHOP_QUERY,
        {},
        { signal },
      );
      if (data.shop.currencyCode) currencies.set(storeKey(conn), data.shop.currencyCode);
      return { storeName: data.shop.name };
    },

    async fetchPage(conn, { cursor, since, signal }) {
      if (cursor?.startsWith('bulk:')) {
        const [, offset, ...rest] = cursor.split(':');
        const opId = rest.join(':');
        return bulkPage(opId, await bulkProducts(conn, opId, BULK_WAIT_MS, signal), Number(offset));
      }
      if (cursor === null && since === null && Number.isFinite(bulkThreshold)) {
        const count = await productCount(conn, signal);
        if (count !== null && count > bulkThreshold) {
          // Shopify refusing a bulk operation now (one already running) leaves the paged path.
          const opId = await startBulk(conn, signal).catch(() => null);
          if (opId) return bulkPage(opId, await bulkProducts(conn, opId, BULK_WAIT_MS, signal), 0);
        }
      }
      // A reconciliation reads the products changed since, then the products whose variants changed since (a
      // stock change moves the variant's updatedAt, not the product's): its cursor says which phase it is in.
      if (since && cursor?.startsWith(VARIANTS_PHASE))
        return changedVariantsPage(conn, since, cursor, signal);
      const data = await fitted(conn, 'products', pageSize, (first) =>
        gql<{ products: Connection_<GqlProduct> }>(
          conn,
          'products',
          PRODUCTS_QUERY,
          {
            first,
            after: cursor,
            query: since ? `updated_at:>'${since.toISOString()}'` : null,
            sortKey: since ? 'UPDATED_AT' : 'ID',
          },
          { signal },
        ),
      );
      const { nodes, pageInfo } = data.products;
      const more = pageInfo?.hasNextPage && pageInfo.endCursor ? pageInfo.endCursor : null;
      return {
        records: await toRecords(conn, nodes, signal),
        next: more ?? (since ? VARIANTS_PHASE : null),
      };
    },

    // Full reads page by id with a cursor (or cut one bulk file): nothing is skipped.
    fullReadSeesAll: true,

    async listSourceIds(conn, signal) {
      const ids = new Set<string>();
      let after: string | null = null;
      for (;;) {
        const data: { products: Connection_<{ legacyResourceId: string }> } = await gql(
          conn,
          'productIds',
          PRODUCT_IDS_QUERY,
          { after },
          { signal },
        );
        for (const n of data.products.nodes) ids.add(String(n.legacyResourceId));
        const page = data.products.pageInfo;
        if (!page?.hasNextPage || !page.endCursor) return ids;
        after = page.endCursor;
      }
    },

    fetchProducts: (conn, sourceIds, signal) => fetchByIds(conn, sourceIds, signal),

    verifyWebhook(conn, rawBody, headers): WebhookCheck {
      const secret = creds(conn).webhookSecret;
      if (!secret) return { ok: false, reason: 'no webhook secret configured for this store' };
      const header = (name: string) => {
        const v = headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const given = header('x-shopify-hmac-sha256');
      if (!given) return { ok: false, reason: 'the X-Shopify-Hmac-Sha256 header is missing' };
      const expected = createHmac('sha256', secret).update(rawBody).digest();
      const actual = Buffer.from(given, 'base64');
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
        return { ok: false, reason: 'the X-Shopify-Hmac-Sha256 signature does not match the body' };
      }
      const topic = header('x-shopify-topic');
      const deliveryId = header('x-shopify-webhook-id') ?? header('x-shopify-event-id');
      if (!topic) return { ok: false, reason: 'the X-Shopify-Topic header is missing' };
      if (!deliveryId) return { ok: false, reason: 'the X-Shopify-Webhook-Id header is missing' };
      return { ok: true, deliveryId, topic };
    },

    async parseWebhook(conn, topic, body): Promise<StoreEvent> {
      const b = (body ?? {}) as Record<string, unknown>;
      switch (topic) {
        case 'products/create':
        case 'products/update': {
          const p = b as unknown as RestProduct;
          if (p.id === undefined || p.id === null)
            return { kind: 'ignore', reason: 'no product id in the payload' };
          // The REST payload lacks the category and the storefront URL: one cheap query adds them, and tells
          // whether the product still exists (a late retry of an update must not bring back a deleted product).
          const [currency, extras] = await Promise.all([
            shopCurrency(conn),
            gql<{ product: { category: { fullName: string } | null; onlineStoreUrl: string | null } | null }>(
              conn,
              'productExtras',
              PRODUCT_EXTRAS_QUERY,
              { id: gid('Product', p.id) },
              { retry: false }, // a webhook fails fast: Shopify delivers it again
            ),
          ]);
          if (!extras.product) return { kind: 'ignore', reason: `product ${p.id} no longer exists` };
          return {
            kind: 'upsert',
            records: [
              productFromRest(p, currency, {
                category: extras.product.category?.fullName,
                productUrl: extras.product.onlineStoreUrl,
              }),
            ],
          };
        }
        case 'products/delete':
          if (b.id === undefined || b.id === null)
            return { kind: 'ignore', reason: 'no product id in the payload' };
          return { kind: 'delete', sourceIds: [String(b.id)] };
        case 'inventory_levels/update': {
          if (b.inventory_item_id === undefined || b.inventory_item_id === null) {
            return { kind: 'ignore', reason: 'no inventory_item_id in the payload' };
          }
          const data = await gql<{
            inventoryItem: { variant: { product: { legacyResourceId: string } | null } | null } | null;
          }>(
            conn,
            'inventoryItem',
            INVENTORY_ITEM_QUERY,
            { id: gid('InventoryItem', b.inventory_item_id as string) },
            { retry: false },
          );
          const productId = data.inventoryItem?.variant?.product?.legacyResourceId;
          if (!productId) {
            return { kind: 'ignore', reason: `inventory item ${String(b.inventory_item_id)} has no product` };
          }
          return { kind: 'refetch', sourceIds: [String(productId)] };
        }
        case 'fulfillments/create':
        case 'fulfillments/update': {
          if (b.order_id === undefined || b.order_id === null) {
            return { kind: 'ignore', reason: 'no order_id in the payload' };
          }
          const status = typeof b.status === 'string' ? b.status : '';
          if (['cancelled', 'error', 'failure'].includes(status)) {
            return { kind: 'ignore', reason: `a fulfillment ${status}` };
          }
          const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
          const first = (v: unknown) => (Array.isArray(v) ? str(v[0]) : undefined);
          const tracking = {
            carrier: str(b.tracking_company),
            number: str(b.tracking_number) ?? first(b.tracking_numbers),
            url: str(b.tracking_url) ?? first(b.tracking_urls),
          };
          const given = Object.fromEntries(Object.entries(tracking).filter(([, v]) => v !== undefined));
          return {
            kind: 'fulfillment',
            externalOrderId: String(b.order_id),
            status: b.shipment_status === 'delivered' ? 'DELIVERED' : 'SHIPPED',
            ...(Object.keys(given).length && { tracking: given }),
          };
        }
        case 'orders/cancelled':
          if (b.id === undefined || b.id === null)
            return { kind: 'ignore', reason: 'no order id in the payload' };
          return { kind: 'fulfillment', externalOrderId: String(b.id), status: 'CANCELLED' };
        default:
          return { kind: 'ignore', reason: `topic ${topic} is not used` };
      }
    },

    async createOrder(conn, order: MerchantOrder, signal) {
      const tag = `aisle-${order.order_id}`;
      // A retried hand-off finds the order the first try created (the tag carries our order id).
      const found = await gql<{ orders: { nodes: { legacyResourceId: string }[] } }>(
        conn,
        'orderByTag',
        ORDER_BY_TAG_QUERY,
        { query: `tag:'${tag}'` },
        { signal, retry: false },
      );
      const existing = found.orders.nodes[0];
      if (existing) return { externalId: String(existing.legacyResourceId) };

      const resolved = options.resolveSourceIds
        ? await options.resolveSourceIds(
            conn.merchantId,
            order.items.map((i) => i.variant_id),
          )
        : new Map<string, { variantSourceId: string }>();
      const lineItems = order.items.map((i) => {
        const id = resolved.get(i.variant_id)?.variantSourceId ?? i.variant_id;
        if (!/^\d+$/.test(id) && !id.startsWith('gid://shopify/ProductVariant/')) {
          throw new StoreError(`${i.product_title} (${i.variant_id}) is not a variant of this store.`, false);
        }
        return { variantId: gid('ProductVariant', id), quantity: i.quantity, price: i.price };
      });
      const a = order.shipping_address;
      const state = (a.state ?? '').trim();
      const provinceCode = /^[A-Za-z0-9]{1,3}$/.test(state) ? state.toUpperCase() : '';
      const currencyCode = order.currency || (await shopCurrency(conn, signal));
      const data = await gql<{
        orderCreate: {
          order: { legacyResourceId: string } | null;
          userErrors: { field: string[] | null; message: string }[];
        };
      }>(
        conn,
        'orderCreate',
        ORDER_CREATE,
        {
          order: {
            currency: currencyCode,
            lineItems: lineItems.map((i) => ({
              variantId: i.variantId,
              quantity: i.quantity,
              // What the shopper paid through us, so the store's order adds up to it.
              priceSet: { shopMoney: { amount: i.price, currencyCode } },
            })),
            shippingAddress: {
              ...splitName(a.recipient_name),
              address1: a.line1,
              ...(a.line2 && { address2: a.line2 }),
              city: a.city,
              // Shopify takes a province code only ("NY", "ON"); a spelled-out region goes into the note.
              ...(provinceCode && { provinceCode }),
              zip: a.zip,
              countryCode: a.country,
              ...(a.phone && { phone: a.phone }),
            },
            financialStatus: 'PAID',
            tags: [tag, 'aisle'],
            note:
              `Aisle order ${order.order_id}: paid through Aisle; please fulfil it.` +
              (state && !provinceCode ? ` Ship to region: ${state}.` : ''),
          },
          options: { inventoryBehaviour: 'DECREMENT_IGNORING_POLICY', sendReceipt: false },
        },
        { signal, retry: false },
      );
      const r = data.orderCreate;
      if (r.userErrors.length || !r.order) {
        const messages = r.userErrors.map(
          (e) => (e.field?.length ? `${e.field.join('.')}: ` : '') + e.message,
        );
        throw new StoreError(
          `Shopify (${conn.baseUrl}) refused the order: ${messages.join('; ') || 'no order came back'}`,
          false,
        );
      }
      return { externalId: String(r.order.legacyResourceId) };
    },

    async registerWebhooks(conn, callbackUrl, signal) {
      const subscribed: string[] = [];
      for (const topic of WEBHOOK_TOPICS) {
        const data = await gql<{
          webhookSubscriptionCreate: {
            webhookSubscription: { id: string } | null;
            userErrors: { message: string }[];
          };
        }>(
          conn,
          'webhookCreate',
          WEBHOOK_CREATE,
          { topic, sub: { callbackUrl, format: 'JSON' } },
          { signal, retry: false },
        );
        const r = data.webhookSubscriptionCreate;
        // "Address for this topic has already been taken": subscribed before, which is what we want.
        if (r.userErrors.length && !r.userErrors.every((e) => /already been taken/i.test(e.message))) {
          throw new StoreError(
            `Shopify (${conn.baseUrl}) refused the ${topic} webhook: ${r.userErrors.map((e) => e.message).join('; ')}`,
            false,
          );
        }
        subscribed.push(topic);
      }
      return subscribed;
    },
  };
  return connector;
}
