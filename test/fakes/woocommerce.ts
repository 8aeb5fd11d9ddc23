// A stand-in for one WooCommerce store's REST API v3 (`/wp-json/wc/v3/…`): a real HTTP server on loopback that speaks
// the wire format of current WooCommerce on WordPress: the product, variation, order and webhook shapes; PHP's
// `json_encode` output (`\/` and `\uXXXX` escapes), the `X-WP-Total` / `X-WP-TotalPages` / `Link` pagination headers
// built the way `WC_REST_CRUD_Controller::get_items` builds them, WordPress's `{code, message, data: {status}}` errors
// (param validation before permission checks), and `WC_REST_Authentication`'s key handling. It also builds webhook
// deliveries byte for byte as `WC_Webhook::deliver()` sends them. Each test scripts failures; every request is recorded.
// Sources: /work/shared/research/merchant-apis.md §4, 6, 7, the samples in /work/shared/samples, and WooCommerce core
// (class-wc-rest-authentication.php, class-wc-rest-crud-controller.php, class-wc-rest-orders-v2-controller.php,
// class-wc-webhook.php, WP_Date_Query::build_mysql_datetime).
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------------------------------
// Wire types (the JSON WooCommerce returns)
// ---------------------------------------------------------------------------------------------------------------------

export type WooTerm = { id: number; name: string; slug: string };
export type WooImage = {
  id: number;
  date_created: string;
  date_created_gmt: string;
  date_modified: string;
  date_modified_gmt: string;
  src: string;
  name: string;
  alt: string;
  srcset?: string;
  sizes?: string;
  thumbnail?: string;
};
export type WooAttribute = {
  id: number;
  name: string;
  slug?: string;
  position: number;
  visible: boolean;
  variation: boolean;
  options: string[];
};
export type WooVariationAttribute = { id: number; name: string; option: string };
export type WooMeta = { id: number; key: string; value: unknown };
export type WooLink = { href: string; targetHints?: { allow: string[] } };
export type WooLinks = Record<string, WooLink[]>;
export type WooPostStatus = 'publish' | 'draft' | 'private' | 'pending' | 'future' | 'trash';
export type WooStockStatus = 'instock' | 'outofstock' | 'onbackorder';
export type WooDimensions = { length: string; width: string; height: string };

export interface WooProduct {
  id: number;
  name: string;
  slug: string;
  permalink: string;
  date_created: string;
  date_created_gmt: string;
  date_modified: string;
  date_modified_gmt: string;
  type: 'simple' | 'variable' | 'grouped' | 'external' | 'variation';
  status: WooPostStatus;
  featured: boolean;
  catalog_visibility: 'visible' | 'catalog' | 'search' | 'hidden';
  description: string;
  short_description: string;
  sku: string;
  price: string;
  regular_price: string;
  sale_price: string;
  date_on_sale_from: string | null;
  date_on_sale_from_gmt: string | null;
  date_on_sale_to: string | null;
  date_on_sale_to_gmt: string | null;
  on_sale: boolean;
  purchasable: boolean;
  total_sales: number;
  virtual: boolean;
  downloadable: boolean;
  downloads: unknown[];
  download_limit: number;
  download_expiry: number;
  external_url: string;
  button_text: string;
  tax_status: 'taxable' | 'shipping' | 'none';
  tax_class: string;
  manage_stock: boolean;
  stock_quantity: number | null;
  backorders: 'no' | 'notify' | 'yes';
  backorders_allowed: boolean;
  backordered: boolean;
  low_stock_amount: number | null;
  sold_individually: boolean;
  weight: string;
  dimensions: WooDimensions;
  shipping_required: boolean;
  shipping_taxable: boolean;
  shipping_class: string;
  shipping_class_id: number;
  reviews_allowed: boolean;
  average_rating: string;
  rating_count: number;
  upsell_ids: number[];
  cross_sell_ids: number[];
  parent_id: number;
  purchase_note: string;
  categories: WooTerm[];
  brands: WooTerm[];
  tags: WooTerm[];
  images: WooImage[];
  /** Products: `WooAttribute[]`; a product-shaped variation (`type: 'variation'`): `WooVariationAttribute[]`. */
  attributes: WooAttribute[] | WooVariationAttribute[];
  default_attributes: WooVariationAttribute[];
  variations: number[];
  grouped_products: number[];
  menu_order: number;
  price_html: string;
  related_ids: number[];
  meta_data: WooMeta[];
  stock_status: WooStockStatus;
  has_options: boolean;
  post_password: string;
  global_unique_id: string;
  _links: WooLinks;
}

export interface WooVariation {
  id: number;
  type: 'variation';
  date_created: string;
  date_created_gmt: string;
  date_modified: string;
  date_modified_gmt: string;
  description: string;
  permalink: string;
  sku: string;
  global_unique_id: string;
  price: string;
  regular_price: string;
  sale_price: string;
  date_on_sale_from: string | null;
  date_on_sale_from_gmt: string | null;
  date_on_sale_to: string | null;
  date_on_sale_to_gmt: string | null;
  on_sale: boolean;
  /** 'publish' = enabled, 'private' = disabled in the admin. */
  status: 'publish' | 'private';
  purchasable: boolean;
  virtual: boolean;
  downloadable: boolean;
  downloads: unknown[];
  download_limit: number;
  download_expiry: number;
  tax_status: 'taxable' | 'shipping' | 'none';
  tax_class: string;
  manage_stock: boolean | 'parent';
  stock_quantity: number | null;
  stock_status: WooStockStatus;
  backorders: 'no' | 'notify' | 'yes';
  backorders_allowed: boolean;
  backordered: boolean;
  low_stock_amount: number | null;
  weight: string;
  dimensions: WooDimensions;
  shipping_class: string;
  shipping_class_id: number;
  /** A single object (or null), not an array; falls back to the parent's featured image like WooCommerce does. */
  image: WooImage | null;
  /** Only the attributes this variation pins down; a missing attribute means "any". */
  attributes: WooVariationAttribute[];
  menu_order: number;
  meta_data: WooMeta[];
  name: string;
  parent_id: number;
  _links: WooLinks;
}

export type WooAddress = {
  first_name: string;
  last_name: string;
  company: string;
  address_1: string;
  address_2: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
  email?: string | null;
  phone: string;
};
export type WooItemMeta = WooMeta & { display_key: string; display_value: unknown };
export type WooLineItem = {
  id: number;
  name: string;
  product_id: number;
  variation_id: number;
  quantity: number;
  tax_class: string;
  subtotal: string;
  subtotal_tax: string;
  total: string;
  total_tax: string;
  taxes: unknown[];
  meta_data: WooItemMeta[];
  sku: string | null;
  global_unique_id: string;
  price: number;
  image: { id: number | string; src: string };
  parent_name: string | null;
};
export type WooOrderStatus =
  | 'pending'
  | 'processing'
  | 'on-hold'
  | 'completed'
  | 'cancelled'
  | 'refunded'
  | 'failed'
  | 'checkout-draft'
  | 'auto-draft'
  | 'trash';
export interface WooOrder {
  id: number;
  parent_id: number;
  status: WooOrderStatus;
  currency: string;
  version: string;
  prices_include_tax: boolean;
  date_created: string;
  date_modified: string;
  discount_total: string;
  discount_tax: string;
  shipping_total: string;
  shipping_tax: string;
  cart_tax: string;
  total: string;
  total_tax: string;
  customer_id: number;
  order_key: string;
  billing: WooAddress;
  shipping: WooAddress;
  payment_method: string;
  payment_method_title: string;
  transaction_id: string;
  customer_ip_address: string;
  customer_user_agent: string;
  created_via: string;
  customer_note: string;
  date_completed: string | null;
  date_paid: string | null;
  cart_hash: string;
  number: string;
  meta_data: WooMeta[];
  line_items: WooLineItem[];
  tax_lines: unknown[];
  shipping_lines: Json[];
  fee_lines: Json[];
  coupon_lines: Json[];
  refunds: unknown[];
  payment_url: string;
  is_editable: boolean;
  needs_payment: boolean;
  needs_processing: boolean;
  date_created_gmt: string;
  date_modified_gmt: string;
  date_completed_gmt: string | null;
  date_paid_gmt: string | null;
  currency_symbol: string;
  _links: WooLinks;
}

/** A webhook subscription as the store keeps it (the REST response omits `secret` and the bookkeeping). */
export type WooWebhookSubscription = {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  resource: string;
  event: string;
  hooks: string[];
  delivery_url: string;
  secret: string;
  date_created_gmt: string;
  date_modified_gmt: string;
  failure_count: number;
  /** The creation ping's outcome (HTTP status, or the error message when the URL could not be reached). */
  ping?: { status?: number; error?: string };
};

/** One webhook POST exactly as WooCommerce would send it: the headers (WooCommerce's casing) and the raw body. */
export type WooWebhookDelivery = { headers: Record<string, string>; body: string };

// ---------------------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------------------

/** A variation to seed: any REST field; `attributes` pins the options (omit one for "any"). */
export type FakeWooVariation = Partial<Omit<WooVariation, 'attributes' | 'image'>> & {
  attributes: WooVariationAttribute[];
  image?: Partial<WooImage> | null;
};
/**
 * A product to seed: any REST field (missing ones get WooCommerce's defaults; ids and slugs are allocated), plus the
 * variation objects of a variable product. Derived fields (`price` of a variable product, `on_sale`, `price_html`,
 * `permalink`, `variations`, `stock_status` of stock-managed items, `_links`, local dates) are always recomputed from the
 * stored ones, as WooCommerce does.
 */
export type FakeWooProduct = Partial<Omit<WooProduct, 'variations' | 'images' | 'attributes'>> & {
  name: string;
  images?: Array<Partial<WooImage> & { src: string }>;
  attributes?: WooAttribute[];
  variations?: FakeWooVariation[];
};

export type StartFakeWooCommerceOptions = {
  consumerKey: string;
  consumerSecret: string;
  /** Seed products, or a count of realistic products to generate (deterministic for a given `seed`). Default 0. */
  products?: FakeWooProduct[] | number;
  /** The secret `webhook()` signs with (subscriptions made through `POST webhooks` use their own `secret`). */
  webhookSecret: string;
  /** Seed for generated products (default 42). */
  seed?: number;
  /** What the key may do, as set in WooCommerce > Settings > Advanced > REST API (default 'read_write'). */
  keyPermissions?: 'read' | 'write' | 'read_write';
  /** The site's UTC offset in minutes (WordPress "Timezone"); local `date_*` fields use it. Default -240 (UTC-4). */
  utcOffsetMinutes?: number;
  /** The store's clock, used for every write (default: the real clock). */
  now?: () => Date;
  /**
   * Line items naming a product that does not exist. 'accept' (the default) is what WooCommerce core does: the order is
   * created (201) with a line item whose `product_id` is 0 and whose totals are "0.00" (woocommerce/woocommerce#50698).
   * 'reject' answers 400 `woocommerce_rest_invalid_product_id`, as a store with a validating plugin would.
   */
  unknownLineItems?: 'accept' | 'reject';
  /** Send the `webhook_id=N` ping to `delivery_url` when a webhook is created through the API (default true). */
  pingOnCreate?: boolean;
  currency?: string;
  wcVersion?: string;
  wpVersion?: string;
};

/** A request as the fake saw it. */
export type FakeWooRequest = {
  index: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  /** The REST route without `/wp-json`, e.g. `/wc/v3/products/12` (also taken from `?rest_route=`). */
  route: string;
  query: Record<string, string | string[]>;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON (or form) body; undefined when empty. */
  body?: unknown;
  /** How the request authenticated: Basic auth, `consumer_key`/`consumer_secret` query params, or not at all. */
  auth: 'basic' | 'query' | 'none';
  /** Filled in once answered. */
  status?: number;
};

export type WebhookResult = { webhookId: number; url: string; status?: number; error?: string };

export type FakeWooStore = {
  /** Every product as `GET products/{id}` returns it (all statuses, trash included), by ascending id. */
  products(): WooProduct[];
  product(id: number): WooProduct | undefined;
  /** A variable product's variations as `GET products/{id}/variations/{vid}` returns them (menu order, then id). */
  variations(productId: number): WooVariation[];
  variation(variationId: number): WooVariation | undefined;
  /** Subscriptions made through `POST webhooks`. */
  webhooks: WooWebhookSubscription[];
};

export type FakeWooCommerce = {
  /** The store's home URL (no trailing slash), e.g. http://127.0.0.1:PORT; the API is under `${url}/wp-json/wc/v3`. */
  url: string;
  received: FakeWooRequest[];
  store: FakeWooStore;
  /** Orders created through the API, as `GET orders/{id}` returns them (live objects). */
  orders: WooOrder[];
  /** Replace the catalog (a count generates that many products). */
  setProducts(products: FakeWooProduct[] | number, seed?: number): void;
  /** Add one product (its `date_created` is now unless given). */
  addProduct(product: FakeWooProduct): WooProduct;
  /** Change a product (a patch of stored fields, or a mutator); `date_modified` moves to now unless the patch sets it. */
  updateProduct(id: number, patch: ProductPatch | ((p: WooProduct) => void)): WooProduct;
  /** Change a variation; both it and its parent get `date_modified` = now (WooCommerce re-saves the parent). */
  updateVariation(
    productId: number,
    variationId: number,
    patch: VariationPatch | ((v: WooVariation) => void),
  ): WooVariation;
  /** Trash a product (what the admin's "Move to Trash" does: status 'trash'), or with `force` delete it for good. */
  deleteProduct(id: number, opts?: { force?: boolean }): void;
  /** The next `n` requests fail with `status` (500: WordPress's critical-error JSON; others: a proxy's HTML page). */
  failNext(n: number, status?: number): void;
  /** While on, every request gets 429 with `Retry-After` (what a host or CDN in front of WordPress answers). */
  rateLimit(on: boolean, opts?: { retryAfterSeconds?: number }): void;
  /**
   * A delivery exactly as WooCommerce sends it to a subscriber: the JSON of the full REST resource (`{"id":N}` for
   * `*.deleted`), signed with `webhookSecret`. `resource` is an id (looked up in the store) or the object to send.
   */
  webhook(topic: string, resource: number | object, opts?: WebhookOptions): WooWebhookDelivery;
  /**
   * What a variation edit produces (`woocommerce_update_product_variation` is one of `product.updated`'s hooks): a
   * `product.updated` whose body is `GET products/{variation_id}` — product-shaped, `type: "variation"`, with
   * `parent_id` — followed by the parent's own `product.updated` (WooCommerce re-saves the parent after syncing it).
   */
  variationWebhooks(productId: number, variationId: number, opts?: WebhookOptions): WooWebhookDelivery[];
  /** The creation ping: form-encoded `webhook_id=N`, no `X-WC-*` headers, no signature. */
  ping(webhookId: number): WooWebhookDelivery;
  /** POST a delivery to every active subscription for `topic` (each signed with its own secret), as the store would. */
  deliver(topic: string, resource: number | object): Promise<WebhookResult[]>;
  close(): Promise<void>;
};

