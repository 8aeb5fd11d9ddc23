// The WooCommerce connector: the store's REST API v3 ({site}/wp-json/wc/v3/…) turned into canonical product records,
// its signed webhooks into store events, and our paid orders into WooCommerce orders.
//
// Auth is HTTP Basic with the consumer key and secret (or, with `queryStringAuth`, the same two as query parameters
// for servers that strip the Authorization header). WooCommerce accepts Basic only over HTTPS: a store on plain
// http:// normally wants one-legged OAuth 1.0a, which is not implemented here. Basic is still sent over http:// so
// that local test servers (and stores behind a TLS-terminating proxy that report HTTPS to WordPress) work.
//
// Conventions:
// - A simple product is one variant (its own id); a variable product's variations are its variants. Grouped and
//   external (affiliate) products cannot be ordered through the store's API, so they are not imported; neither is a
//   product with no priced, enabled variant. Such products are reported as deleted, so one we held leaves the catalog.
// - Stock: `stock_quantity` when the store manages stock; otherwise "instock" counts as 1,000 units (unlimited) and
//   "outofstock" / "onbackorder" as 0 (we never sell what the store cannot ship now).
// - status publish → active, draft/pending/future → draft, private (or a catalog-hidden product) → archived.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { ProductRecord, VariantRecord } from '../import-format.js';
import { products, variants } from '../schema.js';
import {
  StoreError,
  type Connection,
  type Connector,
  type MerchantOrder,
  type ProductPage,
  type StoreEvent,
  type WebhookCheck,
  type WooCommerceCredentials,
} from './connector.js';

/** Our variant id → the store's product id and variation id (equal for a simple product). */
export type SourceIdResolver = (
  merchantId: string,
  variantIds: string[],
) => Promise<Map<string, { productSourceId: string; variantSourceId: string }>>;

export type WooCommerceOptions = {
  fetch?: typeof fetch;
  /** Products per page (WordPress caps it at 100). */
  pageSize?: number;
  /** Per request. */
  timeoutMs?: number;
  /** Further attempts after a network error, 429 or 5xx. */
  retries?: number;
  /** The first backoff; it doubles per attempt, with jitter, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Send the keys as `consumer_key` / `consumer_secret` query parameters instead of an Authorization header. */
  queryStringAuth?: boolean;
  /** Needed by createOrder: maps our variant ids to the store's ids (see catalogSourceIds). */
  resolveSourceIds?: SourceIdResolver;
};

/** Units counted for an in-stock product whose store does not manage stock. */
export const UNMANAGED_IN_STOCK_QTY = 1000;
export const WEBHOOK_TOPICS = ['product.created', 'product.updated', 'product.deleted', 'order.updated'];
/** The meta key that marks a WooCommerce order as ours (and finds it again). */
export const ORDER_META_KEY = '_aisle_order_id';
const CURRENCY_TTL_MS = 60 * 60_000;
const MAX_QTY = 10_000_000;

// ---- The store's shapes (only what we read) ----

type WcTerm = { id?: number; name?: string; slug?: string };
type WcImage = { src?: string | null } | null;
type WcAttribute = { id?: number; name?: string; option?: string; options?: string[]; variation?: boolean };
type WcMeta = { id?: number; key?: string; value?: unknown };
type Stock = {
  manage_stock?: boolean | 'parent';
  stock_quantity?: number | null;
  stock_status?: string;
};
type Priced = { price?: string; regular_price?: string; sale_price?: string; on_sale?: boolean };

export type WcProduct = Priced &
  Stock & {
    id: number;
    name?: string;
    permalink?: string;
    type?: string;
    status?: string;
    catalog_visibility?: string;
    description?: string;
    short_description?: string;
    sku?: string;
    purchasable?: boolean;
    date_modified_gmt?: string | null;
    parent_id?: number;
    categories?: WcTerm[];
    tags?: WcTerm[];
    brands?: WcTerm[];
    images?: WcImage[];
    attributes?: WcAttribute[];
    meta_data?: WcMeta[];
  };