export type WebhookOptions = { webhookId?: number; secret?: string; deliveryId?: string };
export type ProductPatch = Partial<Omit<WooProduct, 'id' | 'variations'>>;
export type VariationPatch = Partial<Omit<WooVariation, 'id'>>;

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------------------------------------

/** PHP `json_encode($v)` with default flags (what `wp_json_encode` emits): `/` as `\/`, non-ASCII as `\uXXXX`. */
export function phpJsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** PHP `urlencode` (space as `+`; only alphanumerics and `-_.` left alone). */
function phpUrlencode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** WordPress `sanitize_title`, near enough for ASCII-ish names. */
function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&[a-z#0-9]+;/gi, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const parseWall = (s: string) => Date.parse(s + 'Z');

/** PHP `wp_sprintf_l('%l', …)`: "a, b, and c". */
function listL(items: string[]): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, and ${items[items.length - 1]}`;
}

const money2 = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = {
  next: () => number;
  int: (min: number, max: number) => number;
  pick: <T>(xs: readonly T[]) => T;
  chance: (p: number) => boolean;
  sample: <T>(xs: readonly T[], n: number) => T[];
};
function rngFrom(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    chance: (p: number) => next() < p,
    sample: <T>(xs: readonly T[], n: number): T[] => {
      const copy = [...xs];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy.slice(0, n);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Realistic catalog generation (deterministic)
// ---------------------------------------------------------------------------------------------------------------------

const CAT = {
  clothing: { id: 16, name: 'Clothing', slug: 'clothing' },
  tshirts: { id: 17, name: 'T-shirts', slug: 't-shirts' },
  hoodies: { id: 18, name: 'Hoodies', slug: 'hoodies' },
  outerwear: { id: 19, name: 'Outerwear', slug: 'outerwear' },
  accessories: { id: 20, name: 'Accessories', slug: 'accessories' },
  hats: { id: 21, name: 'Hats', slug: 'hats' },
  bags: { id: 22, name: 'Bags', slug: 'bags' },
  footwear: { id: 23, name: 'Footwear', slug: 'footwear' },
  home: { id: 24, name: 'Home &amp; Living', slug: 'home-living' },
  kitchen: { id: 25, name: 'Kitchen', slug: 'kitchen' },
  outdoor: { id: 26, name: 'Outdoor', slug: 'outdoor' },
  uncategorized: { id: 15, name: 'Uncategorized', slug: 'uncategorized' },
} satisfies Record<string, WooTerm>;
const TAGS: WooTerm[] = [
  'organic',
  'bestseller',
  'new arrival',
  'limited edition',
  'gift idea',
  'recycled',
  'summer',
  'winter',
].map((name, i) => ({ id: 40 + i, name, slug: slugify(name) }));
const COLORS = [
  'Black',
  'White',
  'Navy',
  'Heather Grey',
  'Forest Green',
  'Burgundy',
  'Sand',
  'Sky Blue',
  'Charcoal',
  'Olive',
  'Rust',
  'Cream',
];
const APPAREL = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const SHOES = ['7', '8', '9', '10', '11', '12'];
const ATTR_COLOR = { id: 1, name: 'Color', taxonomy: 'pa_color' };
const ATTR_SIZE = { id: 2, name: 'Size', taxonomy: 'pa_size' };

type Template = {
  nouns: string[];
  cats: WooTerm[];
  price: [number, number];
  sizes?: string[];
  colorOnly?: boolean;
  simpleOnly?: boolean;
  weight: string;
  dims: [string, string, string];
  skuPrefix: string;
  material: string;
};
const TEMPLATES: Template[] = [
  {
    nouns: ['Crew Tee', 'V-Neck Tee', 'Pocket Tee', 'Long Sleeve Tee'],
    cats: [CAT.clothing, CAT.tshirts],
    price: [18, 42],
    sizes: APPAREL,
    weight: '0.2',
    dims: ['30', '25', '2'],
    skuPrefix: 'TEE',
    material: '100% organic cotton',
  },
  {
    nouns: ['Pullover Hoodie', 'Zip Hoodie', 'Crewneck Sweatshirt'],
    cats: [CAT.clothing, CAT.hoodies],
    price: [48, 96],
    sizes: APPAREL,
    weight: '0.65',
    dims: ['35', '30', '6'],
    skuPrefix: 'HOD',
    material: '80% cotton, 20% recycled polyester',
  },
  {
    nouns: ['Rain Jacket', 'Chore Jacket', 'Puffer Vest', 'Fleece Jacket'],
    cats: [CAT.clothing, CAT.outerwear],
    price: [85, 240],
    sizes: APPAREL,
    weight: '0.9',
    dims: ['40', '32', '8'],
    skuPrefix: 'JKT',
    material: 'recycled nylon shell',
  },
  {
    nouns: ['Canvas Sneaker', 'Trail Runner', 'Court Shoe', 'Chelsea Boot'],
    cats: [CAT.footwear],
    price: [60, 180],
    sizes: SHOES,
    weight: '1.1',
    dims: ['33', '21', '12'],
    skuPrefix: 'SHO',
    material: 'vegetable-tanned leather',
  },
  {
    nouns: ['Crew Socks', 'Ankle Socks', 'Hiking Socks'],
    cats: [CAT.accessories],
    price: [9, 22],
    sizes: ['S', 'M', 'L'],
    weight: '0.08',
    dims: ['20', '10', '2'],
    skuPrefix: 'SCK',
    material: 'merino wool blend',
  },
  {
    nouns: ['Dad Cap', 'Beanie', 'Bucket Hat'],
    cats: [CAT.accessories, CAT.hats],
    price: [20, 38],
    colorOnly: true,
    weight: '0.12',
    dims: ['25', '20', '12'],
    skuPrefix: 'HAT',
    material: 'brushed cotton twill',
  },
  {
    nouns: ['Tote Bag', 'Backpack', 'Weekender Bag', 'Crossbody Bag'],
    cats: [CAT.accessories, CAT.bags],
    price: [25, 190],
    colorOnly: true,
    weight: '0.7',
    dims: ['45', '35', '15'],
    skuPrefix: 'BAG',
    material: 'waxed canvas',
  },
  {
    nouns: ['Ceramic Mug', 'Travel Mug', 'Salt &amp; Pepper Set', 'Pour-Over Kettle'],
    cats: [CAT.home, CAT.kitchen],
    price: [12, 64],
    simpleOnly: true,
    weight: '0.45',
    dims: ['12', '12', '10'],
    skuPrefix: 'KIT',
    material: 'stoneware',
  },
  {
    nouns: ['Soy Candle', 'Linen Throw', 'Art Print', 'Wool Blanket'],
    cats: [CAT.home],
    price: [16, 140],
    simpleOnly: true,
    weight: '0.6',
    dims: ['30', '20', '10'],
    skuPrefix: 'HOM',
    material: 'natural materials',
  },
  {
    nouns: ['Water Bottle', 'Camp Chair', 'Hammock'],
    cats: [CAT.outdoor],
    price: [22, 120],
    colorOnly: true,
    weight: '0.5',
    dims: ['28', '9', '9'],
    skuPrefix: 'OUT',
    material: 'powder-coated steel',
  },
];
const ADJECTIVES = [
  'Organic',
  'Everyday',
  'Heritage',
  'Recycled',
  'Classic',
  'Heavyweight',
  'Featherweight',
  'Vintage Wash',
  'Alpine',
  'Coastal',
  'Studio',
  'Nordic',
  'Café',
  'Field',
  'Harbor',
  'Canyon',
];
const SENTENCES = [
  'Designed in our studio and made to be worn every single day.',
  'A relaxed fit with a slightly dropped shoulder and a clean, minimal finish.',
  'Garment-dyed for a lived-in look that only gets better with every wash.',
  'Cut from {material} that feels soft from the very first wear.',
  'Reinforced seams and double stitching mean it will last for years, not seasons.',
  'Made in a Fair Trade Certified™ factory that pays a living wage.',
  'Pairs with just about everything — layer it up or wear it on its own.',
  'Our bestselling shape, now updated with a slightly longer body.',
  'Each piece is finished by hand, so small variations are part of its character.',
  'Packed in 100% recycled, plastic-free packaging.',
  'Tested on trails, commutes and long weekends away.',
  'Every colour is dyed in small batches &amp; may vary slightly from the photos.',
];
const FEATURES = [
  'Machine wash cold, tumble dry low',
  'Pre-shrunk to keep its shape',
  'Ethically made in Portugal',
  'Carbon-neutral shipping',
  'Free returns within 30 days',
  'Lifetime repair programme',
  'Vegan &amp; cruelty-free',
  'OEKO-TEX® certified dyes',
];

function priceString(rng: Rng, value: number): string {
  // Stores keep prices as typed in the admin: "24.99", "45", "45.00" all occur.
  const r = rng.next();
  if (r < 0.6) return (Math.floor(value) + 0.99).toFixed(2);
  if (r < 0.85) return String(Math.round(value));
  return (Math.round(value * 2) / 2).toFixed(2);
}

/** `n` realistic products (≈40% variable with 2–12 Color×Size variations, ≈10% not published), stable ids. */
export function generateWooProducts(n: number, seed = 42): FakeWooProduct[] {
  const rng = rngFrom(seed);
  const out: FakeWooProduct[] = [];
  let nextId = 1201;
  let metaId = 9001;
  const start = Date.parse('2023-01-09T14:00:00Z');
  const asOf = Date.parse('2025-06-30T12:00:00Z');
  for (let i = 0; i < n; i++) {
    const variable = rng.chance(0.4);
    const pool = variable ? TEMPLATES.filter((t) => !t.simpleOnly) : TEMPLATES;
    const t = rng.pick(pool);
    const noun = rng.pick(t.nouns);
    const name = `${rng.pick(ADJECTIVES)} ${noun}`;
    const id = nextId++;
    const created = start + Math.floor(((asOf - start) * i) / Math.max(n, 1)) + rng.int(0, 3600 * 20) * 1000;
    const modified = Math.min(asOf, created + Math.floor(rng.next() ** 2 * (asOf - created)));
    const createdWall = wall(created);
    const r = rng.next();
    const status: WooPostStatus = r < 0.05 ? 'draft' : r < 0.08 ? 'private' : r < 0.1 ? 'pending' : 'publish';
    const base = t.price[0] + rng.next() * (t.price[1] - t.price[0]);
    const sku = rng.chance(0.08) ? '' : `${t.skuPrefix}-${String(id).padStart(5, '0')}`;
    const imageCount = rng.int(1, 5);
    const slugBase = slugify(name);
    const uploads = `/wp-content/uploads/${createdWall.slice(0, 4)}/${createdWall.slice(5, 7)}`;
    const images = Array.from({ length: imageCount }, (_, k) => ({
      id: nextId++,
      src: `${uploads}/${slugBase}-${k + 1}.jpg`,
      name: `${slugBase}-${k + 1}`,
      alt: k === 0 && rng.chance(0.6) ? name : '',
      date_created_gmt: createdWall,
      date_modified_gmt: createdWall,
    }));
    const sentences = rng.sample(SENTENCES, rng.int(3, 7)).map((s) => s.replace('{material}', t.material));
    const paras = [sentences.slice(0, 2).join(' '), sentences.slice(2).join(' ')].filter(Boolean);
    let description = paras.map((p) => `<p>${p}</p>\n`).join('');
    if (rng.chance(0.7)) {
      const items = rng
        .sample(FEATURES, rng.int(2, 5))
        .map((f) => `<li>${f}</li>`)
        .join('\n');
      description += `<h3>Details</h3>\n<ul>\n${items}\n</ul>\n`;
    }
    const cats = rng.chance(0.05) ? [CAT.uncategorized] : t.cats;
    const meta: WooMeta[] = [];
    if (rng.chance(0.5))
      meta.push({
        id: metaId++,
        key: '_yoast_wpseo_primary_product_cat',
        value: String(cats[cats.length - 1]?.id),
      });
    if (rng.chance(0.3))
      meta.push({ id: metaId++, key: '_last_editor_used_jetpack', value: 'classic-editor' });
    if (rng.chance(0.2))
      meta.push({ id: metaId++, key: 'fb_product_group_id', value: String(rng.int(1e14, 9e14)) });
    const product: FakeWooProduct = {
      id,
      name,
      slug: slugBase,
      date_created_gmt: createdWall,
      date_modified_gmt: wall(modified),
      status,
      featured: rng.chance(0.06),
      description,
      short_description: `<p>${sentences[0]}</p>\n`,
      sku,
      total_sales: Math.floor(rng.next() ** 3 * 900),
      tax_class: '',
      weight: rng.chance(0.8) ? t.weight : '',
      dimensions: rng.chance(0.6)
        ? { length: t.dims[0], width: t.dims[1], height: t.dims[2] }
        : { length: '', width: '', height: '' },
      average_rating: rng.chance(0.4) ? (3 + rng.next() * 2).toFixed(2) : '0.00',
      categories: cats,
      tags: rng.sample(TAGS, rng.int(0, 3)),
      images,
      meta_data: meta,
      menu_order: 0,
    };
    product.rating_count = product.average_rating === '0.00' ? 0 : rng.int(1, 140);
    if (!variable) {
      product.type = 'simple';
      product.regular_price = priceString(rng, base);
      if (rng.chance(0.2)) product.sale_price = priceString(rng, Number(product.regular_price) * 0.8);
      if (rng.chance(0.55)) {
        product.manage_stock = true;
        product.stock_quantity = rng.chance(0.12) ? 0 : rng.int(1, 150);
        product.backorders = rng.chance(0.2) ? 'notify' : 'no';
      } else {
        const s = rng.next();
        product.stock_status = s < 0.9 ? 'instock' : s < 0.97 ? 'outofstock' : 'onbackorder';
      }
    } else {
      product.type = 'variable';
      const ownSkus = sku !== '' && rng.chance(0.9);
      const colorSlots = rng.sample(COLORS, 12);
      let combos: Array<{ color: string; size?: string }>;
      const sizes = !t.colorOnly && t.sizes ? t.sizes : undefined;
      if (sizes) {
        const nColors = rng.int(1, 3);
        const nSizes = rng.int(nColors === 1 ? 2 : 1, sizes.length);
        const offset = rng.int(0, sizes.length - nSizes);
        const usedSizes = sizes.slice(offset, offset + nSizes);
        combos = colorSlots.slice(0, nColors).flatMap((color) => usedSizes.map((size) => ({ color, size })));
        const target = Math.min(combos.length, rng.int(2, 12));
        // Drop combinations the merchant never created (there are gaps in real grids).
        while (combos.length > Math.max(2, target)) combos.splice(rng.int(0, combos.length - 1), 1);
      } else {
        combos = colorSlots.slice(0, rng.int(2, 6)).map((color) => ({ color }));
      }
      const colorsUsed = [...new Set(combos.map((c) => c.color))];
      const sizesUsed = sizes ? sizes.filter((s) => combos.some((c) => c.size === s)) : [];
      const sizeIsGlobal = rng.chance(0.7);
      const attributes: WooAttribute[] = [
        { ...attr(ATTR_COLOR.id, 'Color', ATTR_COLOR.taxonomy), position: 0, options: colorsUsed },
      ];
      if (sizes)
        attributes.push({
          ...attr(sizeIsGlobal ? ATTR_SIZE.id : 0, 'Size', sizeIsGlobal ? ATTR_SIZE.taxonomy : 'size'),
          position: 1,
          options: sizesUsed,
        });
      if (rng.chance(0.3))
        attributes.push({
          id: 0,
          name: 'Material',
          slug: 'material',
          position: attributes.length,
          visible: true,
          variation: false,
          options: [t.material],
        });
      product.attributes = attributes;
      const onSale = rng.chance(0.2);
      const managed = rng.chance(0.7);
      const colorImage = new Map(colorsUsed.map((c, k) => [c, images[k % images.length]?.id]));
      product.variations = combos.map((c, k) => {
        const premium = c.size === 'XXL' ? 2 : c.size === 'XS' ? -1 : 0;
        const regular = priceString(rng, base + premium);
        const attrs: WooVariationAttribute[] = [{ id: ATTR_COLOR.id, name: 'Color', option: c.color }];
        if (c.size) attrs.push({ id: sizeIsGlobal ? ATTR_SIZE.id : 0, name: 'Size', option: c.size });
        const imageId = rng.chance(0.8) ? colorImage.get(c.color) : undefined;
        const img = images.find((im) => im.id === imageId);
        const v: FakeWooVariation = {
          id: nextId++,
          date_created_gmt: wall(created + (k + 1) * 1000),
          date_modified_gmt: wall(Math.max(created + (k + 1) * 1000, modified - rng.int(0, 3) * 1000)),
          sku: ownSkus
            ? `${sku}-${slugify(c.color).slice(0, 3).toUpperCase()}${c.size ? '-' + c.size : ''}`
            : '',
          regular_price: regular,
          sale_price: onSale ? priceString(rng, Number(regular) * 0.75) : '',
          status: rng.chance(0.05) ? 'private' : 'publish',
          attributes: attrs,
          image: img ? { ...img } : null,
          menu_order: k,
        };
        if (managed) {
          v.manage_stock = true;
          v.stock_quantity = rng.chance(0.15) ? 0 : rng.int(1, 60);
          v.backorders = rng.chance(0.1) ? 'notify' : 'no';
        } else {
          v.stock_status = rng.chance(0.9) ? 'instock' : 'outofstock';
        }
        return v;
      });
      if (rng.chance(0.3) && combos[0])
        product.default_attributes = [{ id: ATTR_COLOR.id, name: 'Color', option: combos[0].color }];
    }
    out.push(product);
  }
  // Related products: a handful from the same first category (WooCommerce shuffles these; here they are fixed).
  const byCategory = new Map<number | undefined, number[]>();
  for (const p of out) {
    const cat = p.categories?.[0]?.id;
    if (p.status !== 'publish') continue;
    const ids = byCategory.get(cat) ?? [];
    if (ids.length < 6) ids.push(p.id as number);
    byCategory.set(cat, ids);
  }
  for (const p of out)
    p.related_ids = (byCategory.get(p.categories?.[0]?.id) ?? []).filter((id) => id !== p.id).slice(0, 5);
  return out;

  function attr(id: number, name: string, slug: string) {
    return { id, name, slug, visible: true, variation: true };
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------------------------------

type ProductRecord = { p: WooProduct; vars: WooVariation[] };

const EMPTY_DIMS = (): WooDimensions => ({ length: '', width: '', height: '' });
const ORDER_STATUSES: WooOrderStatus[] = [
  'auto-draft',
  'pending',
  'processing',
  'on-hold',
  'completed',
  'cancelled',
  'refunded',
  'failed',
  'checkout-draft',
];
const TOPIC_HOOKS: Record<string, string[]> = {
  'coupon.created': ['woocommerce_process_shop_coupon_meta', 'woocommerce_new_coupon'],
  'coupon.updated': ['woocommerce_process_shop_coupon_meta', 'woocommerce_update_coupon'],
  'coupon.deleted': ['wp_trash_post'],
  'coupon.restored': ['untrashed_post'],
  'customer.created': ['user_register', 'woocommerce_created_customer', 'woocommerce_new_customer'],
  'customer.updated': ['profile_update', 'woocommerce_update_customer'],
  'customer.deleted': ['delete_user'],
  'order.created': ['woocommerce_new_order'],
  'order.updated': [
    'woocommerce_update_order',
    'woocommerce_order_refunded',
    'woocommerce_delete_order_refund',
  ],
  'order.deleted': ['wp_trash_post', 'woocommerce_trash_order'],
  'order.restored': ['untrashed_post', 'woocommerce_untrash_order'],
  'product.created': [
    'woocommerce_process_product_meta',
    'woocommerce_new_product',
    'woocommerce_new_product_variation',
  ],
  'product.updated': [
    'woocommerce_process_product_meta',
    'woocommerce_update_product',
    'woocommerce_update_product_variation',
  ],
  'product.deleted': ['wp_trash_post'],
  'product.restored': ['untrashed_post'],
  'product.published': ['woocommerce_product_published'],
};

class Store {
  records = new Map<number, ProductRecord>();
  variationParent = new Map<number, number>();
  slugs = new Map<string, number>();
  /** Served products, dropped on every write (reads vastly outnumber writes; a page must not re-serve 10k products). */
  private cache = new Map<number, WooProduct>();
  orders: WooOrder[] = [];
  webhooks: WooWebhookSubscription[] = [];
  nextPostId = 1;
  nextMetaId = 20001;
  nextItemId = 1;
  nextWebhookId = 1;
  orderKeyRng = rngFrom(7);

  constructor(
    public home: string,
    public offsetMin: number,
    public clock: () => Date,
    public opts: { currency: string; wcVersion: string },
  ) {}

  nowGmt(): string {
    return wall(this.clock().getTime());
  }
  local(gmt: string): string;
  local(gmt: string | null): string | null;
  local(gmt: string | null): string | null {
    return gmt === null ? null : wall(parseWall(gmt) + this.offsetMin * 60_000);
  }
  rest(path: string): string {
    return `${this.home}/wp-json/wc/v3/${path}`;
  }
  claimId(id: number | undefined): number {
    if (id === undefined) return this.nextPostId++;
    this.nextPostId = Math.max(this.nextPostId, id + 1);
    return id;
  }

  // --- seeding -------------------------------------------------------------------------------------------------------

  invalidate(): void {
    this.cache.clear();
  }

  setProducts(products: FakeWooProduct[]): void {
    this.records.clear();
    this.variationParent.clear();
    this.slugs.clear();
    this.invalidate();
    // Allocate explicit ids first so generated ones never collide.
    for (const p of products) {
      if (p.id !== undefined) this.claimId(p.id);
      for (const v of p.variations ?? []) if (v.id !== undefined) this.claimId(v.id);
      for (const im of p.images ?? []) if (im.id !== undefined) this.claimId(im.id);
      for (const m of p.meta_data ?? []) this.nextMetaId = Math.max(this.nextMetaId, m.id + 1);
    }
    for (const p of products) this.addProduct(p);
  }

  addProduct(input: FakeWooProduct): WooProduct {
    const now = this.nowGmt();
    const id = this.claimId(input.id);
    const created = input.date_created_gmt ?? now;
    const slug = this.uniqueSlug(input.slug ?? slugify(input.name), id);
    const type = input.type ?? (input.variations?.length ? 'variable' : 'simple');
    const images = (input.images ?? []).map((im) => this.image(im, created));
    const p: WooProduct = {
      id,
      name: input.name,
      slug,
      permalink: '',
      date_created: '',
      date_created_gmt: created,
      date_modified: '',
      date_modified_gmt: input.date_modified_gmt ?? created,
      type,
      status: input.status ?? 'publish',
      featured: input.featured ?? false,
      catalog_visibility: input.catalog_visibility ?? 'visible',
      description: input.description ?? '',
      short_description: input.short_description ?? '',
      sku: input.sku ?? '',
      price: '',
      regular_price: type === 'variable' ? '' : (input.regular_price ?? ''),
      sale_price: type === 'variable' ? '' : (input.sale_price ?? ''),
      date_on_sale_from: null,
      date_on_sale_from_gmt: input.date_on_sale_from_gmt ?? null,
      date_on_sale_to: null,
      date_on_sale_to_gmt: input.date_on_sale_to_gmt ?? null,
      on_sale: false,
      purchasable: false,
      total_sales: input.total_sales ?? 0,
      virtual: input.virtual ?? false,
      downloadable: input.downloadable ?? false,
      downloads: input.downloads ?? [],
      download_limit: input.download_limit ?? -1,
      download_expiry: input.download_expiry ?? -1,
      external_url: input.external_url ?? '',
      button_text: input.button_text ?? '',
      tax_status: input.tax_status ?? 'taxable',
      tax_class: input.tax_class ?? '',
      manage_stock: input.manage_stock ?? false,
      stock_quantity: input.manage_stock ? (input.stock_quantity ?? 0) : null,
      backorders: input.backorders ?? 'no',
      backorders_allowed: false,
      backordered: false,
      low_stock_amount: input.low_stock_amount ?? null,
      sold_individually: input.sold_individually ?? false,
      weight: input.weight ?? '',
      dimensions: input.dimensions ?? EMPTY_DIMS(),
      shipping_required: !(input.virtual ?? false),
      shipping_taxable: !(input.virtual ?? false),
      shipping_class: input.shipping_class ?? '',
      shipping_class_id: input.shipping_class_id ?? 0,
      reviews_allowed: input.reviews_allowed ?? true,
      average_rating: input.average_rating ?? '0.00',
      rating_count: input.rating_count ?? 0,
      upsell_ids: input.upsell_ids ?? [],
      cross_sell_ids: input.cross_sell_ids ?? [],
      parent_id: input.parent_id ?? 0,
      purchase_note: input.purchase_note ?? '',
      categories: input.categories ?? [{ ...CAT.uncategorized }],
      brands: input.brands ?? [],
      tags: input.tags ?? [],
      images,
      attributes: input.attributes ?? [],
      default_attributes: input.default_attributes ?? [],
      variations: [],
      grouped_products: input.grouped_products ?? [],
      menu_order: input.menu_order ?? 0,
      price_html: '',
      related_ids: input.related_ids ?? [],
      meta_data: (input.meta_data ?? []).map((m) => ({ ...m })),
      stock_status: input.stock_status ?? 'instock',
      has_options: false,
      post_password: input.post_password ?? '',
      global_unique_id: input.global_unique_id ?? '',
      _links: {},
    };
    const vars = (input.variations ?? []).map((v, k) => this.variation(v, p, k));
    this.records.set(id, { p, vars });
    this.slugs.set(slug, id);
    for (const v of vars) this.variationParent.set(v.id, id);
    this.invalidate();
    return this.serveProduct(id) as WooProduct;
  }

  private image(im: Partial<WooImage> & { src: string }, created: string): WooImage {
    const id = this.claimId(im.id);
    const src = im.src.startsWith('/') ? this.home + im.src : im.src;
    const stem = src.replace(/\.(jpe?g|png|webp)$/i, '');
    const ext = src.slice(stem.length) || '.jpg';
    const dc = im.date_created_gmt ?? created;
    const dm = im.date_modified_gmt ?? dc;
    return {
      id,
      date_created: this.local(dc),
      date_created_gmt: dc,
      date_modified: this.local(dm),
      date_modified_gmt: dm,
      src,
      name: im.name ?? stem.split('/').pop() ?? '',
      alt: im.alt ?? '',
      srcset:
        im.srcset ??
        `${src} 1200w, ${stem}-300x300${ext} 300w, ${stem}-1024x1024${ext} 1024w, ${stem}-150x150${ext} 150w, ${stem}-768x768${ext} 768w`,
      sizes: im.sizes ?? '(max-width: 1200px) 100vw, 1200px',
      thumbnail: im.thumbnail ?? `${stem}-150x150${ext}`,
    };
  }

  private variation(v: FakeWooVariation, parent: WooProduct, k: number): WooVariation {
    const id = this.claimId(v.id);
    const created = v.date_created_gmt ?? parent.date_created_gmt;
    const image = v.image ? this.image({ ...v.image, src: v.image.src ?? '' }, created) : null;
    const managed = v.manage_stock === true;
    return {
      id,
      type: 'variation',
      date_created: '',
      date_created_gmt: created,
      date_modified: '',
      date_modified_gmt: v.date_modified_gmt ?? created,
      description: v.description ?? '',
      permalink: '',
      sku: v.sku ?? '',
      global_unique_id: v.global_unique_id ?? '',
      price: '',
      regular_price: v.regular_price ?? '',
      sale_price: v.sale_price ?? '',
      date_on_sale_from: null,
      date_on_sale_from_gmt: v.date_on_sale_from_gmt ?? null,
      date_on_sale_to: null,
      date_on_sale_to_gmt: v.date_on_sale_to_gmt ?? null,
      on_sale: false,
      status: v.status ?? 'publish',
      purchasable: false,
      virtual: v.virtual ?? false,
      downloadable: v.downloadable ?? false,
      downloads: v.downloads ?? [],
      download_limit: v.download_limit ?? -1,
      download_expiry: v.download_expiry ?? -1,
      tax_status: v.tax_status ?? 'taxable',
      tax_class: v.tax_class ?? '',
      manage_stock: v.manage_stock ?? false,
      stock_quantity: managed ? (v.stock_quantity ?? 0) : null,
      stock_status: v.stock_status ?? 'instock',
      backorders: v.backorders ?? 'no',
      backorders_allowed: false,
      backordered: false,
      low_stock_amount: v.low_stock_amount ?? null,
      weight: v.weight ?? '',
      dimensions: v.dimensions ?? EMPTY_DIMS(),
      shipping_class: v.shipping_class ?? '',
      shipping_class_id: v.shipping_class_id ?? 0,
      image,
      attributes: v.attributes.map((a) => ({ ...a })),
      menu_order: v.menu_order ?? k,
      meta_data: (v.meta_data ?? []).map((m) => ({ ...m })),
      name: '',
      parent_id: parent.id,
      _links: {},
    };
  }

  private uniqueSlug(slug: string, id: number): string {
    const free = (s: string) => (this.slugs.get(s) ?? id) === id;
    if (free(slug)) return slug;
    for (let n = 2; ; n++) if (free(`${slug}-${n}`)) return `${slug}-${n}`;
  }

  removeProduct(id: number): void {
    const rec = this.records.get(id);
    if (!rec) return;
    this.records.delete(id);
    this.slugs.delete(rec.p.slug);
    for (const v of rec.vars) this.variationParent.delete(v.id);
    this.invalidate();
  }

  // --- serving -------------------------------------------------------------------------------------------------------

  permalink(p: WooProduct): string {
    return p.status === 'publish'
      ? `${this.home}/product/${p.slug}/`
      : `${this.home}/?post_type=product&p=${p.id}`;
  }

  private children(rec: ProductRecord): WooVariation[] {
    return [...rec.vars].sort((a, b) => a.menu_order - b.menu_order || a.id - b.id);
  }

  serveVariation(rec: ProductRecord, v: WooVariation): WooVariation {
    const p = rec.p;
    const sale = activeSale(v.regular_price, v.sale_price);
    const price = sale ? v.sale_price : v.regular_price;
    const managed = v.manage_stock === true;
    const query = v.attributes
      .map((a) => {
        const key = a.id > 0 ? `attribute_pa_${slugify(a.name)}` : `attribute_${slugify(a.name)}`;
        return `${key}=${a.id > 0 ? slugify(a.option) : phpUrlencode(a.option)}`;
      })
      .join('&');
    const featured = p.images[0] ?? null;
    return {
      ...v,
      date_created: this.local(v.date_created_gmt),
      date_modified: this.local(v.date_modified_gmt),
      date_on_sale_from: this.local(v.date_on_sale_from_gmt),
      date_on_sale_to: this.local(v.date_on_sale_to_gmt),
      permalink: this.permalink(p) + (query ? (p.status === 'publish' ? '?' : '&') + query : ''),
      // View context: an empty variation SKU/weight/dimensions shows the parent's.
      sku: v.sku || p.sku,
      price,
      on_sale: sale,
      purchasable: price !== '' && v.status === 'publish',
      stock_quantity: managed ? v.stock_quantity : null,
      stock_status: managed ? stockStatusFor(v.stock_quantity ?? 0, v.backorders) : v.stock_status,
      backorders_allowed: v.backorders !== 'no',
      backordered: managed && (v.stock_quantity ?? 0) <= 0 && v.backorders !== 'no',
      weight: v.weight || p.weight,
      dimensions:
        v.dimensions.length || v.dimensions.width || v.dimensions.height ? v.dimensions : p.dimensions,
      image: v.image ?? featured,
      attributes: v.attributes.map((a) => ({ ...a })),
      name: variationName(p.name, v.attributes),
      parent_id: p.id,
      _links: {
        self: [
          {
            href: this.rest(`products/${p.id}/variations/${v.id}`),
            targetHints: { allow: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          },
        ],
        collection: [{ href: this.rest(`products/${p.id}/variations`) }],
        up: [{ href: this.rest(`products/${p.id}`) }],
      },
    };
  }

  serveProduct(id: number): WooProduct | undefined {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const rec = this.records.get(id);
    if (!rec) return undefined;
    const served = this.buildProduct(rec);
    this.cache.set(id, served);
    return served;
  }

  private buildProduct(rec: ProductRecord): WooProduct {
    const p = rec.p;
    const kids = this.children(rec).map((v) => this.serveVariation(rec, v));
    let price: string;
    let onSale: boolean;
    let priceHtml: string;
    let stock: WooStockStatus;
    if (p.type === 'variable') {
      const live = kids.filter((v) => v.status === 'publish' && v.price !== '');
      const sorted = [...live].sort((a, b) => Number(a.price) - Number(b.price));
      price = sorted[0]?.price ?? '';
      onSale = live.some((v) => v.on_sale);
      const min = sorted[0];
      const max = sorted[sorted.length - 1];
      priceHtml = !min || !max ? '' : priceRangeHtml(Number(min.price), Number(max.price));
      const inStock = live.map((v) => v.stock_status);
      stock = p.manage_stock
        ? stockStatusFor(p.stock_quantity ?? 0, p.backorders)
        : inStock.includes('instock')
          ? 'instock'
          : inStock.includes('onbackorder')
            ? 'onbackorder'
            : 'outofstock';
    } else {
      onSale = activeSale(p.regular_price, p.sale_price);
      price = onSale ? p.sale_price : p.regular_price;
      priceHtml =
        price === ''
          ? ''
          : onSale
            ? salePriceHtml(Number(p.regular_price), Number(p.sale_price))
            : wcPrice(Number(price));
      stock = p.manage_stock ? stockStatusFor(p.stock_quantity ?? 0, p.backorders) : p.stock_status;
    }
    return {
      ...p,
      permalink: this.permalink(p),
      date_created: this.local(p.date_created_gmt),
      date_modified: this.local(p.date_modified_gmt),
      date_on_sale_from: this.local(p.date_on_sale_from_gmt),
      date_on_sale_to: this.local(p.date_on_sale_to_gmt),
      price,
      on_sale: onSale,
      purchasable: price !== '',
      stock_quantity: p.manage_stock ? p.stock_quantity : null,
      backorders_allowed: p.backorders !== 'no',
      backordered: p.manage_stock && (p.stock_quantity ?? 0) <= 0 && p.backorders !== 'no',
      images: p.images.map((im) => ({ ...im })),
      attributes: (p.attributes as WooAttribute[]).map((a) => ({ ...a, options: [...a.options] })),
      variations: kids.map((v) => v.id),
      price_html: priceHtml,
      meta_data: p.meta_data.map((m) => ({ ...m })),
      stock_status: stock,
      has_options: p.type === 'variable' || p.type === 'grouped',
      _links: {
        self: [
          {
            href: this.rest(`products/${p.id}`),
            targetHints: { allow: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          },
        ],
        collection: [{ href: this.rest('products') }],
      },
    };
  }

  /** `GET products/{variation_id}`: the variation through the products controller (what webhooks carry). */
  serveVariationAsProduct(variationId: number): WooProduct | undefined {
    const parentId = this.variationParent.get(variationId);
    const rec = parentId === undefined ? undefined : this.records.get(parentId);
    const raw = rec?.vars.find((v) => v.id === variationId);
    if (!rec || !raw) return undefined;
    const v = this.serveVariation(rec, raw);
    const parent = this.serveProduct(rec.p.id) as WooProduct;
    return {
      ...parent,
      id: v.id,
      name: v.name,
      slug: `${rec.p.slug}-${v.attributes.map((a) => slugify(a.option)).join('-')}`,
      permalink: v.permalink,
      date_created: v.date_created,
      date_created_gmt: v.date_created_gmt,
      date_modified: v.date_modified,
      date_modified_gmt: v.date_modified_gmt,
      type: 'variation',
      status: v.status,
      featured: false,
      description: v.description,
      short_description: '',
      sku: v.sku,
      price: v.price,
      regular_price: v.regular_price,
      sale_price: v.sale_price,
      date_on_sale_from: v.date_on_sale_from,
      date_on_sale_from_gmt: v.date_on_sale_from_gmt,
      date_on_sale_to: v.date_on_sale_to,
      date_on_sale_to_gmt: v.date_on_sale_to_gmt,
      on_sale: v.on_sale,
      purchasable: v.purchasable,
      total_sales: 0,
      manage_stock: v.manage_stock === true,
      stock_quantity: v.stock_quantity,
      backorders: v.backorders,
      backorders_allowed: v.backorders_allowed,
      backordered: v.backordered,
      weight: v.weight,
      dimensions: v.dimensions,
      parent_id: rec.p.id,
      categories: [],
      brands: [],
      tags: [],
      images: v.image ? [v.image] : [],
      attributes: v.attributes,
      default_attributes: [],
      variations: [],
      price_html:
        v.price === '' ? '' : v.on_sale ? salePriceHtml(+v.regular_price, +v.sale_price) : wcPrice(+v.price),
      related_ids: [],
      meta_data: v.meta_data,
      stock_status: v.stock_status,
      has_options: false,
      _links: {
        self: [
          {
            href: this.rest(`products/${v.id}`),
            targetHints: { allow: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          },
        ],
        collection: [{ href: this.rest('products') }],
        up: [{ href: this.rest(`products/${rec.p.id}`) }],
      },
    };
  }

  findBySku(sku: string): { product?: ProductRecord; variation?: WooVariation } {
    for (const rec of this.records.values()) {
      if (rec.p.sku === sku) return { product: rec };
      const v = rec.vars.find((x) => x.sku === sku);
      if (v) return { product: rec, variation: v };
    }
    return {};
  }

  // --- writes --------------------------------------------------------------------------------------------------------

  touchProduct(rec: ProductRecord, gmt = this.nowGmt()): void {
    rec.p.date_modified_gmt = gmt;
    this.invalidate();
  }
  touchVariation(rec: ProductRecord, v: WooVariation, gmt = this.nowGmt()): void {
    v.date_modified_gmt = gmt;
    rec.p.date_modified_gmt = gmt; // the deferred parent sync re-saves the parent
    this.invalidate();
  }

  adjustStock(productId: number, variationId: number, delta: number): boolean {
    const rec = this.records.get(productId);
    if (!rec) return false;
    const v = variationId ? rec.vars.find((x) => x.id === variationId) : undefined;
    if (v && v.manage_stock === true) {
      v.stock_quantity = (v.stock_quantity ?? 0) + delta;
      this.touchVariation(rec, v);
      return true;
    }
    if (rec.p.manage_stock) {
      rec.p.stock_quantity = (rec.p.stock_quantity ?? 0) + delta;
      this.touchProduct(rec);
      return true;
    }
    return false;
  }
}

function activeSale(regular: string, sale: string): boolean {
  return sale !== '' && regular !== '' && Number(sale) < Number(regular);
}
function stockStatusFor(qty: number, backorders: string): WooStockStatus {
  return qty > 0 ? 'instock' : backorders !== 'no' ? 'onbackorder' : 'outofstock';
}
function variationName(parentName: string, attrs: WooVariationAttribute[]): string {
  const named = attrs.filter((a) => a.option !== '');
  return named.length && named.length < 3
    ? `${parentName} - ${named.map((a) => a.option).join(', ')}`
    : parentName;
}
function wcPrice(n: number, hidden = false): string {
  const aria = hidden ? ' aria-hidden="true"' : '';
  return `<span class="woocommerce-Price-amount amount"${aria}><bdi><span class="woocommerce-Price-currencySymbol">&#36;</span>${money2(n)}</bdi></span>`;
}
function priceRangeHtml(min: number, max: number): string {
  if (min === max) return wcPrice(min);
  return `${wcPrice(min, true)} <span aria-hidden="true">&ndash;</span> ${wcPrice(max, true)}<span class="screen-reader-text">Price range: &#36;${money2(min)} through &#36;${money2(max)}</span>`;
}
function salePriceHtml(regular: number, sale: number): string {
  return `<del aria-hidden="true">${wcPrice(regular)}</del> <span class="screen-reader-text">Original price was: &#36;${money2(regular)}.</span><ins aria-hidden="true">${wcPrice(sale)}</ins><span class="screen-reader-text">Current price is: &#36;${money2(sale)}.</span>`;
}

// ---------------------------------------------------------------------------------------------------------------------
// WordPress REST plumbing: errors, argument validation, pagination
// ---------------------------------------------------------------------------------------------------------------------

type Result = {
  status: number;
  /** Sent as PHP-style JSON unless `raw` is given. */
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string;
  contentType?: string;
};

function wpError(code: string, message: string, status: number, extra: Json = {}): Result {
  return { status, body: { code, message, data: { status, ...extra } } };
}

type ArgSpec = {
  type: 'integer' | 'string' | 'boolean' | 'array' | 'date-time';
  min?: number;
  max?: number;
  enum?: readonly string[];
  items?: { type: 'integer' | 'string'; enum?: readonly string[] };
};
type ArgIssue = { code: string; message: string; data: Json | null };

function isInteger(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v);
  return typeof v === 'string' && /^-?\d+(\.0*)?$/.test(v.trim());
}
function isBoolean(v: unknown): boolean {
  return (
    typeof v === 'boolean' ||
    (typeof v === 'string' && ['true', 'false', '1', '0', ''].includes(v)) ||
    v === 0 ||
    v === 1
  );
}
const toBool = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
// rest_parse_date()
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}(?::\d{2})?)?$/;

function checkArg(name: string, v: unknown, spec: ArgSpec): ArgIssue | undefined {
  const typeIssue = (t: string): ArgIssue => ({
    code: 'rest_invalid_type',
    message: `${name} is not of type ${t}.`,
    data: { param: name },
  });
  switch (spec.type) {
    case 'integer': {
      if (!isInteger(v)) return typeIssue('integer');
      const n = Number(v);
      if (spec.min !== undefined && spec.max !== undefined && (n < spec.min || n > spec.max))
        return {
          code: 'rest_out_of_bounds',
          message: `${name} must be between ${spec.min} (inclusive) and ${spec.max} (inclusive)`,
          data: null,
        };
      if (spec.min !== undefined && n < spec.min)
        return {
          code: 'rest_out_of_bounds',
          message: `${name} must be greater than or equal to ${spec.min}`,
          data: null,
        };
      return undefined;
    }
    case 'boolean':
      return isBoolean(v) ? undefined : typeIssue('boolean');
    case 'date-time':
      return typeof v === 'string' && RFC3339.test(v)
        ? undefined
        : { code: 'rest_invalid_date', message: 'Invalid date.', data: null };
    case 'array': {
      const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : [v];
      for (const [i, item] of items.entries()) {
        const issue =
          spec.items && checkArg(`${name}[${i}]`, item, { type: spec.items.type, enum: spec.items.enum });
        if (issue) return issue;
      }
      return undefined;
    }
    default:
      if (typeof v !== 'string' && typeof v !== 'number') return typeIssue('string');
      if (spec.enum && !spec.enum.includes(String(v)))
        return {
          code: 'rest_not_in_enum',
          message: `${name} is not one of ${listL([...spec.enum])}.`,
          data: null,
        };
      return undefined;
  }
}