export type WcVariation = Priced &
  Stock & {
    id: number;
    sku?: string;
    status?: string;
    purchasable?: boolean;
    image?: WcImage;
    attributes?: WcAttribute[];
    date_modified_gmt?: string | null;
  };

type WcOrder = {
  id: number;
  status?: string;
  customer_note?: string;
  billing?: { company?: string };
  meta_data?: WcMeta[];
};

// ---- Text ----

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  trade: '™',
  reg: '®',
  copy: '©',
  deg: '°',
  times: '×',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** HTML (WordPress post content) as plain text: blocks as paragraphs, list items as bullets, entities decoded. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/\[\/?[a-z_][\w-]*[^\]]*\]/gi, ' ') // WordPress shortcodes
    .replace(/\s+/g, ' ') // in HTML a line break in the source is a space
    .replace(/<br\s*\/?>|<\/tr>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n• ')
    .replace(/<\/(p|div|h[1-6]|ul|ol|table|blockquote|section|article)>/gi, '\n\n')
    .replace(/<[^>]*>/g, ' ');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== ''))
    .join('\n')
    .trim();
}

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max).trimEnd() : s);
const plain = (s: string | undefined, max: number) => clip(decodeEntities(s ?? '').trim(), max);
const isHttpUrl = (s: unknown): s is string =>
  typeof s === 'string' && /^https?:\/\//i.test(s) && URL.canParse(s);

/** A store price as our decimal string ("9" → "9", "9.999" → "10.00"); null when empty or not a price. */
export function money(value: string | undefined | null): string | null {
  const v = (value ?? '').trim();
  if (!/^\d+(\.\d+)?$/.test(v)) return null;
  if (/^\d{1,10}(\.\d{1,2})?$/.test(v)) return v;
  const rounded = Math.round(Number(v) * 100) / 100;
  return Number.isFinite(rounded) && rounded < 1e10 ? rounded.toFixed(2) : null;
}

function prices(p: Priced): { price: string; compare_at_price: string | null } | null {
  const current = money(
    p.on_sale && p.sale_price ? p.sale_price : p.price || p.regular_price || p.sale_price,
  );
  if (current === null) return null;
  const regular = money(p.regular_price);
  const compare = regular !== null && Number(regular) > Number(current) ? regular : null;
  return { price: current, compare_at_price: compare };
}

function quantity(s: Stock, parent?: Stock): number {
  const own = s.manage_stock === 'parent' && parent ? parent : s;
  if (own.manage_stock === true && typeof own.stock_quantity === 'number') {
    return Math.min(MAX_QTY, Math.max(0, Math.floor(own.stock_quantity)));
  }
  // Stock not managed (or not reported): in stock counts as plenty, backorders and sold out as none.
  return s.stock_status === 'instock' ? UNMANAGED_IN_STOCK_QTY : 0;
}

const gmt = (d: string | null | undefined) => {
  if (!d) return undefined;
  const iso = /(Z|[+-]\d\d:?\d\d)$/.test(d) ? d : `${d}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
};

const attrName = (name: string | undefined) => plain((name ?? '').replace(/^pa_/, ''), 100);
const isBrand = (name: string | undefined) => /^(pa_)?brands?$/i.test((name ?? '').trim());

const STATUS: Record<string, ProductRecord['status']> = {
  publish: 'active',
  draft: 'draft',
  pending: 'draft',
  future: 'draft',
  private: 'archived',
};

/** Types ordered as one product (no variations); grouped and external products cannot be ordered at all. */
const UNSELLABLE_TYPES = new Set(['grouped', 'external']);
const isVariable = (p: WcProduct) => p.type === 'variable' || p.type === 'variable-subscription';

/** The record for a product, with `variations` for a variable one; null when nothing of it can be sold. */
export function toRecord(p: WcProduct, variations: WcVariation[], currency: string): ProductRecord | null {
  if (UNSELLABLE_TYPES.has(p.type ?? '') || p.status === 'trash') return null;
  const title = plain(p.name, 500) || `Product ${p.id}`;
  const images = (p.images ?? []).map((i) => i?.src).filter(isHttpUrl);
  const categories = (p.categories ?? [])
    .filter((c) => c.slug !== 'uncategorized')
    .map((c) => plain(c.name, 255));
  const brand =
    (p.brands ?? []).map((b) => plain(b.name, 255)).find(Boolean) ??
    (p.attributes ?? [])
      .find((a) => isBrand(a.name))
      ?.options?.map((o) => plain(o, 255))
      .find(Boolean) ??
    '';

  const variantRecords: VariantRecord[] = [];
  if (isVariable(p)) {
    for (const v of variations) {
      if (v.status && v.status !== 'publish') continue; // a disabled variation ("private")
      if (v.purchasable === false) continue;
      const priced = prices(v);
      if (!priced) continue;
      const options: Record<string, string> = {};
      for (const a of v.attributes ?? []) {
        const name = attrName(a.name);
        const value = plain(a.option, 255);
        if (name && value) options[name] = value;
      }
      const image = v.image?.src;
      variantRecords.push({
        source_id: String(v.id),
        ...(v.sku ? { sku: plain(v.sku, 255) } : {}),
        title: clip(Object.values(options).join(' / '), 255) || clip(title, 255),
        options,
        ...priced,
        currency,
        available_qty: quantity(v, p),
        ...(isHttpUrl(image) ? { image_url: image } : {}),
      });
    }
  } else {
    const priced = p.purchasable === false ? null : prices(p);
    if (priced) {
      // Attributes fixed to one value (e.g. Color: Red) describe a simple product's only variant.
      const options: Record<string, string> = {};
      for (const a of p.attributes ?? []) {
        const name = attrName(a.name);
        const value = a.options?.length === 1 ? plain(a.options[0], 255) : '';
        if (name && value && !isBrand(a.name)) options[name] = value;
      }
      variantRecords.push({
        source_id: String(p.id),
        ...(p.sku ? { sku: plain(p.sku, 255) } : {}),
        title: clip(title, 255),
        options,
        ...priced,
        currency,
        available_qty: quantity(p),
        ...(images[0] ? { image_url: images[0] } : {}),
      });
    }
  }
  if (variantRecords.length === 0) return null;

  const status =
    p.catalog_visibility === 'hidden' && p.status === 'publish'
      ? 'archived'
      : (STATUS[p.status ?? ''] ?? 'draft');
  // A variation edit re-saves its parent in WooCommerce, but take the latest of them all to be sure.
  const updated = [p.date_modified_gmt, ...variations.map((v) => v.date_modified_gmt)]
    .map(gmt)
    .filter((d): d is string => d !== undefined)
    .reduce<string | undefined>((a, b) => (a && Date.parse(a) >= Date.parse(b) ? a : b), undefined);
  return {
    source_id: String(p.id),
    title,
    description: clip(htmlToText(p.description || '') || htmlToText(p.short_description || ''), 20_000),
    vendor: brand,
    product_type: categories.at(-1) ?? '',
    category: clip(categories.join(' > '), 255),
    tags: [...new Set((p.tags ?? []).map((t) => plain(t.name, 100)).filter(Boolean))].slice(0, 100),
    image_urls: [...new Set(images)].slice(0, 50),
    ...(isHttpUrl(p.permalink) ? { product_url: p.permalink } : {}),
    status,
    variants: variantRecords.slice(0, 500),
    ...(updated ? { updated_at: updated } : {}),
  };
}

/** The shipment tracking of a completed order (the WooCommerce Shipment Tracking extension's meta). */
function trackingOf(
  meta: WcMeta[] | undefined,
): { carrier?: string; number?: string; url?: string } | undefined {
  const items = meta?.find((m) => m.key === '_wc_shipment_tracking_items')?.value;
  const last = Array.isArray(items) ? (items.at(-1) as Record<string, unknown> | undefined) : undefined;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  if (last) {
    const number = str(last.tracking_number);
    if (!number) return undefined;
    const carrier = str(last.custom_tracking_provider) ?? str(last.tracking_provider);
    const url = str(last.custom_tracking_link) ?? str(last.tracking_link);
    return { number, ...(carrier && { carrier }), ...(url && { url }) };
  }
  const number = str(meta?.find((m) => m.key === '_tracking_number')?.value);
  if (!number) return undefined;
  const carrier = str(meta?.find((m) => m.key === '_tracking_provider')?.value);
  return { number, ...(carrier && { carrier }) };
}

// ---- HTTP ----

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A StoreError with WordPress's error code (`{code, message, data: {status}}`), when the answer had one. */
class WooCommerceError extends StoreError {
  constructor(
    message: string,
    retryable: boolean,
    status?: number,
    readonly code?: string,
  ) {
    super(message, retryable, status);
  }
}

type Query = Record<string, string | number | boolean | undefined>;
type Reply<T> = { data: T; headers: Headers; status: number };

const creds = (conn: Connection) => conn.credentials as WooCommerceCredentials;

export function createWooCommerceConnector(options: WooCommerceOptions = {}): Connector {
  const doFetch = options.fetch ?? fetch;
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 5;
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const currencies = new Map<string, { code: string; at: number }>();

  const backoff = (attempt: number) => {
    const ceiling = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  };

  function urlOf(conn: Connection, path: string, query: Query = {}): URL {
    const url = new URL(
      path.startsWith('/') ? `${conn.baseUrl}${path}` : `${conn.baseUrl}/wp-json/wc/v3/${path}`,
    );
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    if (options.queryStringAuth) {
      url.searchParams.set('consumer_key', creds(conn).consumerKey);
      url.searchParams.set('consumer_secret', creds(conn).consumerSecret);
    }
    return url;
  }

  /**
   * One API call. Network errors, timeouts, 429 (honouring Retry-After) and 5xx are retried with exponential backoff
   * and jitter when `retry` (every read; never a create, whose retry must first look for what it created).
   */
  async function call<T>(
    conn: Connection,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    opts: { query?: Query; body?: unknown; signal?: AbortSignal; retry?: boolean } = {},
  ): Promise<Reply<T>> {
    const url = urlOf(conn, path, opts.query);
    const { consumerKey, consumerSecret } = creds(conn);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (!options.queryStringAuth) {
      headers.authorization = `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`;
    }
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const what = `WooCommerce ${method} ${url.pathname.replace(/^.*\/wp-json/, '/wp-json')}`;
    const maxAttempts = opts.retry === false ? 1 : retries + 1;
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= maxAttempts;
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        res = await doFetch(url, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
          // A redirected POST would come back as a GET: writes must reach the store's final URL.
          redirect: method === 'GET' ? 'follow' : 'manual',
        });
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        const reason =
          (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message;
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        if (last) throw new StoreError(`${what}: ${reason}${cause ? ` (${cause})` : ''}`, true);
        await sleep(backoff(attempt), opts.signal);
        continue;
      }
      if (res.ok) {
        const text = await res.text();
        try {
          return { data: (text ? JSON.parse(text) : null) as T, headers: res.headers, status: res.status };
        } catch {
          throw new StoreError(
            `${what}: the answer is not JSON (is ${conn.baseUrl} a WordPress site with WooCommerce?)`,
            false,
            res.status,
          );
        }
      }
      const body = await res.text().catch(() => '');
      let message = body.slice(0, 300);
      let code: string | undefined;
      try {
        const parsed = JSON.parse(body) as { message?: unknown; code?: unknown };
        if (typeof parsed.message === 'string') message = htmlToText(parsed.message).replace(/\s+/g, ' ');
        if (typeof parsed.code === 'string') code = parsed.code;
      } catch {
        message = htmlToText(message).replace(/\s+/g, ' ');
      }
      const retryable = res.status === 429 || res.status >= 500 || res.status === 408;
      if (retryable && !last) {
        const wait =
          res.status === 429
            ? (retryAfterMs(res.headers.get('retry-after')) ?? backoff(attempt))
            : backoff(attempt);
        await sleep(Math.min(wait, maxBackoffMs), opts.signal);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new StoreError(
          `${what}: the consumer key was refused (${res.status}${message ? `: ${message}` : ''}); it needs Read ` +
            'permissions (and Read/Write for orders and webhooks)',
          false,
          res.status,
        );
      }
      if (res.status >= 300 && res.status < 400) {
        throw new StoreError(
          `${what}: the store redirects to ${res.headers.get('location') ?? 'another address'}; connect it with ` +
            'its final URL (https, with or without www)',
          false,
          res.status,
        );
      }
      throw new WooCommerceError(
        `${what}: HTTP ${res.status}${message ? `: ${message}` : ''}`,
        retryable,
        res.status,
        code,
      );
    }
  }

  /** Every page of a list: follows X-WP-TotalPages (or stops at a short page). */
  async function all<T>(conn: Connection, path: string, query: Query, signal?: AbortSignal): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const { data, headers } = await call<T[]>(conn, 'GET', path, {
        query: { ...query, per_page: 100, page },
        signal,
      });
      const items = Array.isArray(data) ? data : [];
      out.push(...items);
      if (!hasMore(headers, page, items.length, 100)) return out;
    }
  }

  function hasMore(headers: Headers, page: number, got: number, asked: number) {
    const total = Number(headers.get('x-wp-totalpages'));
    return headers.has('x-wp-totalpages') && Number.isFinite(total) ? page < total : got >= asked;
  }

  /** The store's currency (cached per store): WooCommerce prices carry none. USD when the store will not say. */
  async function currencyOf(conn: Connection, signal?: AbortSignal): Promise<string> {
    const key = `${conn.baseUrl} ${creds(conn).consumerKey}`;
    const cached = currencies.get(key);
    if (cached && Date.now() - cached.at < CURRENCY_TTL_MS) return cached.code;
    let code: string | undefined;
    const attempts: [string, (d: unknown) => unknown][] = [
      ['data/currencies/current', (d) => (d as { code?: unknown } | null)?.code],
      ['settings/general/woocommerce_currency', (d) => (d as { value?: unknown } | null)?.value],
    ];
    for (const [path, pick] of attempts) {
      try {
        const value = pick((await call<unknown>(conn, 'GET', path, { signal })).data);
        if (typeof value === 'string' && /^[A-Z]{3}$/.test(value.trim())) {
          code = value.trim();
          break;
        }
      } catch (err) {
        // Not there (older WooCommerce, a fake) or not allowed to read settings: try the next, then assume USD.
        if (!(err instanceof StoreError) || err.retryable) throw err;
      }
    }
    code ??= 'USD';
    currencies.set(key, { code, at: Date.now() });
    return code;
  }

  /** Records for a batch of products: variations fetched (a few at a time) for the variable ones. */
  async function recordsOf(conn: Connection, list: WcProduct[], signal?: AbortSignal) {
    const currency = await currencyOf(conn, signal);
    const results: (ProductRecord | null)[] = new Array(list.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const i = next++;
        const p = list[i]!;
        const variations = isVariable(p)
          ? await all<WcVariation>(
              conn,
              `products/${p.id}/variations`,
              // The admin's order (the default is newest first).
              { orderby: 'menu_order', order: 'asc' },
              signal,
            ).catch((err: unknown) => {
              // Deleted since the list was read: nothing of it to sell.
              if (err instanceof StoreError && err.status === 404) return [];
              throw err;
            })
          : [];
        results[i] = toRecord(p, variations, currency);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, list.length) }, worker));
    const records: ProductRecord[] = [];
    const unsellable: string[] = [];
    results.forEach((r, i) => (r ? records.push(r) : unsellable.push(String(list[i]!.id))));
    return { records, unsellable };
  }

  async function fetchProducts(conn: Connection, sourceIds: string[], signal?: AbortSignal) {
    const ids = [...new Set(sourceIds.filter((id) => /^\d+$/.test(id)))];
    const found: ProductRecord[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const { data } = await call<WcProduct[]>(conn, 'GET', 'products', {
        query: { include: chunk.join(','), per_page: 100, status: 'any', orderby: 'include' },
        signal,
      });
      found.push(...(await recordsOf(conn, Array.isArray(data) ? data : [], signal)).records);
    }
    return found;
  }

  /** Our order as already created in the store (a retried hand-off), found by our order id. */
  async function findOrder(
    conn: Connection,
    orderId: string,
    signal?: AbortSignal,
  ): Promise<WcOrder | undefined> {
    const { data } = await call<WcOrder[]>(conn, 'GET', 'orders', {
      query: { search: orderId, per_page: 20 },
      signal,
    });
    return (Array.isArray(data) ? data : []).find(
      (o) =>
        o.meta_data?.some((m) => m.key === ORDER_META_KEY && m.value === orderId) ||
        o.billing?.company === `Aisle ${orderId}` ||
        (o.customer_note ?? '').includes(orderId),
    );
  }

  return {
    platform: 'woocommerce',

    async verify(conn, signal) {
      // The products list needs the consumer key with Read access: a wrong key is a 401 here.
      try {
        await call<unknown>(conn, 'GET', 'products', { query: { per_page: 1, _fields: 'id' }, signal });
      } catch (err) {
        if (err instanceof StoreError && err.status === 404) {
          throw new StoreError(
            `${conn.baseUrl} has no WooCommerce REST API (wp-json/wc/v3 answered 404); is WooCommerce active?`,
            false,
            404,
          );
        }
        throw err;
      }
      // The site's name comes from the WordPress index; a store that hides it is named after its host.
      let storeName = '';
      try {
        const { data } = await call<{ name?: unknown }>(conn, 'GET', '/wp-json/', { signal, retry: false });
        if (typeof data?.name === 'string') storeName = plain(data.name, 200);
      } catch {
        // optional
      }
      return { storeName: storeName || new URL(conn.baseUrl).hostname };
    },

    async fetchPage(conn, { cursor, since, signal }): Promise<ProductPage> {
      const page = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 1;
      const reply = await call<WcProduct[]>(conn, 'GET', 'products', {
        query: {
          per_page: pageSize,
          page,
          orderby: 'id',
          order: 'asc',
          status: 'any',
          // WordPress reads a date with an offset as the site's local wall time even against the _gmt column
          // (WP_Date_Query::build_mysql_datetime): send UTC without an offset and say the dates are GMT.
          ...(since && { modified_after: since.toISOString().slice(0, 19), dates_are_gmt: true }),
        },
        signal,
      }).catch((err: unknown) => {
        // A resumed run whose page no longer exists (the catalog shrank meanwhile): the listing is over.
        if (page > 1 && err instanceof WooCommerceError && /invalid_page_number$/.test(err.code ?? '')) {
          return null;
        }
        throw err;
      });
      if (!reply) return { records: [], next: null };
      const { data, headers } = reply;
      const list = Array.isArray(data) ? data : [];
      const { records, unsellable } = await recordsOf(conn, list, signal);
      return {
        records,
        deleted: unsellable,
        next: hasMore(headers, page, list.length, pageSize) ? String(page + 1) : null,
      };
    },

    async listSourceIds(conn, signal) {
      const list = await all<{ id: number }>(
        conn,
        'products',
        { _fields: 'id', status: 'any', orderby: 'id' },
        signal,
      );
      return new Set(list.map((p) => String(p.id)));
    },

    fetchProducts,

    verifyWebhook(conn, rawBody, headers: IncomingHttpHeaders): WebhookCheck {
      const header = (name: string) => {
        const v = headers[name];
        return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
      };
      const signature = header('x-wc-webhook-signature');
      if (!signature) {
        // WooCommerce pings a new webhook's URL once, form-encoded and unsigned: answer 200, change nothing.
        if (/^webhook_id=\d+$/.test(rawBody.toString('utf8').trim())) return { ok: 'ping' };
        return { ok: false, reason: 'The X-WC-Webhook-Signature header is missing.' };
      }
      const secret = creds(conn).webhookSecret;
      if (!secret) return { ok: false, reason: 'No webhook secret is configured for this store.' };
      const expected = createHmac('sha256', secret).update(rawBody).digest();
      const given = Buffer.from(signature, 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'The X-WC-Webhook-Signature does not match the body.' };
      }
      const topic = header('x-wc-webhook-topic');
      if (!topic) return { ok: false, reason: 'The X-WC-Webhook-Topic header is missing.' };
      // WooCommerce's X-WC-Webhook-Delivery-ID is wp_hash(webhook id . current second): two different deliveries of
      // one webhook in the same second share it. A hash of the topic and body joins it, so only a repeat of the same delivery is a
      // duplicate (a header-less sender is keyed by its webhook id, the topic and the body).
      const bodyHash = createHash('sha256').update(`${topic}\n`).update(rawBody).digest('hex').slice(0, 32);
      const deliveryId = `${header('x-wc-webhook-delivery-id') ?? `webhook-${header('x-wc-webhook-id') ?? '?'}`}:${bodyHash}`;
      return { ok: true, deliveryId, topic };
    },

    async parseWebhook(conn, topic, body): Promise<StoreEvent> {
      const obj = (body ?? {}) as Record<string, unknown>;
      const id = typeof obj.id === 'number' || typeof obj.id === 'string' ? String(obj.id) : '';
      if (topic.startsWith('product.') && !/^\d+$/.test(id)) {
        return { kind: 'ignore', reason: `${topic} without a product id` };
      }
      switch (topic) {
        case 'product.created':
        case 'product.updated':
        case 'product.published': {
          const p = obj as unknown as WcProduct;
          // A variation edit arrives as the variation itself (type "variation", parent_id): read the parent again.
          if (p.type === 'variation' && p.parent_id) {
            return { kind: 'refetch', sourceIds: [String(p.parent_id)] };
          }
          if (p.status === 'trash') return { kind: 'delete', sourceIds: [id] };
          // The payload lists only a variable product's variation ids: fetch them.
          if (isVariable(p)) return { kind: 'refetch', sourceIds: [id] };
          const record = toRecord(p, [], await currencyOf(conn));
          return record ? { kind: 'upsert', records: [record] } : { kind: 'delete', sourceIds: [id] };
        }
        case 'product.restored':
          return { kind: 'refetch', sourceIds: [id] };
        case 'product.deleted':
          return { kind: 'delete', sourceIds: [id] };
        case 'order.updated': {
          const order = obj as unknown as WcOrder & { id?: unknown };
          if (!id) return { kind: 'ignore', reason: 'order.updated without an order id' };
          if (order.status === 'completed') {
            const tracking = trackingOf(order.meta_data);
            return {
              kind: 'fulfillment',
              externalOrderId: id,
              status: tracking ? 'SHIPPED' : 'FULFILLED',
              ...(tracking && { tracking }),
            };
          }
          if (order.status === 'cancelled' || order.status === 'refunded') {
            return { kind: 'fulfillment', externalOrderId: id, status: 'CANCELLED' };
          }
          return { kind: 'ignore', reason: `order status ${String(order.status)}` };
        }
        default:
          return { kind: 'ignore', reason: `topic ${topic} is not used` };
      }
    },

    async createOrder(conn, order: MerchantOrder, signal) {
      if (!options.resolveSourceIds) {
        throw new StoreError('This WooCommerce connector cannot map our variants to store products.', false);
      }
      const ids = await options.resolveSourceIds(
        conn.merchantId,
        order.items.map((i) => i.variant_id),
      );
      const line_items = order.items.map((item) => {
        const source = ids.get(item.variant_id);
        if (!source || !/^\d+$/.test(source.productSourceId) || !/^\d+$/.test(source.variantSourceId)) {
          throw new StoreError(
            `${item.product_title} (${item.variant_id}) is not a product of this store.`,
            false,
          );
        }
        const total = (Math.round(Number(item.price) * 100 * item.quantity) / 100).toFixed(2);
        return {
          product_id: Number(source.productSourceId),
          ...(source.variantSourceId !== source.productSourceId && {
            variation_id: Number(source.variantSourceId),
          }),
          quantity: item.quantity,
          // What the shopper paid through us, so the store's order adds up to it.
          subtotal: total,
          total,
        };
      });
      const a = order.shipping_address;
      const [first, ...rest] = (a.recipient_name ?? '').trim().split(/\s+/);
      const address = {
        first_name: first ?? '',
        last_name: rest.join(' '),
        address_1: a.line1 ?? '',
        address_2: a.line2 ?? '',
        city: a.city ?? '',
        state: a.state ?? '',
        postcode: a.zip ?? '',
        country: a.country ?? '',
      };
      const body = {
        status: 'processing',
        set_paid: true,
        currency: order.currency,
        payment_method: 'aisle',
        payment_method_title: 'Paid through Aisle',
        // WooCommerce's order search reads the billing address (not meta): the company names our order, so a retried
        // hand-off finds the order it already created.
        billing: { ...address, company: `Aisle ${order.order_id}`, ...(a.phone && { phone: a.phone }) },
        shipping: { ...address, ...(a.phone && { phone: a.phone }) },
        customer_note: `Aisle order ${order.order_id}`,
        line_items,
        meta_data: [{ key: ORDER_META_KEY, value: order.order_id }],
      };
      // A create is never blindly retried: each attempt first looks for the order an earlier one may have made.
      for (let attempt = 0; ; attempt++) {
        const existing = await findOrder(conn, order.order_id, signal);
        if (existing) return { externalId: String(existing.id) };
        try {
          const { data } = await call<WcOrder>(conn, 'POST', 'orders', { body, signal, retry: false });
          if (!data || (typeof data.id !== 'number' && typeof data.id !== 'string')) {
            throw new StoreError('WooCommerce created the order but did not answer its id.', true);
          }
          return { externalId: String(data.id) };
        } catch (err) {
          if (!(err instanceof StoreError) || !err.retryable || attempt >= retries || signal?.aborted)
            throw err;
          await sleep(backoff(attempt), signal);
        }
      }
    },

    async registerWebhooks(conn, callbackUrl, signal) {
      const secret = creds(conn).webhookSecret;
      if (!secret) {
        throw new StoreError(
          'Set a webhook secret on this store connection before subscribing webhooks.',
          false,
        );
      }
      const existing = await all<{ id: number; topic?: string; delivery_url?: string; status?: string }>(
        conn,
        'webhooks',
        {},
        signal,
      );
      for (const topic of WEBHOOK_TOPICS) {
        const known = existing.find((w) => w.topic === topic && w.delivery_url === callbackUrl);
        if (known && known.status === 'active') continue;
        await call(conn, known ? 'PUT' : 'POST', known ? `webhooks/${known.id}` : 'webhooks', {
          body: known
            ? { status: 'active', secret }
            : { name: `Aisle ${topic}`, topic, delivery_url: callbackUrl, secret, status: 'active' },
          signal,
          retry: false,
        });
      }
      return [...WEBHOOK_TOPICS];
    },
  };
}

/** The resolver createOrder needs, reading our catalog: only variants of the merchant's own products. */
export function catalogSourceIds(db: Db): SourceIdResolver {
  return async (merchantId, variantIds) => {
    const rows = variantIds.length
      ? await db
          .select({ id: variants.id, variantSourceId: variants.sourceId, productSourceId: products.sourceId })
          .from(variants)
          .innerJoin(products, eq(products.id, variants.productId))
          .where(and(eq(products.merchantId, merchantId), inArray(variants.id, variantIds)))
      : [];
    return new Map(
      rows.map((r) => [r.id, { productSourceId: r.productSourceId, variantSourceId: r.variantSourceId }]),
    );
  };
}