/** WP_REST_Request::has_valid_params(): every invalid argument reported at once. */
function validateArgs(params: Record<string, unknown>, specs: Record<string, ArgSpec>): Result | undefined {
  const invalid: Record<string, string> = {};
  const details: Record<string, ArgIssue> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (!(name in params)) continue;
    const issue = checkArg(name, params[name], spec);
    if (issue) {
      invalid[name] = issue.message;
      details[name] = issue;
    }
  }
  const names = Object.keys(invalid);
  if (!names.length) return undefined;
  return wpError('rest_invalid_param', `Invalid parameter(s): ${names.join(', ')}`, 400, {
    params: invalid,
    details,
  });
}

/** `modified_after` & co. as WP_Date_Query::build_mysql_datetime() reads them: always as site-local wall time. */
function dateArgToLocal(value: string, offsetMin: number): string {
  const m = RFC3339.exec(value);
  if (!m) return value;
  const naive = `${m[1]}T${m[2]}`;
  if (!m[4]) return naive; // no offset: taken as the site's local time
  const tz = m[4].toUpperCase() === 'Z' ? 'Z' : m[4].length === 3 ? `${m[4]}:00` : m[4];
  return wall(Date.parse(`${naive}${m[3] ?? ''}${tz}`) + offsetMin * 60_000);
}

const intList = (v: unknown): number[] =>
  (Array.isArray(v) ? v : String(v).split(/[\s,]+/)).filter((x) => x !== '').map((x) => Number(x));

type ListQuery = { page: number; perPage: number; offset?: number };
function paginate<T>(
  items: T[],
  q: ListQuery,
  query: Record<string, string | string[]>,
  baseUrl: string,
): { page: T[]; headers: Record<string, string> } {
  const total = items.length;
  const maxPages = Math.ceil(total / q.perPage);
  const start = q.offset ?? (q.page - 1) * q.perPage;
  const page = items.slice(start, start + q.perPage);
  const links: string[] = [];
  const link = (n: number) => {
    // add_query_arg( $request->get_query_params(), rest_url(...) ), then add_query_arg( 'page', N, $base ).
    const entries = Object.entries(query);
    if (!entries.some(([k]) => k === 'page')) entries.push(['page', '']);
    const qs = entries
      .map(([k, v]) => {
        if (k === 'page') return `page=${n}`;
        return Array.isArray(v)
          ? v.map((x, i) => `${k}[${i}]=${phpUrlencode(x)}`).join('&')
          : `${k}=${phpUrlencode(v)}`;
      })
      .join('&');
    return `${baseUrl}?${qs}`;
  };
  if (q.page > 1) links.push(`<${link(Math.min(q.page - 1, maxPages))}>; rel="prev"`);
  if (maxPages > q.page) links.push(`<${link(q.page + 1)}>; rel="next"`);
  const headers: Record<string, string> = {
    'X-WP-Total': String(total),
    'X-WP-TotalPages': String(maxPages),
  };
  if (links.length) headers['Link'] = links.join(', ');
  return { page, headers };
}

/** WordPress's `_fields`: keep only the listed top-level keys (`_links` only when asked for). */
function applyFields(obj: unknown, fields: unknown): unknown {
  if (typeof fields !== 'string' || !fields || typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return obj;
  const keep = new Set(fields.split(',').map((f) => f.trim().split('.')[0]));
  return Object.fromEntries(Object.entries(obj).filter(([k]) => keep.has(k)));
}

// ---------------------------------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------------------------------

const PERM = {
  list: ['woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'],
  view: ['woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.'],
  create: ['woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'],
  edit: ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'],
  delete: ['woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.'],
} as const;

const COLLECTION_ARGS: Record<string, ArgSpec> = {
  context: { type: 'string', enum: ['view', 'edit'] },
  page: { type: 'integer', min: 1 },
  per_page: { type: 'integer', min: 1, max: 100 },
  offset: { type: 'integer' },
  order: { type: 'string', enum: ['asc', 'desc'] },
  include: { type: 'array', items: { type: 'integer' } },
  exclude: { type: 'array', items: { type: 'integer' } },
  after: { type: 'date-time' },
  before: { type: 'date-time' },
  modified_after: { type: 'date-time' },
  modified_before: { type: 'date-time' },
  dates_are_gmt: { type: 'boolean' },
};
const POST_STATUSES = ['any', 'future', 'trash', 'draft', 'pending', 'private', 'publish'] as const;
const PRODUCT_ARGS: Record<string, ArgSpec> = {
  ...COLLECTION_ARGS,
  orderby: {
    type: 'string',
    enum: [
      'date',
      'modified',
      'id',
      'include',
      'title',
      'slug',
      'price',
      'popularity',
      'rating',
      'menu_order',
    ],
  },
  status: { type: 'string', enum: POST_STATUSES },
  type: { type: 'string', enum: ['simple', 'grouped', 'external', 'variable'] },
  stock_status: { type: 'string', enum: ['instock', 'outofstock', 'onbackorder'] },
  featured: { type: 'boolean' },
  on_sale: { type: 'boolean' },
  parent: { type: 'array', items: { type: 'integer' } },
};
const VARIATION_ARGS: Record<string, ArgSpec> = {
  ...COLLECTION_ARGS,
  orderby: { type: 'string', enum: ['date', 'modified', 'id', 'include', 'title', 'slug', 'menu_order'] },
  status: { type: 'string', enum: POST_STATUSES },
  stock_status: { type: 'string', enum: ['instock', 'outofstock', 'onbackorder'] },
  on_sale: { type: 'boolean' },
};
const ORDER_LIST_ARGS: Record<string, ArgSpec> = {
  ...COLLECTION_ARGS,
  orderby: { type: 'string', enum: ['date', 'modified', 'id', 'include', 'title', 'slug'] },
  status: { type: 'array', items: { type: 'string', enum: ['any', 'trash', ...ORDER_STATUSES] } },
  customer: { type: 'integer' },
};
const ORDER_BODY_ARGS: Record<string, ArgSpec> = {
  status: { type: 'string', enum: ORDER_STATUSES },
  customer_id: { type: 'integer' },
  set_paid: { type: 'boolean' },
  parent_id: { type: 'integer' },
};

type Ctx = {
  req: FakeWooRequest;
  params: string[];
  query: Record<string, string | string[]>;
  body: Json;
};
type Route = {
  method: string[];
  pattern: RegExp;
  allow: string;
  perm: readonly [string, string];
  /** Query arguments validated (all at once) before the permission check, as WP_REST_Server::dispatch() does. */
  args?: Record<string, ArgSpec>;
  /** Body validation from the item schema, also before the permission check. */
  validateBody?: (body: Json) => Result | undefined;
  handle: (ctx: Ctx) => Result | Promise<Result>;
};

export async function startFakeWooCommerce(options: StartFakeWooCommerceOptions): Promise<FakeWooCommerce> {
  const offsetMin = options.utcOffsetMinutes ?? -240;
  const clock = options.now ?? (() => new Date());
  const wcVersion = options.wcVersion ?? '9.9.5';
  const wpVersion = options.wpVersion ?? '6.8.2';
  const userAgent = `WooCommerce/${wcVersion} Hookshot (WordPress/${wpVersion})`;
  const received: FakeWooRequest[] = [];
  let failures: { left: number; status: number } = { left: 0, status: 500 };
  let limited: { retryAfterSeconds: number } | undefined;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void serve(req, Buffer.concat(chunks).toString('utf8')).then(
        (r) => send(res, r),
        (err: unknown) => send(res, wpError('internal_server_error', String(err), 500)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const home = `http://127.0.0.1:${port}`;
  const store = new Store(home, offsetMin, clock, { currency: options.currency ?? 'USD', wcVersion });
  const seedProducts = (products: FakeWooProduct[] | number, seed = options.seed ?? 42) =>
    store.setProducts(typeof products === 'number' ? generateWooProducts(products, seed) : products);
  seedProducts(options.products ?? 0);

  function send(res: http.ServerResponse, r: Result & { record?: FakeWooRequest }) {
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    let body: string;
    if (r.raw !== undefined) {
      body = r.raw;
      headers['Content-Type'] ??= r.contentType ?? 'text/html; charset=UTF-8';
    } else {
      body = phpJsonEncode(r.body);
      headers['Content-Type'] = 'application/json; charset=UTF-8';
      headers['X-Robots-Tag'] = 'noindex';
      headers['X-Content-Type-Options'] = 'nosniff';
      headers['Access-Control-Expose-Headers'] = 'X-WP-Total, X-WP-TotalPages, Link';
      headers['Access-Control-Allow-Headers'] =
        'Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type';
      // PHP's header() replaces: a response's own Link (pagination, alternate) wins over the API-discovery one.
      headers['Link'] ??= `<${home}/wp-json/>; rel="https://api.w.org/"`;
    }
    if (r.record) r.record.status = r.status;
    res.writeHead(r.status, headers).end(body);
  }

  // --- routes --------------------------------------------------------------------------------------------------------

  const ITEM = 'GET, POST, PUT, PATCH, DELETE';
  const routes: Route[] = [
    {
      method: ['GET'],
      pattern: /^\/wc\/v3\/products$/,
      allow: 'GET, POST',
      perm: PERM.list,
      args: PRODUCT_ARGS,
      handle: listProducts,
    },
    {
      method: ['GET'],
      pattern: /^\/wc\/v3\/products\/(\d+)$/,
      allow: ITEM,
      perm: PERM.view,
      handle: getProduct,
    },
    {
      method: ['GET'],
      pattern: /^\/wc\/v3\/products\/(\d+)\/variations$/,
      allow: 'GET, POST',
      perm: PERM.list,
      args: VARIATION_ARGS,
      handle: listVariations,
    },
    {
      method: ['GET'],
      pattern: /^\/wc\/v3\/products\/(\d+)\/variations\/(\d+)$/,
      allow: ITEM,
      perm: PERM.view,
      handle: getVariation,
    },
    {
      method: ['GET'],
      pattern: /^\/wc\/v3\/orders$/,
      allow: 'GET, POST',
      perm: PERM.list,
      args: ORDER_LIST_ARGS,
      handle: listOrders,
    },
    {
      method: ['POST'],
      pattern: /^\/wc\/v3\/orders$/,
      allow: 'GET, POST',
      perm: PERM.create,
      validateBody: validateOrderBody,
      handle: createOrder,
    },
    { method: ['GET'], pattern: /^\/wc\/v3\/orders\/(\d+)$/, allow: ITEM, perm: PERM.view, handle: getOrder },
    {
      method: ['POST', 'PUT', 'PATCH'],
      pattern: /^\/wc\/v3\/orders\/(\d+)$/,
      allow: ITEM,
      perm: PERM.edit,
      validateBody: validateOrderBody,
      handle: updateOrder,
    },
    {
      method: ['GET'],
      pattern: /^\/wc\/v3\/webhooks$/,
      allow: 'GET, POST',
      perm: PERM.list,
      args: { page: COLLECTION_ARGS.page as ArgSpec, per_page: COLLECTION_ARGS.per_page as ArgSpec },
      handle: listWebhooks,
    },
    {
      method: ['POST'],
      pattern: /^\/wc\/v3\/webhooks$/,
      allow: 'GET, POST',
      perm: PERM.create,
      handle: createWebhook,
    },
    {
      method: ['GET'],
      pattern: /^\/wc\/v3\/webhooks\/(\d+)$/,
      allow: ITEM,
      perm: PERM.view,
      handle: getWebhook,
    },
    {
      method: ['DELETE'],
      pattern: /^\/wc\/v3\/webhooks\/(\d+)$/,
      allow: ITEM,
      perm: PERM.delete,
      handle: deleteWebhook,
    },
  ];

  async function serve(
    req: http.IncomingMessage,
    rawBody: string,
  ): Promise<Result & { record?: FakeWooRequest }> {
    const url = new URL(req.url ?? '/', home);
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      if (k.endsWith('[]')) {
        const key = k.slice(0, -2);
        const prev = query[key];
        query[key] = Array.isArray(prev) ? [...prev, v] : [v];
      } else query[k] = v; // PHP: the last one wins
    }
    const restRoute =
      typeof query.rest_route === 'string'
        ? query.rest_route
        : url.pathname.startsWith('/wp-json')
          ? url.pathname.slice('/wp-json'.length) || '/'
          : undefined;
    const route = restRoute === undefined ? url.pathname : restRoute.replace(/\/+$/, '') || '/';
    const record: FakeWooRequest = {
      index: received.length,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      route,
      query,
      headers: req.headers,
      rawBody,
      auth: 'none',
    };
    received.push(record);
    const ok = (r: Result) => ({ ...r, record });

    // In front of WordPress: the host / CDN.
    if (failures.left > 0) {
      failures.left--;
      return ok(failurePage(failures.status));
    }
    if (limited)
      return ok({
        ...wpError('rate_limit_exceeded', 'Too many requests. Please wait and try again.', 429),
        headers: { 'Retry-After': String(limited.retryAfterSeconds) },
      });
    if (restRoute === undefined)
      return ok({ status: 404, raw: '<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>' });

    // Body: JSON, or a form.
    const contentType = String(req.headers['content-type'] ?? '');
    let body: Json = {};
    if (rawBody.trim() !== '') {
      if (contentType.includes('application/json')) {
        try {
          const parsed: unknown = JSON.parse(rawBody);
          record.body = parsed;
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Json;
        } catch {
          return ok(
            wpError('rest_invalid_json', 'Invalid JSON body passed.', 400, {
              json_error_code: 4,
              json_error_message: 'Syntax error',
            }),
          );
        }
      } else {
        body = Object.fromEntries(new URLSearchParams(rawBody));
        record.body = body;
      }
    }

    // WC_REST_Authentication (as over HTTPS): query-string keys first, then Basic auth.
    let key = '';
    let secret = '';
    if (
      typeof query.consumer_key === 'string' &&
      query.consumer_key &&
      typeof query.consumer_secret === 'string'
    ) {
      key = query.consumer_key;
      secret = query.consumer_secret;
      if (secret) record.auth = 'query';
    }
    if (record.auth === 'none') {
      key = '';
      const m = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (m?.[1]) {
        const decoded = Buffer.from(m[1], 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0 && i < decoded.length - 1) {
          key = decoded.slice(0, i);
          secret = decoded.slice(i + 1);
          record.auth = 'basic';
        }
      }
    }
    let authed = false;
    if (record.auth !== 'none' && key === options.consumerKey) {
      if (!safeEqual(secret, options.consumerSecret))
        return ok(wpError('woocommerce_rest_authentication_error', 'Consumer secret is invalid.', 401));
      authed = true;
    } // An unknown key is silently ignored: the request goes on as a logged-out visitor.

    const method = req.method ?? 'GET';
    if (authed) {
      const perms = options.keyPermissions ?? 'read_write';
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && perms === 'read')
        return ok(
          wpError(
            'woocommerce_rest_authentication_error',
            'The API key provided does not have write permissions.',
            401,
          ),
        );
      if (['GET', 'HEAD'].includes(method) && perms === 'write')
        return ok(
          wpError(
            'woocommerce_rest_authentication_error',
            'The API key provided does not have read permissions.',
            401,
          ),
        );
    }

    let matched: { route: Route; params: string[] } | undefined;
    for (const r of routes) {
      const m = r.pattern.exec(route);
      if (m && r.method.includes(method)) {
        matched = { route: r, params: m.slice(1) };
        break;
      }
    }
    if (!matched)
      return ok(wpError('rest_no_route', 'No route was found matching the URL and request method.', 404));

    // WP_REST_Server::dispatch(): argument validation first, then the route's permission callback, then the handler.
    const { route: r, params } = matched;
    const invalid = (r.args && validateArgs(query, r.args)) ?? r.validateBody?.(body);
    if (invalid) return ok(invalid);
    if (!authed) return ok(wpError(r.perm[0], r.perm[1], 401));
    const result = await r.handle({ req: record, params, query, body });
    const headers: Record<string, string> = {
      Allow: r.allow,
      'Cache-Control': 'no-cache, must-revalidate, max-age=0, no-store, private',
      Expires: 'Wed, 11 Jan 1984 05:00:00 GMT',
      ...(result.headers ?? {}),
    };
    const out = result.status < 300 ? fieldsOf(result.body, query._fields) : result.body;
    return ok({ ...result, body: out, headers });
  }

  function fieldsOf(body: unknown, fields: unknown): unknown {
    return Array.isArray(body) ? body.map((b) => applyFields(b, fields)) : applyFields(body, fields);
  }

  function failurePage(status: number): Result {
    if (status === 500)
      return wpError(
        'internal_server_error',
        '<p>There has been a critical error on this website.</p><p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">Learn more about troubleshooting WordPress.</a></p>',
        500,
        {},
      );
    const reason = http.STATUS_CODES[status] ?? 'Error';
    return {
      status,
      raw: `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
    };
  }

  // --- products ------------------------------------------------------------------------------------------------------

  function listProducts(ctx: Ctx): Result {
    const q = ctx.query;
    let items = [...store.records.keys()].map((id) => store.serveProduct(id) as WooProduct);
    const status = (q.status as string | undefined) ?? 'any';
    items = items.filter((p) => (status === 'any' ? p.status !== 'trash' : p.status === status));
    if (q.type) items = items.filter((p) => p.type === q.type);
    if (q.sku) {
      const skus = String(q.sku).split(',');
      items = items.filter((p) => skus.includes(p.sku));
    }
    if (q.slug) items = items.filter((p) => p.slug === q.slug);
    if (q.search) {
      const s = String(q.search).toLowerCase();
      items = items.filter((p) =>
        `${p.name} ${p.description} ${p.short_description}`.toLowerCase().includes(s),
      );
    }
    if (q.stock_status) items = items.filter((p) => p.stock_status === q.stock_status);
    if (q.featured !== undefined) items = items.filter((p) => p.featured === toBool(q.featured));
    if (q.on_sale !== undefined) items = items.filter((p) => p.on_sale === toBool(q.on_sale));
    if (q.parent !== undefined) {
      const parents = intList(q.parent);
      items = items.filter((p) => parents.includes(p.parent_id));
    }
    items = filterCommon(items, q);
    const sorted = sortItems(items, q, 'date', (p, by) => {
      switch (by) {
        case 'title':
          return p.name.toLowerCase();
        case 'slug':
          return p.slug;
        case 'price':
          return Number(p.price || 0);
        case 'popularity':
          return p.total_sales;
        case 'rating':
          return Number(p.average_rating);
        case 'menu_order':
          return p.menu_order;
        default:
          return undefined;
      }
    });
    return pageOf(sorted, q, store.rest('products'));
  }

  function getProduct(ctx: Ctx): Result {
    const id = Number(ctx.params[0]);
    const p = store.serveProduct(id) ?? store.serveVariationAsProduct(id);
    if (!p) return wpError('woocommerce_rest_product_invalid_id', 'Invalid ID.', 404);
    return { status: 200, body: p, headers: { Link: `<${p.permalink}>; rel="alternate"; type=text/html` } };
  }

  function listVariations(ctx: Ctx): Result {
    const q = ctx.query;
    const productId = Number(ctx.params[0]);
    const rec = store.records.get(productId);
    let items = rec ? rec.vars.map((v) => store.serveVariation(rec, v)) : [];
    const status = (q.status as string | undefined) ?? 'any';
    items = items.filter((v) => status === 'any' || v.status === status);
    if (q.stock_status) items = items.filter((v) => v.stock_status === q.stock_status);
    if (q.on_sale !== undefined) items = items.filter((v) => v.on_sale === toBool(q.on_sale));
    items = filterCommon(items, q);
    const sorted = sortItems(items, q, 'date', (v, by) =>
      by === 'menu_order' ? v.menu_order : by === 'title' ? v.name.toLowerCase() : undefined,
    );
    return pageOf(sorted, q, store.rest(`products/${productId}/variations`));
  }

  function getVariation(ctx: Ctx): Result {
    const productId = Number(ctx.params[0]);
    const variationId = Number(ctx.params[1]);
    const rec = store.records.get(productId);
    const v = rec?.vars.find((x) => x.id === variationId);
    if (!rec || !v) return wpError('woocommerce_rest_product_variation_invalid_id', 'Invalid ID.', 404);
    return { status: 200, body: store.serveVariation(rec, v) };
  }

  type Dated = {
    id: number;
    date_created: string;
    date_created_gmt: string;
    date_modified: string;
    date_modified_gmt: string;
  };
  function filterCommon<T extends Dated>(items: T[], q: Record<string, string | string[]>): T[] {
    const gmt = q.dates_are_gmt !== undefined && toBool(q.dates_are_gmt);
    const bound = (name: string, column: 'date_created' | 'date_modified', after: boolean) => {
      const v = q[name];
      if (typeof v !== 'string') return;
      const at = dateArgToLocal(v, offsetMin);
      const col = gmt ? (`${column}_gmt` as const) : column;
      items = items.filter((it) => (after ? it[col] > at : it[col] < at));
    };
    bound('after', 'date_created', true);
    bound('before', 'date_created', false);
    bound('modified_after', 'date_modified', true);
    bound('modified_before', 'date_modified', false);
    if (q.include !== undefined) {
      const inc = intList(q.include);
      items = items.filter((it) => inc.includes(it.id));
    }
    if (q.exclude !== undefined) {
      const exc = intList(q.exclude);
      items = items.filter((it) => !exc.includes(it.id));
    }
    return items;
  }

  function sortItems<T extends Dated>(
    items: T[],
    q: Record<string, string | string[]>,
    defaultBy: string,
    key: (it: T, by: string) => string | number | undefined,
  ): T[] {
    const by = (q.orderby as string | undefined) ?? defaultBy;
    const dir = ((q.order as string | undefined) ?? 'desc') === 'asc' ? 1 : -1;
    if (by === 'include' && q.include !== undefined) {
      const inc = intList(q.include);
      return [...items].sort((a, b) => inc.indexOf(a.id) - inc.indexOf(b.id));
    }
    const value = (it: T): string | number =>
      by === 'date'
        ? it.date_created_gmt
        : by === 'modified'
          ? it.date_modified_gmt
          : by === 'id'
            ? it.id
            : (key(it, by) ?? it.id);
    return [...items].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      return (c || a.id - b.id) * dir; // "date ID": the id breaks ties in the same direction
    });
  }

  function pageOf<T>(items: T[], q: Record<string, string | string[]>, base: string): Result {
    const perPage = q.per_page !== undefined ? Number(q.per_page) : 10;
    const page = q.page !== undefined ? Number(q.page) : 1;
    const offset = q.offset !== undefined ? Number(q.offset) : undefined;
    const { page: slice, headers } = paginate(items, { page, perPage, offset }, q, base);
    return { status: 200, body: slice, headers };
  }

  // --- orders --------------------------------------------------------------------------------------------------------

  function listOrders(ctx: Ctx): Result {
    const q = ctx.query;
    const statuses =
      q.status === undefined ? ['any'] : Array.isArray(q.status) ? q.status : String(q.status).split(',');
    let items = store.orders.filter((o) =>
      statuses.includes('any') ? o.status !== 'trash' : statuses.includes(o.status),
    );
    if (typeof q.search === 'string' && q.search) {
      // wc_order_search(): the billing/shipping address indexes (every address field, email and phone included),
      // order item names and the order id. Not meta_data.
      const term = q.search.toLowerCase();
      items = items.filter((o) =>
        [
          String(o.id),
          ...Object.values(o.billing),
          ...Object.values(o.shipping),
          ...o.line_items.map((i) => i.name),
        ]
          .join(' ')
          .toLowerCase()
          .includes(term),
      );
    }
    if (q.customer !== undefined) items = items.filter((o) => o.customer_id === Number(q.customer));
    items = filterCommon(items, q);
    return pageOf(
      sortItems(items, q, 'date', () => undefined),
      q,
      store.rest('orders'),
    );
  }

  function getOrder(ctx: Ctx): Result {
    const o = store.orders.find((x) => x.id === Number(ctx.params[0]));
    if (!o) return wpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 404);
    return { status: 200, body: o };
  }

  function validateOrderBody(body: Json): Result | undefined {
    const invalid = validateArgs(body, ORDER_BODY_ARGS);
    if (invalid) return invalid;
    for (const key of ['line_items', 'shipping_lines', 'fee_lines', 'coupon_lines', 'meta_data'] as const) {
      const v = body[key];
      if (v === undefined) continue;
      if (!Array.isArray(v))
        return wpError('rest_invalid_param', `Invalid parameter(s): ${key}`, 400, {
          params: { [key]: `${key} is not of type array.` },
          details: {
            [key]: {
              code: 'rest_invalid_type',
              message: `${key} is not of type array.`,
              data: { param: key },
            },
          },
        });
      for (const [i, item] of v.entries()) {
        const name = `${key}[${i}]`;
        let issue: ArgIssue | undefined;
        if (typeof item !== 'object' || item === null || Array.isArray(item))
          issue = {
            code: 'rest_invalid_type',
            message: `${name} is not of type object.`,
            data: { param: name },
          };
        else if (key === 'line_items')
          for (const f of ['id', 'product_id', 'variation_id', 'quantity'])
            if ((item as Json)[f] !== undefined && (item as Json)[f] !== null)
              issue ??= checkArg(`${name}[${f}]`, (item as Json)[f], { type: 'integer' });
        if (issue)
          return wpError('rest_invalid_param', `Invalid parameter(s): ${key}`, 400, {
            params: { [key]: issue.message },
            details: { [key]: issue },
          });
      }
    }
    return undefined;
  }

  function createOrder(ctx: Ctx): Result {
    const b = ctx.body;
    if (b.id) return wpError('woocommerce_rest_shop_order_exists', 'Cannot create existing shop_order.', 400);
    if (b.customer_id !== undefined && Number(b.customer_id) !== 0)
      return wpError('woocommerce_rest_invalid_customer_id', 'Customer ID is invalid.', 400);
    const built = buildItems(b);
    if (!('items' in built)) return built;
    const coupons = (b.coupon_lines as Json[] | undefined) ?? [];
    for (const c of coupons) {
      if (c.id)
        return wpError('woocommerce_rest_coupon_item_id_readonly', 'Coupon item ID is readonly.', 400);
      if (!c.code) return wpError('woocommerce_rest_invalid_coupon', 'Coupon code is required.', 400);
      return wpError(
        'woocommerce_rest_invalid_coupon',
        `Coupon "${String(c.code).toLowerCase()}" cannot be applied because it does not exist.`,
        400,
      );
    }
    const now = store.nowGmt();
    const id = store.claimId(undefined);
    const orderKey = 'wc_order_' + Array.from({ length: 13 }, () => store.orderKeyRng.pick(ALNUM)).join('');
    const order: WooOrder = {
      id,
      parent_id: Number(b.parent_id ?? 0),
      status: 'pending',
      currency: typeof b.currency === 'string' ? b.currency : store.opts.currency,
      version: store.opts.wcVersion,
      prices_include_tax: false,
      date_created: store.local(now),
      date_modified: store.local(now),
      discount_total: '0.00',
      discount_tax: '0.00',
      shipping_total: '0.00',
      shipping_tax: '0.00',
      cart_tax: '0.00',
      total: '0.00',
      total_tax: '0.00',
      customer_id: 0,
      order_key: orderKey,
      billing: address(b.billing, true),
      shipping: address(b.shipping, false),
      payment_method: typeof b.payment_method === 'string' ? b.payment_method : '',
      payment_method_title: typeof b.payment_method_title === 'string' ? b.payment_method_title : '',
      transaction_id: typeof b.transaction_id === 'string' ? b.transaction_id : '',
      customer_ip_address: '',
      customer_user_agent: '',
      created_via: 'rest-api',
      customer_note: typeof b.customer_note === 'string' ? b.customer_note : '',
      date_completed: null,
      date_paid: null,
      cart_hash: '',
      number: String(id),
      meta_data: metaFrom([], b.meta_data),
      line_items: built.items,
      tax_lines: [],
      shipping_lines: built.shipping,
      fee_lines: built.fees,
      coupon_lines: [],
      refunds: [],
      payment_url: `${home}/checkout/order-pay/${id}/?pay_for_order=true&key=${orderKey}`,
      is_editable: true,
      needs_payment: false,
      needs_processing: true,
      date_created_gmt: now,
      date_modified_gmt: now,
      date_completed_gmt: null,
      date_paid_gmt: null,
      currency_symbol: currencySymbol(typeof b.currency === 'string' ? b.currency : store.opts.currency),
      _links: {
        self: [
          {
            href: store.rest(`orders/${id}`),
            targetHints: { allow: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          },
        ],
        collection: [{ href: store.rest('orders') }],
      },
    };
    recalcTotals(order);
    if (typeof b.status === 'string') setStatus(order, b.status as WooOrderStatus, now);
    if (toBool(b.set_paid)) paymentComplete(order, now);
    refreshFlags(order);
    store.orders.push(order);
    return { status: 201, body: order, headers: { Location: store.rest(`orders/${id}`) } };
  }

  function updateOrder(ctx: Ctx): Result {
    const b = ctx.body;
    const o = store.orders.find((x) => x.id === Number(ctx.params[0]));
    if (!o) return wpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 400);
    const now = store.nowGmt();
    if (b.billing) o.billing = { ...o.billing, ...pickAddress(b.billing, true) };
    if (b.shipping) o.shipping = { ...o.shipping, ...pickAddress(b.shipping, false) };
    for (const k of ['customer_note', 'transaction_id', 'payment_method', 'payment_method_title'] as const)
      if (typeof b[k] === 'string') o[k] = b[k] as string;
    if (b.meta_data !== undefined) o.meta_data = metaFrom(o.meta_data, b.meta_data);
    if (b.line_items !== undefined || b.shipping_lines !== undefined || b.fee_lines !== undefined) {
      const built = buildItems(b);
      if (!('items' in built)) return built;
      o.line_items.push(...built.items);
      o.shipping_lines.push(...built.shipping);
      o.fee_lines.push(...built.fees);
      recalcTotals(o);
    }
    if (typeof b.status === 'string' && b.status !== o.status) setStatus(o, b.status as WooOrderStatus, now);
    if (toBool(b.set_paid) && o.needs_payment) paymentComplete(o, now);
    o.date_modified_gmt = now;
    o.date_modified = store.local(now);
    refreshFlags(o);
    return { status: 200, body: o };
  }

  type Built = { items: WooLineItem[]; shipping: Json[]; fees: Json[] };
  function buildItems(b: Json): Built | Result {
    const items: WooLineItem[] = [];
    for (const raw of (b.line_items as Json[] | undefined) ?? []) {
      if (raw.id) continue; // updating existing items is not modelled
      if (raw.product_id === null) continue; // a null product_id deletes an item
      const quantity = raw.quantity === undefined ? 1 : Number(raw.quantity);
      if (quantity === 0) continue;
      let rec: ProductRecord | undefined;
      let variation: WooVariation | undefined;
      let wantedId = 0;
      if (raw.sku) {
        const found = store.findBySku(String(raw.sku));
        rec = found.product;
        variation = found.variation;
      } else if (raw.product_id && !raw.variation_id) {
        wantedId = Number(raw.product_id);
        rec = store.records.get(wantedId);
        if (!rec) {
          const parentId = store.variationParent.get(wantedId);
          rec = parentId === undefined ? undefined : store.records.get(parentId);
          variation = rec?.vars.find((v) => v.id === wantedId);
        }
      } else if (raw.variation_id) {
        wantedId = Number(raw.variation_id);
        const parentId =
          store.variationParent.get(wantedId) ?? (store.records.has(wantedId) ? wantedId : undefined);
        rec = parentId === undefined ? undefined : store.records.get(parentId);
        variation = rec?.vars.find((v) => v.id === wantedId);
      } else {
        return wpError('woocommerce_rest_required_product_reference', 'Product ID or SKU is required.', 400);
      }
      const itemId = store.nextItemId++;
      if (!rec) {
        if (options.unknownLineItems === 'reject')
          return wpError(
            'woocommerce_rest_invalid_product_id',
            `Invalid product ID: ${wantedId || raw.sku}.`,
            400,
          );
        // No product to price it, but maybe_set_item_props() still applies a posted name/total/subtotal.
        const total = raw.total !== undefined ? Number(raw.total) : 0;
        const subtotal = raw.subtotal !== undefined ? Number(raw.subtotal) : total;
        items.push(
          lineItem(
            itemId,
            String(raw.name ?? ''),
            0,
            0,
            quantity,
            total,
            null,
            { id: '', src: '' },
            null,
            [],
            subtotal,
          ),
        );
        continue;
      }
      const served = variation
        ? store.serveVariation(rec, variation)
        : (store.serveProduct(rec.p.id) as WooProduct);
      const unit = Number(served.price || 0);
      const image = variation ? (served as WooVariation).image : ((served as WooProduct).images[0] ?? null);
      const meta: WooItemMeta[] = variation
        ? variation.attributes.map((a) => ({
            id: store.nextMetaId++,
            key: a.id > 0 ? `pa_${slugify(a.name)}` : slugify(a.name),
            value: a.id > 0 ? slugify(a.option) : a.option,
            display_key: a.name,
            display_value: a.option,
          }))
        : [];
      items.push(
        lineItem(
          itemId,
          typeof raw.name === 'string' ? raw.name : variation ? (served as WooVariation).name : rec.p.name,
          rec.p.id,
          variation?.id ?? 0,
          quantity,
          raw.total !== undefined ? Number(raw.total) : unit * quantity,
          served.sku,
          { id: image?.id ?? '', src: image?.src ?? '' },
          variation ? rec.p.name : null,
          meta,
          raw.subtotal !== undefined ? Number(raw.subtotal) : undefined,
        ),
      );
    }
    const shipping: Json[] = [];
    for (const s of (b.shipping_lines as Json[] | undefined) ?? []) {
      if (!s.method_id)
        return wpError('woocommerce_rest_invalid_shipping_item', 'Shipping method ID is required.', 400);
      shipping.push({
        id: store.nextItemId++,
        method_title: String(s.method_title ?? ''),
        method_id: String(s.method_id),
        instance_id: String(s.instance_id ?? ''),
        total: money2(Number(s.total ?? 0)),
        total_tax: '0.00',
        taxes: [],
        tax_status: 'taxable',
        meta_data: [],
      });
    }
    const fees: Json[] = [];
    for (const f of (b.fee_lines as Json[] | undefined) ?? []) {
      if (!f.name) return wpError('woocommerce_rest_invalid_fee_item', 'Fee name is required.', 400);
      fees.push({
        id: store.nextItemId++,
        name: String(f.name),
        tax_class: '',
        tax_status: String(f.tax_status ?? 'taxable'),
        amount: String(f.total ?? '0'),
        total: money2(Number(f.total ?? 0)),
        total_tax: '0.00',
        taxes: [],
        meta_data: [],
      });
    }
    return { items, shipping, fees };
  }

  function lineItem(
    id: number,
    name: string,
    productId: number,
    variationId: number,
    quantity: number,
    total: number,
    sku: string | null,
    image: { id: number | string; src: string },
    parentName: string | null,
    meta: WooItemMeta[],
    subtotal = total,
  ): WooLineItem {
    return {
      id,
      name,
      product_id: productId,
      variation_id: variationId,
      quantity,
      tax_class: '',
      subtotal: money2(subtotal),
      subtotal_tax: '0.00',
      total: money2(total),
      total_tax: '0.00',
      taxes: [],
      meta_data: meta,
      sku,
      global_unique_id: '',
      price: quantity ? Math.round((total / quantity) * 1e6) / 1e6 : 0,
      image,
      parent_name: parentName,
    };
  }

  function recalcTotals(o: WooOrder) {
    const items = o.line_items.reduce((s, i) => s + Number(i.total), 0);
    const ship = o.shipping_lines.reduce((s, l) => s + Number(l.total), 0);
    const fees = o.fee_lines.reduce((s, l) => s + Number(l.total), 0);
    o.shipping_total = money2(ship);
    o.total = money2(items + ship + fees);
  }

  function refreshFlags(o: WooOrder) {
    o.is_editable = ['pending', 'on-hold', 'auto-draft', 'checkout-draft'].includes(o.status);
    o.needs_payment = ['pending', 'failed'].includes(o.status) && Number(o.total) > 0;
    o.needs_processing = o.line_items.length > 0;
  }

  function paymentComplete(o: WooOrder, now: string) {
    if (!['on-hold', 'pending', 'failed', 'cancelled'].includes(o.status)) return;
    if (!o.date_paid_gmt) {
      o.date_paid_gmt = now;
      o.date_paid = store.local(now);
    }
    setStatus(o, o.needs_processing ? 'processing' : 'completed', now);
  }

  /** Status transitions with their stock side effects (wc_maybe_reduce_stock_levels / wc_maybe_increase_…). */
  function setStatus(o: WooOrder, status: WooOrderStatus, now: string) {
    o.status = status;
    if (['processing', 'completed', 'on-hold'].includes(status)) {
      for (const item of o.line_items) {
        if (!item.product_id || item.meta_data.some((m) => m.key === '_reduced_stock')) continue;
        if (store.adjustStock(item.product_id, item.variation_id, -item.quantity))
          item.meta_data.push({
            id: store.nextMetaId++,
            key: '_reduced_stock',
            value: String(item.quantity),
            display_key: '_reduced_stock',
            display_value: String(item.quantity),
          });
      }
    }
    if (['cancelled', 'pending'].includes(status)) {
      for (const item of o.line_items) {
        const i = item.meta_data.findIndex((m) => m.key === '_reduced_stock');
        if (i < 0) continue;
        store.adjustStock(
          item.product_id,
          item.variation_id,
          Number(item.meta_data[i]?.value ?? item.quantity),
        );
        item.meta_data.splice(i, 1);
      }
    }
    // WC_Order::maybe_set_date_paid() / maybe_set_date_completed() on the transition.
    if (['processing', 'completed'].includes(status) && !o.date_paid_gmt) {
      o.date_paid_gmt = now;
      o.date_paid = store.local(now);
    }
    if (status === 'completed' && !o.date_completed_gmt) {
      o.date_completed_gmt = now;
      o.date_completed = store.local(now);
    }
  }

  function metaFrom(existing: WooMeta[], posted: unknown): WooMeta[] {
    const out = existing.map((m) => ({ ...m }));
    for (const m of Array.isArray(posted) ? (posted as Json[]) : []) {
      if (typeof m.key !== 'string') continue;
      const hit =
        m.id !== undefined ? out.find((x) => x.id === Number(m.id)) : out.find((x) => x.key === m.key);
      if (hit) {
        hit.key = m.key;
        hit.value = m.value;
      } else out.push({ id: store.nextMetaId++, key: m.key, value: m.value });
    }
    return out;
  }

  // --- webhooks ------------------------------------------------------------------------------------------------------

  function webhookResponse(w: WooWebhookSubscription): Json {
    return {
      id: w.id,
      name: w.name,
      status: w.status,
      topic: w.topic,
      resource: w.resource,
      event: w.event,
      hooks: w.hooks,
      delivery_url: w.delivery_url,
      date_created: store.local(w.date_created_gmt),
      date_created_gmt: w.date_created_gmt,
      date_modified: store.local(w.date_modified_gmt),
      date_modified_gmt: w.date_modified_gmt,
      _links: {
        self: [
          {
            href: store.rest(`webhooks/${w.id}`),
            targetHints: { allow: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          },
        ],
        collection: [{ href: store.rest('webhooks') }],
      },
    };
  }

  function listWebhooks(ctx: Ctx): Result {
    const items = store.webhooks
      .filter((w) => !ctx.query.status || ctx.query.status === 'all' || w.status === ctx.query.status)
      .map(webhookResponse);
    return pageOf(items, ctx.query, store.rest('webhooks'));
  }

  function getWebhook(ctx: Ctx): Result {
    const w = store.webhooks.find((x) => x.id === Number(ctx.params[0]));
    if (!w) return wpError('woocommerce_rest_shop_webhook_invalid_id', 'ID is invalid.', 400);
    return { status: 200, body: webhookResponse(w) };
  }

  function deleteWebhook(ctx: Ctx): Result {
    if (!toBool(ctx.query.force ?? ctx.body.force))
      return wpError('woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.', 501);
    const i = store.webhooks.findIndex((x) => x.id === Number(ctx.params[0]));
    const w = store.webhooks[i];
    if (!w) return wpError('woocommerce_rest_webhook_invalid_id', 'Invalid ID.', 404);
    store.webhooks.splice(i, 1);
    return { status: 200, body: webhookResponse(w) };
  }

  async function createWebhook(ctx: Ctx): Promise<Result> {
    const b = ctx.body;
    if (b.id)
      return wpError('woocommerce_rest_shop_webhook_exists', 'Cannot create existing shop_webhook.', 400);
    const topic = typeof b.topic === 'string' ? b.topic.toLowerCase() : '';
    if (!TOPIC_HOOKS[topic] && !/^action\.[\w-]+$/.test(topic))
      return wpError(
        'woocommerce_rest_webhook_invalid_topic',
        'Webhook topic is required and must be valid.',
        400,
      );
    const deliveryUrl = typeof b.delivery_url === 'string' ? b.delivery_url : '';
    if (!/^https?:\/\/[^\s]+$/i.test(deliveryUrl))
      return wpError(
        'woocommerce_rest_webhook_invalid_delivery_url',
        'Webhook delivery URL must be a valid URL starting with http:// or https://.',
        400,
      );
    const now = store.nowGmt();
    const [resource = '', event = ''] = topic.split('.');
    const w: WooWebhookSubscription = {
      id: store.nextWebhookId++,
      name:
        typeof b.name === 'string' && b.name
          ? b.name
          : `Webhook created on ${strftimeWebhook(store.local(now))}`,
      status: b.status === 'paused' || b.status === 'disabled' ? b.status : 'active',
      topic,
      resource,
      event,
      hooks: resource === 'action' ? [event] : (TOPIC_HOOKS[topic] ?? []),
      delivery_url: deliveryUrl,
      // wp_generate_password( 50, true, true )
      secret:
        typeof b.secret === 'string' && b.secret
          ? b.secret
          : Array.from(crypto.randomBytes(50), (x) => PASSWORD_CHARS[x % PASSWORD_CHARS.length]).join(''),
      date_created_gmt: now,
      date_modified_gmt: now,
      failure_count: 0,
    };
    store.webhooks.push(w);
    if (options.pingOnCreate ?? true) {
      // deliver_ping() runs before the REST response is sent; its outcome does not change the response.
      const r = await post(w.delivery_url, pingOf(w.id), 5_000);
      w.ping = r.error !== undefined ? { error: r.error } : { status: r.status };
    }
    return { status: 201, body: webhookResponse(w), headers: { Location: store.rest(`webhooks/${w.id}`) } };
  }

  function pingOf(webhookId: number): WooWebhookDelivery {
    return {
      headers: { 'User-Agent': userAgent, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `webhook_id=${webhookId}`,
    };
  }

  function resourceBody(topic: string, resource: number | object): unknown {
    const [kind, event] = topic.split('.');
    if (typeof resource === 'object')
      return event === 'deleted' ? { id: (resource as { id?: unknown }).id } : resource;
    if (event === 'deleted') return { id: resource };
    if (kind === 'product') {
      const p = store.serveProduct(resource) ?? store.serveVariationAsProduct(resource);
      if (!p) throw new Error(`no product ${resource} in the fake store`);
      return p;
    }
    if (kind === 'order') {
      const o = store.orders.find((x) => x.id === resource);
      if (!o) throw new Error(`no order ${resource} in the fake store`);
      return o;
    }
    if (kind === 'action') return { action: event, arg: resource };
    return { id: resource };
  }

  function buildDelivery(
    topic: string,
    body: unknown,
    webhookId: number,
    secret: string,
    deliveryId?: string,
  ) {
    const raw = phpJsonEncode(body).trim();
    const [resource = '', event = ''] = topic.split('.');
    return {
      headers: {
        'User-Agent': userAgent,
        'Content-Type': 'application/json',
        'X-WC-Webhook-Source': `${home}/`,
        'X-WC-Webhook-Topic': topic,
        'X-WC-Webhook-Resource': resource,
        'X-WC-Webhook-Event': event,
        'X-WC-Webhook-Signature': crypto.createHmac('sha256', secret).update(raw, 'utf8').digest('base64'),
        'X-WC-Webhook-ID': String(webhookId),
        // wp_hash( $id . strtotime( 'now' ) ): two deliveries of one webhook in the same second share it.
        'X-WC-Webhook-Delivery-ID':
          deliveryId ??
          crypto
            .createHmac('md5', 'fake-wp-salt')
            .update(`${webhookId}${Math.floor(clock().getTime() / 1000)}`)
            .digest('hex'),
      },
      body: raw,
    };
  }

  function webhook(topic: string, resource: number | object, opts: WebhookOptions = {}): WooWebhookDelivery {
    const sub = store.webhooks.find((w) => w.topic === topic);
    return buildDelivery(
      topic,
      resourceBody(topic, resource),
      opts.webhookId ?? sub?.id ?? 1,
      opts.secret ?? options.webhookSecret,
      opts.deliveryId,
    );
  }

  async function post(
    url: string,
    d: WooWebhookDelivery,
    timeoutMs: number,
  ): Promise<{ status?: number; error?: string }> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ error: 'A valid URL was not provided.' });
        return;
      }
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request(
        target,
        {
          method: 'POST',
          headers: { ...d.headers, Accept: '*/*', 'Content-Length': String(Buffer.byteLength(d.body)) },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Operation timed out after ${timeoutMs} milliseconds`)));
      req.on('error', (e) => resolve({ error: e.message }));
      req.end(d.body);
    });
  }

  async function deliver(topic: string, resource: number | object): Promise<WebhookResult[]> {
    const body = resourceBody(topic, resource);
    const out: WebhookResult[] = [];
    for (const w of store.webhooks.filter((x) => x.topic === topic && x.status === 'active')) {
      const r = await post(w.delivery_url, buildDelivery(topic, body, w.id, w.secret), 60_000);
      out.push({ webhookId: w.id, url: w.delivery_url, ...r });
      // log_delivery(): 2xx, 301 and 302 count as delivered; otherwise failed_delivery(). No retries.
      if (r.status !== undefined && r.status >= 200 && r.status < 303) w.failure_count = 0;
      else if (w.failure_count > 5) w.status = 'disabled';
      else w.failure_count++;
    }
    return out;
  }

  // --- the handle ----------------------------------------------------------------------------------------------------

  const mustProduct = (id: number) => {
    const rec = store.records.get(id);
    if (!rec) throw new Error(`no product ${id} in the fake store`);
    return rec;
  };

  return {
    url: home,
    received,
    orders: store.orders,
    store: {
      products: () =>
        [...store.records.keys()]
          .sort((a, b) => a - b)
          .map((id) => structuredClone(store.serveProduct(id) as WooProduct)),
      product: (id) => {
        const p = store.serveProduct(id);
        return p && structuredClone(p);
      },
      variations: (productId) => {
        const rec = store.records.get(productId);
        return rec
          ? [...rec.vars]
              .sort((a, b) => a.menu_order - b.menu_order || a.id - b.id)
              .map((v) => store.serveVariation(rec, v))
          : [];
      },
      variation: (variationId) => {
        const rec = store.records.get(store.variationParent.get(variationId) ?? -1);
        const v = rec?.vars.find((x) => x.id === variationId);
        return rec && v ? store.serveVariation(rec, v) : undefined;
      },
      webhooks: store.webhooks,
    },
    setProducts: (products, seed) => seedProducts(products, seed),
    addProduct: (p) => structuredClone(store.addProduct(p)),
    updateProduct(id, patch) {
      const rec = mustProduct(id);
      const before = rec.p.date_modified_gmt;
      if (typeof patch === 'function') patch(rec.p);
      else Object.assign(rec.p, patch);
      if (
        typeof patch === 'function'
          ? rec.p.date_modified_gmt === before
          : patch.date_modified_gmt === undefined
      )
        store.touchProduct(rec);
      store.invalidate();
      return structuredClone(store.serveProduct(id) as WooProduct);
    },
    updateVariation(productId, variationId, patch) {
      const rec = mustProduct(productId);
      const v = rec.vars.find((x) => x.id === variationId);
      if (!v) throw new Error(`no variation ${variationId} under product ${productId}`);
      const before = v.date_modified_gmt;
      if (typeof patch === 'function') patch(v);
      else Object.assign(v, patch);
      if (v.date_modified_gmt === before) store.touchVariation(rec, v);
      store.invalidate();
      return store.serveVariation(rec, v);
    },
    deleteProduct(id, opts = {}) {
      const rec = mustProduct(id);
      if (opts.force) store.removeProduct(id);
      else {
        rec.p.status = 'trash';
        store.touchProduct(rec);
      }
    },
    failNext(n, status = 500) {
      failures = { left: n, status };
    },
    rateLimit(on, opts = {}) {
      limited = on ? { retryAfterSeconds: opts.retryAfterSeconds ?? 10 } : undefined;
    },
    webhook,
    variationWebhooks(productId, variationId, opts = {}) {
      mustProduct(productId);
      return [webhook('product.updated', variationId, opts), webhook('product.updated', productId, opts)];
    },
    ping: pingOf,
    deliver,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('');
const PASSWORD_CHARS = ALNUM.join('') + '!@#$%^&*()-_ []{}<>~`+=,.;:/?|';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime( '%b %d, %Y @ %I:%M %p' ) of a local wall time. */
function strftimeWebhook(localWall: string): string {
  const [date = '', time = ''] = localWall.split('T');
  const [y, m, d] = date.split('-');
  const [hh = '0', mm = '00'] = time.split(':');
  const h = Number(hh);
  const h12 = String(h % 12 === 0 ? 12 : h % 12).padStart(2, '0');
  return `${MONTHS[Number(m) - 1]} ${d}, ${y} @ ${h12}:${mm} ${h < 12 ? 'AM' : 'PM'}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function currencySymbol(code: string): string {
  return { USD: '$', EUR: '€', GBP: '£', CAD: '$', AUD: '$', JPY: '¥' }[code] ?? code;
}

const ADDRESS_KEYS = [
  'first_name',
  'last_name',
  'company',
  'address_1',
  'address_2',
  'city',
  'state',
  'postcode',
  'country',
];
function pickAddress(v: unknown, billing: boolean): Partial<WooAddress> {
  if (!v || typeof v !== 'object') return {};
  const src = v as Json;
  const keys = [...ADDRESS_KEYS, ...(billing ? ['email'] : []), 'phone'];
  return Object.fromEntries(
    keys.filter((k) => src[k] !== undefined).map((k) => [k, src[k] === null ? null : String(src[k])]),
  );
}
function address(v: unknown, billing: boolean): WooAddress {
  const base: WooAddress = {
    first_name: '',
    last_name: '',
    company: '',
    address_1: '',
    address_2: '',
    city: '',
    state: '',
    postcode: '',
    country: '',
    ...(billing ? { email: '' } : {}),
    phone: '',
  };
  return { ...base, ...pickAddress(v, billing) };
}
