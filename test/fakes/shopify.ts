// A stand-in for one Shopify store's Admin API: a real HTTP server on loopback speaking the GraphQL Admin wire format
// (`POST /admin/api/{version}/graphql.json` with `X-Shopify-Access-Token`), over a realistic generated catalog.
// It parses the GraphQL it is sent (a small parser and executor over the part of the schema a catalog / order / webhook
// connector touches), so aliases, fragments, `edges`/`nodes`, variables and field selection behave as they do on
// Shopify; unknown fields get Shopify's `undefinedField` error. Every answer carries `extensions.cost`, drawn from a
// leaky bucket (THROTTLED when it cannot pay, MAX_COST_EXCEEDED past 1000); bulk operations run CREATED → RUNNING →
// COMPLETED and serve a JSONL file with `__parentId` children out of order; orders, draft orders and webhook
// subscriptions are recorded; `webhook()` builds deliveries signed exactly as Shopify signs them.
// Formats: shared/research/merchant-apis.md §0, §1, §3, §6 and the samples in shared/samples/shopify-*.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/* ================================================================================================ data model */

export type ProductStatus = 'ACTIVE' | 'DRAFT' | 'ARCHIVED';

export type FakeImage = {
  /** The ProductImage id (REST `images[].id`, variant `image_id`). */
  id: number;
  /** The MediaImage id (GraphQL `media`, REST `admin_graphql_api_id`). */
  mediaId: number;
  url: string;
  altText: string | null;
  width: number;
  height: number;
};

export type FakeVariant = {
  id: number;
  title: string;
  sku: string;
  barcode: string | null;
  /** Money as Shopify sends it: a decimal string. */
  price: string;
  compareAtPrice: string | null;
  position: number;
  inventoryQuantity: number;
  inventoryItemId: number;
  inventoryPolicy: 'DENY' | 'CONTINUE';
  taxable: boolean;
  grams: number;
  selectedOptions: { name: string; value: string }[];
  /** The FakeImage id shown for this variant, if any. */
  imageId: number | null;
  createdAt: string;
  updatedAt: string;
};

export type FakeProductOption = { id: number; name: string; values: string[] };

export type FakeProduct = {
  id: number;
  title: string;
  handle: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  status: ProductStatus;
  /** Sorted, as Shopify keeps them. */
  tags: string[];
  /** GraphQL DateTime: UTC, second precision (`2025-04-02T16:29:59Z`). */
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  templateSuffix: string | null;
  category: { id: string; name: string; fullName: string } | null;
  options: FakeProductOption[];
  images: FakeImage[];
  variants: FakeVariant[];
};

export type FakeAddress = {
  firstName?: string | null;
  lastName?: string | null;
  name?: string | null;
  company?: string | null;
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  province?: string | null;
  provinceCode?: string | null;
  zip?: string | null;
  country?: string | null;
  countryCodeV2?: string | null;
  phone?: string | null;
};

export type FakeOrderLine = {
  id: number;
  variantId: number | null;
  productId: number | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  price: string;
  requiresShipping: boolean;
};

export type FakeFulfillment = {
  id: number;
  status: 'SUCCESS' | 'CANCELLED';
  trackingCompany: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  createdAt: string;
  lineItemIds: number[];
};

export type FakeOrder = {
  id: number;
  /** `#1001`, `#1002`, … */
  name: string;
  orderNumber: number;
  email: string | null;
  phone: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  currency: string;
  /** OrderDisplayFinancialStatus: PAID, PENDING, AUTHORIZED, … */
  financialStatus: string;
  fulfillmentStatus: 'UNFULFILLED' | 'FULFILLED';
  lineItems: FakeOrderLine[];
  shippingLines: { title: string; price: string }[];
  shippingAddress: FakeAddress | null;
  billingAddress: FakeAddress | null;
  tags: string[];
  note: string | null;
  sourceName: string | null;
  sourceIdentifier: string | null;
  customAttributes: { key: string; value: string }[];
  test: boolean;
  fulfillments: FakeFulfillment[];
  /** How it was created. */
  via: 'orderCreate' | 'draftOrderComplete';
  draftOrderId: number | null;
  /** The raw mutation input and options, for assertions. */
  input: Record<string, unknown>;
  options: Record<string, unknown>;
};

export type FakeDraftOrder = {
  id: number;
  name: string;
  status: 'OPEN' | 'COMPLETED';
  email: string | null;
  lineItems: FakeOrderLine[];
  shippingAddress: FakeAddress | null;
  billingAddress: FakeAddress | null;
  note: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  orderId: number | null;
  input: Record<string, unknown>;
};

export type FakeSubscription = {
  id: number;
  /** The GraphQL enum: PRODUCTS_UPDATE, … */
  topic: string;
  uri: string;
  format: string;
  includeFields: string[];
  filter: string | null;
  createdAt: string;
  apiVersion: string;
};

export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED';

export type FakeBulkOperation = {
  id: number;
  type: 'QUERY';
  status: BulkStatus;
  query: string;
  groupObjects: boolean;
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
  /** UnsignedInt64 as a string, like Shopify. */
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  /** How many times it was polled. */
  polls: number;
};

/* ================================================================================================ small helpers */

const DAY = 86_400_000;
export const FAKE_LOCATION_ID = 74_219_880_733;
const SHOP_UTC_OFFSET = '-04:00';
const RATE_LIMIT_DOCS = 'https://shopify.dev/api/usage/rate-limits';

const gid = (type: string, id: number | string) => `gid://shopify/${type}/${id}`;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const nowIso = () => iso(Date.now());
const money = (n: number) => (Math.round(n * 100) / 100).toFixed(2);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
const stripHtml = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** `gid://shopify/Product/123` → {type, id}; null when it is not a Shopify global id. */
function parseGid(v: unknown): { type: string; id: number } | null {
  const m = typeof v === 'string' ? /^gid:\/\/shopify\/(\w+)\/(\d+)(?:\?.*)?$/.exec(v) : null;
  return m ? { type: m[1]!, id: Number(m[2]) } : null;
}

/** A numeric id from a number, a numeric string or a gid. */
function idOf(v: number | string): number {
  if (typeof v === 'number') return v;
  return parseGid(v)?.id ?? Number(v);
}

/** A UTC DateTime rendered the way Admin REST and webhook bodies show it: in the shop's offset. */
function restTime(isoUtc: string, offset = SHOP_UTC_OFFSET): string {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return new Date(Date.parse(isoUtc) + minutes * 60_000).toISOString().slice(0, 19) + offset;
}

/** A later timestamp than `prev`, normally now (so an update always moves `updatedAt` forward). */
function later(prev: string): string {
  return iso(Math.max(Date.now(), Date.parse(prev) + 1000));
}

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

/* ================================================================================================ catalog generator */

const COLORS = [
  'Black',
  'White',
  'Natural',
  'Navy',
  'Heather Grey',
  'Olive',
  'Rust',
  'Sand',
  'Forest',
  'Burgundy',
  'Sky Blue',
  'Charcoal',
];
const APPAREL_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const SHOE_SIZES = ['7', '7.5', '8', '8.5', '9', '9.5', '10', '10.5', '11', '11.5', '12', '13'];

type Axis = { name: string; pool: string[]; mode: 'pick' | 'run' };
type Family = {
  productType: string;
  nouns: string[];
  category: [string, string] | null;
  axes: Axis[];
  price: [number, number];
  grams: [number, number];
  details: string[];
  care: string;
  /** Title adjectives, when the apparel ones would read oddly. */
  adjectives?: string[];
};
const color: Axis = { name: 'Color', pool: COLORS, mode: 'pick' };
const FAMILIES: Family[] = [
  {
    productType: 'T-Shirts',
    nouns: ['Pocket Tee', 'Crewneck Tee', 'Boxy Tee', 'Henley', 'Long Sleeve Tee'],
    category: ['aa-1-13-8', 'Apparel & Accessories > Clothing > Clothing Tops > T-Shirts'],
    axes: [color, { name: 'Size', pool: APPAREL_SIZES, mode: 'run' }],
    price: [28, 68],
    grams: [180, 320],
    details: [
      '100% organic cotton jersey, 220 GSM',
      'Garment-dyed for a soft, lived-in hand',
      'Ribbed crewneck collar that keeps its shape',
      'Double-needle stitched sleeves and hem',
      'Relaxed fit with a slightly dropped shoulder',
      'Pre-shrunk; true to size',
    ],
    care: 'Machine wash cold with like colors. Tumble dry low or hang to dry.',
  },
  {
    productType: 'Sweaters',
    nouns: ['Crew Sweater', 'Cardigan', 'Quarter-Zip', 'Fisherman Sweater'],
    category: ['aa-1-13-12', 'Apparel & Accessories > Clothing > Clothing Tops > Sweaters'],
    axes: [color, { name: 'Size', pool: APPAREL_SIZES, mode: 'run' }],
    price: [78, 198],
    grams: [420, 780],
    details: [
      'Extra-fine merino wool, 12 gauge knit',
      'Fully fashioned shoulders',
      'Ribbed cuffs, hem and collar',
      'Naturally temperature regulating and odor resistant',
      'Knitted in Portugal',
    ],
    care: 'Hand wash cold or dry clean. Lay flat to dry.',
  },
  {
    productType: 'Hoodies',
    nouns: ['Pullover Hoodie', 'Zip Hoodie', 'Fleece Hoodie'],
    category: ['aa-1-13-13', 'Apparel & Accessories > Clothing > Clothing Tops > Hoodies'],
    axes: [color, { name: 'Size', pool: APPAREL_SIZES, mode: 'run' }],
    price: [64, 148],
    grams: [560, 900],
    details: [
      '14 oz loopback French terry',
      'Double-layer hood with flat drawcords',
      'Kangaroo pocket with reinforced seams',
      'Ribbed cuffs and hem with spandex for recovery',
    ],
    care: 'Machine wash cold, inside out. Tumble dry low.',
  },
  {
    productType: 'Pants',
    nouns: ['Chino', 'Carpenter Pant', 'Pleated Trouser', 'Fatigue Pant'],
    category: ['aa-1-12', 'Apparel & Accessories > Clothing > Pants'],
    axes: [color, { name: 'Waist', pool: ['28', '30', '31', '32', '33', '34', '36', '38'], mode: 'run' }],
    price: [88, 168],
    grams: [520, 760],
    details: [
      '10 oz cotton twill with a touch of stretch',
      'Mid rise, tapered leg, 32" inseam',
      'Button fly and YKK hardware',
      'Slant front pockets and welt back pockets',
    ],
    care: 'Machine wash cold. Hang to dry to limit shrinkage.',
  },
  {
    productType: 'Sneakers',
    nouns: ['Court Sneaker', 'Trail Runner', 'Runner', 'Slip-On', 'High-Top'],
    category: ['aa-8-8', 'Apparel & Accessories > Shoes > Sneakers'],
    axes: [color, { name: 'Size', pool: SHOE_SIZES, mode: 'run' }],
    price: [95, 220],
    grams: [780, 1361],
    details: [
      'Full-grain leather upper with suede overlays',
      'Cushioned EVA midsole',
      'Vulcanized natural rubber outsole',
      'Removable cork footbed',
      'Waxed cotton laces, two pairs included',
    ],
    care: 'Wipe clean with a damp cloth. Stuff with paper and air dry away from heat.',
  },
  {
    productType: 'Backpacks',
    nouns: ['Roll-Top Backpack', 'Daypack', 'Commuter Backpack', 'Sling Bag'],
    category: ['lb-1', 'Luggage & Bags > Backpacks'],
    axes: [color],
    price: [68, 240],
    grams: [600, 1400],
    details: [
      'Recycled 600D polyester with a waterproof TPU coating',
      'Padded sleeve fits a 16" laptop',
      'Hidden back pocket for passport and phone',
      'Load lifters and a removable sternum strap',
    ],
    care: 'Spot clean with mild soap and water.',
    adjectives: ['Everyday', 'Recycled', 'Field', 'Harbor', 'Alpine', 'Utility', 'Weekend', 'Waxed Canvas'],
  },
  {
    productType: 'Hats',
    nouns: ['Six-Panel Cap', 'Beanie', 'Bucket Hat', 'Watch Cap'],
    category: ['aa-2-17', 'Apparel & Accessories > Clothing Accessories > Hats'],
    axes: [color, { name: 'Size', pool: ['OS', 'S/M', 'L/XL'], mode: 'run' }],
    price: [28, 58],
    grams: [80, 160],
    details: [
      'Washed cotton canvas crown',
      'Embroidered logo at front',
      'Adjustable strap with antique brass buckle',
      'Sweatband lined with moisture-wicking tape',
    ],
    care: 'Spot clean only.',
  },
  {
    productType: 'Mugs',
    nouns: ['Stoneware Mug', 'Camp Mug', 'Espresso Cup Set', 'Travel Tumbler'],
    category: ['hg-11-10-8', 'Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs'],
    axes: [color],
    price: [18, 48],
    grams: [300, 520],
    details: [
      'Hand-thrown stoneware with a reactive glaze',
      'Holds 12 oz',
      'Each piece varies slightly in color and shape',
      'Lead-free and food safe',
    ],
    care: 'Dishwasher and microwave safe.',
    adjectives: ['Speckled', 'Matte', 'Classic', 'Studio', 'Harbor', 'Everyday', 'Handmade'],
  },
  {
    productType: 'Candles',
    nouns: ['Soy Candle', 'Travel Tin Candle', 'Three-Wick Candle'],
    category: ['hg-3-24-2', 'Home & Garden > Decor > Home Fragrances > Candles'],
    axes: [
      {
        name: 'Scent',
        pool: ['Cedar & Smoke', 'Fig Leaf', 'Sea Salt', 'Amber', 'Black Tea', 'Vetiver'],
        mode: 'pick',
      },
    ],
    price: [24, 72],
    grams: [220, 900],
    details: [
      'Hand-poured soy and coconut wax blend',
      'Cotton wick, lead free',
      'Phthalate-free fragrance oils',
      'Burn time of roughly 50 hours',
    ],
    care: 'Trim the wick to 1/4" before each burn. Never leave a burning candle unattended.',
    adjectives: ['Woodland', 'Coastal', 'Studio', 'Evening', 'Harbor', 'Alpine', 'Classic'],
  },
  {
    productType: 'Skincare',
    nouns: ['Face Serum', 'Daily Moisturizer', 'Cleansing Balm', 'Lip Treatment'],
    category: ['hb-2-5-13', 'Health & Beauty > Personal Care > Cosmetics > Skin Care'],
    axes: [{ name: 'Size', pool: ['15 ml', '30 ml', '50 ml', '100 ml'], mode: 'run' }],
    price: [22, 96],
    grams: [60, 260],
    details: [
      'Niacinamide, squalane and hyaluronic acid',
      'Fragrance free; suitable for sensitive skin',
      'Dermatologist tested',
      'Recyclable glass bottle with a dropper',
    ],
    care: 'Store below 25°C, away from direct sunlight.',
    adjectives: ['Daily', 'Gentle', 'Restoring', 'Hydrating', 'Barrier', 'Overnight', 'Clarifying'],
  },
];
const VENDORS = [
  'Northwind Outfitters',
  'Fjällby',
  'Kiln & Loom',
  'Harbor Supply Co.',
  'Atlas Athletics',
  'Maison Verte',
  'Copperline',
  'Sunday Standard',
  'Ridge & Rye',
  'Oakhaven Home',
];
const ADJECTIVES = [
  'Heavyweight',
  'Garment-Dyed',
  'Everyday',
  'Classic',
  'Relaxed',
  'Vintage Wash',
  'Organic',
  'Recycled',
  'Field',
  'Harbor',
  'Alpine',
  'Studio',
  'Weekend',
  'Utility',
];
const INTROS = [
  (t: string, v: string) =>
    `${v}${v.endsWith('s') ? "'" : "'s"} ${t} is made for everyday use and built to last for years, not seasons.`,
  (t: string) =>
    `Meet the ${t}: a staple we have refined over several seasons, now in our most requested colors.`,
  (t: string) =>
    `Designed in-house and made in small batches, the ${t} pairs clean lines with honest, durable materials.`,
  (t: string, v: string) => `The ${t} from ${v} is the piece you reach for first, whatever the day brings.`,
];
const TAG_POOL = [
  'new-arrival',
  'bestseller',
  'final-sale',
  'restock',
  'core',
  'limited',
  'gift-guide',
  'online-exclusive',
  'sustainable',
  'made-in-usa',
];
const SEASONS = ['SS24', 'FW24', 'SS25', 'FW25'];
const VIEWS = ['front', 'back', 'detail', 'lifestyle', 'flat lay', 'side'];
const GEN_START = Date.parse('2024-01-02T15:00:00Z');
const GEN_END = Date.parse('2025-06-30T22:00:00Z');

/** N realistic products, deterministic for a seed: product i is the same whatever N is. */
export function generateProducts(count: number, seed = 1): FakeProduct[] {
  const handles = new Set<string>();
  return Array.from({ length: count }, (_, i) => generateProduct(i, seed, handles));
}

function generateProduct(i: number, seed: number, handles: Set<string>): FakeProduct {
  const rnd = mulberry32(Math.imul(seed, 1_000_003) + i * 7919 + 17);
  const pick = <T>(arr: readonly T[]): T => arr[Math.floor(rnd() * arr.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pickDistinct = (pool: string[], n: number) => {
    const left = [...pool];
    return Array.from(
      { length: Math.min(n, left.length) },
      () => left.splice(Math.floor(rnd() * left.length), 1)[0]!,
    );
  };

  const fam = pick(FAMILIES);
  const vendor = pick(VENDORS);
  const title = `${pick(fam.adjectives ?? ADJECTIVES)} ${pick(fam.nouns)}`;
  let handle = slugify(title);
  if (handles.has(handle)) {
    let k = 1;
    while (handles.has(`${handle}-${k}`)) k++;
    handle = `${handle}-${k}`;
  }
  handles.add(handle);

  const n = i + 1;
  const id = 8_301_000_000_000 + n * 1_003;
  const created = GEN_START + Math.floor((rnd() * 500 * DAY) / 1000) * 1000;
  const updated = created + Math.floor((rnd() * Math.max(0, GEN_END - created)) / 1000) * 1000;
  const r = rnd();
  const status: ProductStatus = r < 0.05 ? 'DRAFT' : r < 0.1 ? 'ARCHIVED' : 'ACTIVE';

  // Options: Color × Size (or one axis), 1–12 variants; some single-variant products are "Default Title".
  let axes: { name: string; values: string[] }[];
  if (rnd() < 0.12) axes = [{ name: 'Title', values: ['Default Title'] }];
  else if (fam.axes.length === 2) {
    const [a, b] = fam.axes as [Axis, Axis];
    const k = int(1, 3);
    const m = int(1, Math.min(b.pool.length, Math.floor(12 / k)));
    const startAt = int(0, b.pool.length - m);
    axes = [
      { name: a.name, values: pickDistinct(a.pool, k) },
      {
        name: b.name,
        values: b.mode === 'run' ? b.pool.slice(startAt, startAt + m) : pickDistinct(b.pool, m),
      },
    ];
  } else {
    const a = fam.axes[0]!;
    const k = int(1, Math.min(a.pool.length, 8));
    const startAt = int(0, a.pool.length - k);
    axes = [
      {
        name: a.name,
        values: a.mode === 'run' ? a.pool.slice(startAt, startAt + k) : pickDistinct(a.pool, k),
      },
    ];
  }
  const colorAxis = axes.findIndex((a) => a.name === 'Color');
  const colors = colorAxis >= 0 ? axes[colorAxis]!.values : [];

  const imageCount = colors.length ? Math.min(6, Math.max(1, colors.length + int(0, 2))) : int(1, 4);
  const images: FakeImage[] = Array.from({ length: imageCount }, (_, k) => ({
    id: 39_800_000_000_000 + n * 8 + k,
    mediaId: 31_500_000_000_000 + n * 8 + k,
    url: `https://cdn.shopify.com/s/files/1/0611/2468/0123/files/${handle}-${k + 1}.jpg?v=${Math.floor(created / 1000) + k}`,
    altText: rnd() < 0.6 ? `${title} - ${colors[k % Math.max(1, colors.length)] ?? pick(VIEWS)}` : null,
    width: 2000,
    height: rnd() < 0.5 ? 2500 : 2000,
  }));

  const base = int(fam.price[0], fam.price[1]) + (rnd() < 0.3 ? 0.95 : 0);
  const onSale = rnd() < 0.2;
  const policy: FakeVariant['inventoryPolicy'] = rnd() < 0.1 ? 'CONTINUE' : 'DENY';
  const grams = int(fam.grams[0], fam.grams[1]);
  const vendorCode = vendor
    .replace(/[^A-Za-z]/g, '')
    .slice(0, 3)
    .toUpperCase();

  const combos: string[][] = axes.reduce<string[][]>(
    (acc, axis) => acc.flatMap((prefix) => axis.values.map((v) => [...prefix, v])),
    [[]],
  );
  const variants: FakeVariant[] = combos.map((values, j) => {
    const premium = values.some((v) => v === 'XXL' || v === '13' || v === '38' || v === '100 ml') ? 5 : 0;
    const price = base + premium;
    const colorIdx = colorAxis >= 0 ? colors.indexOf(values[colorAxis]!) : -1;
    const qty = rnd() < 0.15 ? 0 : int(1, 60);
    return {
      id: 45_700_000_000_000 + n * 16 + j,
      title: values.join(' / '),
      sku: [
        vendorCode,
        String(n).padStart(5, '0'),
        ...values.map((v) => v.replace(/[^A-Za-z0-9.]/g, '').slice(0, 4)),
      ]
        .join('-')
        .toUpperCase(),
      barcode: rnd() < 0.8 ? String(400_000_000_000 + n * 16 + j) : null,
      price: money(price),
      compareAtPrice: onSale ? money(Math.round(price * 1.3)) : null,
      position: j + 1,
      inventoryQuantity: qty,
      inventoryItemId: 47_900_000_000_000 + n * 16 + j,
      inventoryPolicy: policy,
      taxable: fam.productType !== 'Gift Cards',
      grams,
      selectedOptions: axes.map((a, k) => ({ name: a.name, value: values[k]! })),
      imageId: colorIdx >= 0 ? images[colorIdx % images.length]!.id : null,
      createdAt: iso(created),
      updatedAt: iso(updated),
    };
  });

  const details = pickDistinct(fam.details, int(3, 4));
  const descriptionHtml = [
    `<p>${pick(INTROS)(title, vendor)}</p>`,
    '<ul>',
    ...details.map((d) => `<li>${d}</li>`),
    '</ul>',
    `<p><strong>Care:</strong> ${fam.care}</p>`,
  ].join('\n');

  const tags = [
    ...new Set([
      pick(SEASONS),
      ...pickDistinct(TAG_POOL, int(1, 5)),
      slugify(fam.productType),
      ...(rnd() < 0.3 ? [slugify(vendor)] : []),
    ]),
  ].sort();

  return {
    id,
    title,
    handle,
    descriptionHtml,
    vendor,
    productType: fam.productType,
    status,
    tags,
    createdAt: iso(created),
    updatedAt: iso(updated),
    publishedAt: status === 'DRAFT' ? null : iso(created + 3_600_000),
    templateSuffix: null,
    category:
      fam.category && rnd() < 0.8
        ? {
            id: gid('TaxonomyCategory', fam.category[0]),
            name: fam.category[1].split(' > ').at(-1)!,
            fullName: fam.category[1],
          }
        : null,
    options: axes.map((a, k) => ({ id: 10_400_000_000_000 + n * 4 + k, name: a.name, values: a.values })),
    images,
    variants,
  };
}

/** What `makeProduct` takes: any product fields, variants and images given partially. */
export type ProductInit = Partial<Omit<FakeProduct, 'variants' | 'images' | 'options'>> & {
  variants?: Partial<FakeVariant>[];
  images?: Partial<FakeImage>[];
  options?: (Partial<FakeProductOption> & { name: string; values: string[] })[];
};

let manualSeq = 0;

/** A complete product from a few fields (ids, handle, variant, image and options are filled in). */
export function makeProduct(init: ProductInit = {}): FakeProduct {
  const n = ++manualSeq;
  const title = init.title ?? `Test Product ${n}`;
  const handle = init.handle ?? slugify(title);
  const createdAt = init.createdAt ?? '2025-01-15T10:00:00Z';
  const updatedAt = init.updatedAt ?? createdAt;
  const status = init.status ?? 'ACTIVE';
  const images = (init.images ?? [{}]).map((im, k): FakeImage => ({
    id: im.id ?? 40_100_000_000_000 + n * 64 + k,
    mediaId: im.mediaId ?? 32_100_000_000_000 + n * 64 + k,
    url:
      im.url ?? `https://cdn.shopify.com/s/files/1/0611/2468/0123/files/${handle}-${k + 1}.jpg?v=1736935200`,
    altText: im.altText ?? null,
    width: im.width ?? 2000,
    height: im.height ?? 2000,
  }));
  const vInit = init.variants ?? [{}];
  const variants = vInit.map((v, j): FakeVariant => {
    const vt = v.title ?? (vInit.length === 1 ? 'Default Title' : `Variant ${j + 1}`);
    return {
      id: v.id ?? 46_100_000_000_000 + n * 1024 + j,
      title: vt,
      sku: v.sku ?? `TEST-${n}-${j + 1}`,
      barcode: v.barcode ?? null,
      price: v.price ?? '25.00',
      compareAtPrice: v.compareAtPrice ?? null,
      position: v.position ?? j + 1,
      inventoryQuantity: v.inventoryQuantity ?? 10,
      inventoryItemId: v.inventoryItemId ?? 48_100_000_000_000 + n * 1024 + j,
      inventoryPolicy: v.inventoryPolicy ?? 'DENY',
      taxable: v.taxable ?? true,
      grams: v.grams ?? 250,
      selectedOptions: v.selectedOptions ?? [{ name: 'Title', value: vt }],
      imageId: v.imageId ?? null,
      createdAt: v.createdAt ?? createdAt,
      updatedAt: v.updatedAt ?? updatedAt,
    };
  });
  const options =
    init.options?.map((o, k) => ({
      id: o.id ?? 10_900_000_000_000 + n * 8 + k,
      name: o.name,
      values: o.values,
    })) ??
    (variants[0]?.selectedOptions ?? []).map((so, k) => ({
      id: 10_900_000_000_000 + n * 8 + k,
      name: so.name,
      values: [...new Set(variants.map((v) => v.selectedOptions[k]?.value ?? ''))],
    }));
  return {
    id: init.id ?? 9_100_000_000_000 + n * 1_009,
    title,
    handle,
    descriptionHtml: init.descriptionHtml ?? `<p>${title}</p>`,
    vendor: init.vendor ?? 'Aisle Test Vendor',
    productType: init.productType ?? '',
    status,
    tags: [...(init.tags ?? [])].sort(),
    createdAt,
    updatedAt,
    publishedAt: init.publishedAt !== undefined ? init.publishedAt : status === 'ACTIVE' ? createdAt : null,
    templateSuffix: init.templateSuffix ?? null,
    category: init.category ?? null,
    options,
    images,
    variants,
  };
}

/* ================================================================================================ REST renderings */

/** The Admin REST product (the `products/create` / `products/update` webhook body), as in the 2025-07 fixture. */
export function toRestProduct(p: FakeProduct, opts: { utcOffset?: string; currency?: string } = {}) {
  const offset = opts.utcOffset ?? SHOP_UTC_OFFSET;
  const currency = opts.currency ?? 'USD';
  const t = (s: string | null) => (s ? restTime(s, offset) : null);
  const images = p.images.map((img, k) => ({
    id: img.id,
    alt: img.altText,
    position: k + 1,
    product_id: p.id,
    created_at: t(p.createdAt),
    updated_at: t(p.updatedAt),
    admin_graphql_api_id: gid('MediaImage', img.mediaId),
    width: img.width,
    height: img.height,
    src: img.url,
    variant_ids: p.variants.filter((v) => v.imageId === img.id).map((v) => v.id),
  }));
  return {
    id: p.id,
    title: p.title,
    body_html: p.descriptionHtml,
    vendor: p.vendor,
    product_type: p.productType,
    created_at: t(p.createdAt),
    handle: p.handle,
    updated_at: t(p.updatedAt),
    published_at: t(p.publishedAt),
    template_suffix: p.templateSuffix,
    published_scope: 'global',
    tags: p.tags.join(', '),
    status: p.status.toLowerCase(),
    admin_graphql_api_id: gid('Product', p.id),
    variants: p.variants.map((v) => ({
      id: v.id,
      product_id: p.id,
      title: v.title,
      price: v.price,
      position: v.position,
      inventory_policy: v.inventoryPolicy.toLowerCase(),
      compare_at_price: v.compareAtPrice,
      option1: v.selectedOptions[0]?.value ?? null,
      option2: v.selectedOptions[1]?.value ?? null,
      option3: v.selectedOptions[2]?.value ?? null,
      created_at: t(v.createdAt),
      updated_at: t(v.updatedAt),
      taxable: v.taxable,
      barcode: v.barcode,
      fulfillment_service: 'manual',
      grams: v.grams,
      inventory_management: 'shopify',
      requires_shipping: true,
      sku: v.sku,
      weight: Math.round(v.grams / 10) / 100,
      weight_unit: 'kg',
      inventory_item_id: v.inventoryItemId,
      inventory_quantity: v.inventoryQuantity,
      old_inventory_quantity: v.inventoryQuantity,
      presentment_prices: [
        {
          price: { amount: v.price, currency_code: currency },
          compare_at_price: v.compareAtPrice ? { amount: v.compareAtPrice, currency_code: currency } : null,
        },
      ],
      admin_graphql_api_id: gid('ProductVariant', v.id),
      image_id: v.imageId,
    })),
    options: p.options.map((o, k) => ({
      id: o.id,
      product_id: p.id,
      name: o.name,
      position: k + 1,
      values: o.values,
    })),
    images,
    image: images[0] ?? null,
  };
}

/** The REST InventoryLevel (the `inventory_levels/update` webhook body). */
export function inventoryLevel(
  item: FakeVariant | { inventoryItemId: number } | number,
  opts: { available?: number; locationId?: number; updatedAt?: string; utcOffset?: string } = {},
) {
  const itemId = typeof item === 'number' ? item : item.inventoryItemId;
  const available =
    opts.available ?? (typeof item === 'object' && 'inventoryQuantity' in item ? item.inventoryQuantity : 0);
  const locationId = opts.locationId ?? FAKE_LOCATION_ID;
  return {
    inventory_item_id: itemId,
    location_id: locationId,
    available,
    updated_at: restTime(opts.updatedAt ?? nowIso(), opts.utcOffset ?? SHOP_UTC_OFFSET),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${locationId}?inventory_item_id=${itemId}`,
  };
}

const snakeAddress = (a: FakeAddress | null) =>
  a && {
    first_name: a.firstName ?? null,
    last_name: a.lastName ?? null,
    name: a.name ?? null,
    company: a.company ?? null,
    address1: a.address1 ?? null,
    address2: a.address2 ?? null,
    city: a.city ?? null,
    province: a.province ?? null,
    province_code: a.provinceCode ?? null,
    zip: a.zip ?? null,
    country: a.country ?? null,
    country_code: a.countryCodeV2 ?? null,
    phone: a.phone ?? null,
  };

const restLine = (li: FakeOrderLine, fulfilled: boolean) => ({
  id: li.id,
  admin_graphql_api_id: gid('LineItem', li.id),
  variant_id: li.variantId,
  product_id: li.productId,
  title: li.title,
  variant_title: li.variantTitle,
  name: li.variantTitle ? `${li.title} - ${li.variantTitle}` : li.title,
  sku: li.sku,
  quantity: li.quantity,
  price: li.price,
  requires_shipping: li.requiresShipping,
  fulfillment_status: fulfilled ? 'fulfilled' : null,
});

const orderTotals = (o: { lineItems: FakeOrderLine[]; shippingLines?: { price: string }[] }) => {
  const subtotal = o.lineItems.reduce((s, li) => s + Number(li.price) * li.quantity, 0);
  const shipping = (o.shippingLines ?? []).reduce((s, l) => s + Number(l.price), 0);
  return { subtotal, shipping, total: subtotal + shipping };
};

/** The Admin REST order (the `orders/create`, `orders/updated`, `orders/cancelled` webhook body), abridged. */
export function toRestOrder(o: FakeOrder, opts: { utcOffset?: string } = {}) {
  const t = (s: string | null) => (s ? restTime(s, opts.utcOffset) : null);
  const totals = orderTotals(o);
  return {
    id: o.id,
    admin_graphql_api_id: gid('Order', o.id),
    name: o.name,
    order_number: o.orderNumber,
    email: o.email,
    phone: o.phone,
    created_at: t(o.createdAt),
    updated_at: t(o.updatedAt),
    processed_at: t(o.processedAt),
    cancelled_at: t(o.cancelledAt),
    currency: o.currency,
    financial_status: o.financialStatus.toLowerCase(),
    fulfillment_status: o.fulfillmentStatus === 'FULFILLED' ? 'fulfilled' : null,
    subtotal_price: money(totals.subtotal),
    total_price: money(totals.total),
    tags: o.tags.join(', '),
    note: o.note,
    note_attributes: o.customAttributes.map((a) => ({ name: a.key, value: a.value })),
    source_name: o.sourceName,
    source_identifier: o.sourceIdentifier,
    test: o.test,
    line_items: o.lineItems.map((li) => restLine(li, o.fulfillmentStatus === 'FULFILLED')),
    shipping_lines: o.shippingLines.map((l) => ({ title: l.title, price: l.price })),
    shipping_address: snakeAddress(o.shippingAddress),
    billing_address: snakeAddress(o.billingAddress),
    fulfillments: o.fulfillments.map((f) => toRestFulfillment(o, f, opts)),
  };
}

/** The Admin REST fulfillment (the `fulfillments/create` / `fulfillments/update` webhook body). */
export function toRestFulfillment(o: FakeOrder, f: FakeFulfillment, opts: { utcOffset?: string } = {}) {
  const t = (s: string) => restTime(s, opts.utcOffset);
  return {
    id: f.id,
    admin_graphql_api_id: gid('Fulfillment', f.id),
    order_id: o.id,
    status: f.status.toLowerCase(),
    created_at: t(f.createdAt),
    updated_at: t(f.createdAt),
    service: 'manual',
    shipment_status: null,
    location_id: FAKE_LOCATION_ID,
    origin_address: null,
    tracking_company: f.trackingCompany,
    tracking_number: f.trackingNumber,
    tracking_numbers: f.trackingNumber ? [f.trackingNumber] : [],
    tracking_url: f.trackingUrl,
    tracking_urls: f.trackingUrl ? [f.trackingUrl] : [],
    receipt: {},
    name: `${o.name}.${o.fulfillments.indexOf(f) + 1}`,
    line_items: o.lineItems.filter((li) => f.lineItemIds.includes(li.id)).map((li) => restLine(li, true)),
  };
}

/* ================================================================================================ GraphQL: parser */

type Loc = { line: number; column: number };
type GqlErrorJson = {
  message: string;
  locations?: Loc[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
};

class GqlError extends Error {
  constructor(
    message: string,
    readonly extra: Omit<GqlErrorJson, 'message'> = {},
  ) {
    super(message);
  }
  toJSON(): GqlErrorJson {
    return { message: this.message, ...this.extra };
  }
}

type ValueNode =
  | { kind: 'var'; name: string }
  | { kind: 'const'; value: unknown }
  | { kind: 'list'; items: ValueNode[] }
  | { kind: 'obj'; fields: [string, ValueNode][] };
type Directive = { name: string; args: Record<string, ValueNode> };
type FieldNode = {
  kind: 'field';
  alias: string | null;
  name: string;
  args: Record<string, ValueNode>;
  dirs: Directive[];
  sel: Sel[] | null;
  loc: Loc;
};
type Sel =
  | FieldNode
  | { kind: 'spread'; name: string; dirs: Directive[]; loc: Loc }
  | { kind: 'inline'; on: string | null; dirs: Directive[]; sel: Sel[]; loc: Loc };
type VarDef = { name: string; type: string; def: ValueNode | null; loc: Loc };
type OperationNode = {
  op: 'query' | 'mutation' | 'subscription';
  name: string | null;
  vars: VarDef[];
  sel: Sel[];
};
type Frags = Map<string, { on: string; sel: Sel[] }>;
type DocNode = { ops: OperationNode[]; frags: Frags };
type Vars = Record<string, unknown>;
type Args = Record<string, unknown>;

type Tok = { k: 'p' | 'name' | 'int' | 'float' | 'str' | 'eof'; v: string; line: number; col: number };
const NAME_RE = /[_A-Za-z][_0-9A-Za-z]*/y;
const NUM_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '"': '"',
  '\\': '\\',
  '/': '/',
};

function blockString(raw: string): string {
  const lines = raw.split(/\r\n|\n|\r/);
  let indent = Infinity;
  for (const l of lines.slice(1)) {
    const m = /^[ \t]*/.exec(l)![0].length;
    if (m < l.length) indent = Math.min(indent, m);
  }
  const out = lines.map((l, i) => (i === 0 || indent === Infinity ? l : l.slice(indent)));
  while (out.length && !out[0]!.trim()) out.shift();
  while (out.length && !out.at(-1)!.trim()) out.pop();
  return out.join('\n');
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = () => ({ line, column: i - lineStart + 1 });
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === ',' || c === '\ufeff') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (src.startsWith('...', i)) {
      out.push({ k: 'p', v: '...', line, col });
      i += 3;
      continue;
    }
    if ('!$&()[]{}:=@|'.includes(c)) {
      out.push({ k: 'p', v: c, line, col });
      i++;
      continue;
    }
    NAME_RE.lastIndex = i;
    const name = NAME_RE.exec(src);
    if (name) {
      out.push({ k: 'name', v: name[0], line, col });
      i += name[0].length;
      continue;
    }
    NUM_RE.lastIndex = i;
    const n = NUM_RE.exec(src);
    if (n) {
      out.push({ k: n[1] || n[2] ? 'float' : 'int', v: n[0], line, col });
      i += n[0].length;
      continue;
    }
    if (src.startsWith('"""', i)) {
      const at = { line, col };
      let j = i + 3;
      let raw = '';
      for (;;) {
        if (j >= src.length) throw new GqlError('Unterminated string', { locations: [here()] });
        if (src.startsWith('\\"""', j)) {
          raw += '"""';
          j += 4;
          continue;
        }
        if (src.startsWith('"""', j)) break;
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
        raw += src[j];
        j++;
      }
      out.push({ k: 'str', v: blockString(raw), line: at.line, col: at.col });
      i = j + 3;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      for (;;) {
        const d = src[j];
        if (d === undefined || d === '\n') throw new GqlError('Unterminated string', { locations: [here()] });
        if (d === '"') break;
        if (d === '\\') {
          const e = src[j + 1] ?? '';
          if (e === 'u') {
            s += String.fromCharCode(parseInt(src.slice(j + 2, j + 6), 16));
            j += 6;
          } else {
            s += ESCAPES[e] ?? e;
            j += 2;
          }
          continue;
        }
        s += d;
        j++;
      }
      out.push({ k: 'str', v: s, line, col });
      i = j + 1;
      continue;
    }
    throw new GqlError(`Parse error on "${c}" (error) at [${line}, ${col}]`, {
      locations: [{ line, column: col }],
    });
  }
  out.push({ k: 'eof', v: '', line, col: i - lineStart + 1 });
  return out;
}

const TOKEN_NAMES: Record<string, string> = {
  '{': 'LCURLY',
  '}': 'RCURLY',
  '(': 'LPAREN',
  ')': 'RPAREN',
  '[': 'LBRACKET',
  ']': 'RBRACKET',
  ':': 'COLON',
  '!': 'BANG',
  $: 'VAR_SIGN',
  '=': 'EQUALS',
  '@': 'DIR_SIGN',
  '|': 'PIPE',
  '...': 'ELLIPSIS',
  '&': 'AMP',
};

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private get t(): Tok {
    return this.toks[this.i] ?? this.toks[this.toks.length - 1]!;
  }
  private loc(): Loc {
    return { line: this.t.line, column: this.t.col };
  }
  private fail(t: Tok = this.t): never {
    if (t.k === 'eof') throw new GqlError('Unexpected end of document', { locations: [] });
    const kind =
      t.k === 'p'
        ? TOKEN_NAMES[t.v]
        : t.k === 'name'
          ? 'IDENTIFIER'
          : t.k === 'str'
            ? 'STRING'
            : t.k.toUpperCase();
    throw new GqlError(`Parse error on ${JSON.stringify(t.v)} (${kind}) at [${t.line}, ${t.col}]`, {
      locations: [{ line: t.line, column: t.col }],
    });
  }
  private is(v: string): boolean {
    return this.t.k === 'p' && this.t.v === v;
  }
  private eat(v: string): void {
    if (!this.is(v)) this.fail();
    this.i++;
  }
  private name(): string {
    if (this.t.k !== 'name') this.fail();
    return this.toks[this.i++]!.v;
  }
  private keyword(v: string): void {
    if (this.t.k !== 'name' || this.t.v !== v) this.fail();
    this.i++;
  }

  document(): DocNode {
    const doc: DocNode = { ops: [], frags: new Map() };
    while (this.t.k !== 'eof') {
      if (this.is('{')) {
        doc.ops.push({ op: 'query', name: null, vars: [], sel: this.selectionSet() });
        continue;
      }
      if (this.t.k !== 'name') this.fail();
      const kw = this.t.v;
      if (kw === 'fragment') {
        this.i++;
        const name = this.name();
        this.keyword('on');
        const on = this.name();
        this.directives();
        doc.frags.set(name, { on, sel: this.selectionSet() });
      } else if (kw === 'query' || kw === 'mutation' || kw === 'subscription') {
        this.i++;
        const name = this.t.k === 'name' ? this.name() : null;
        const vars = this.is('(') ? this.varDefs() : [];
        this.directives();
        doc.ops.push({ op: kw, name, vars, sel: this.selectionSet() });
      } else this.fail();
    }
    return doc;
  }
  private varDefs(): VarDef[] {
    this.eat('(');
    const out: VarDef[] = [];
    while (!this.is(')')) {
      const loc = this.loc();
      this.eat('$');
      const name = this.name();
      this.eat(':');
      const type = this.type();
      let def: ValueNode | null = null;
      if (this.is('=')) {
        this.i++;
        def = this.value();
      }
      this.directives();
      out.push({ name, type, def, loc });
    }
    this.eat(')');
    return out;
  }
  private type(): string {
    let s: string;
    if (this.is('[')) {
      this.i++;
      s = `[${this.type()}]`;
      this.eat(']');
    } else s = this.name();
    if (this.is('!')) {
      this.i++;
      s += '!';
    }
    return s;
  }
  private selectionSet(): Sel[] {
    this.eat('{');
    const sel: Sel[] = [];
    while (!this.is('}')) {
      if (this.t.k === 'eof') this.fail();
      sel.push(this.selection());
    }
    if (!sel.length) this.fail();
    this.eat('}');
    return sel;
  }
  private selection(): Sel {
    const loc = this.loc();
    if (this.is('...')) {
      this.i++;
      if (this.t.k === 'name' && this.t.v === 'on') {
        this.i++;
        const on = this.name();
        const dirs = this.directives();
        return { kind: 'inline', on, dirs, sel: this.selectionSet(), loc };
      }
      if (this.t.k === 'name') {
        const name = this.name();
        return { kind: 'spread', name, dirs: this.directives(), loc };
      }
      const dirs = this.directives();
      return { kind: 'inline', on: null, dirs, sel: this.selectionSet(), loc };
    }
    let alias: string | null = null;
    let name = this.name();
    if (this.is(':')) {
      this.i++;
      alias = name;
      name = this.name();
    }
    const args = this.is('(') ? this.arguments() : {};
    const dirs = this.directives();
    const sel = this.is('{') ? this.selectionSet() : null;
    return { kind: 'field', alias, name, args, dirs, sel, loc };
  }
  private arguments(): Record<string, ValueNode> {
    this.eat('(');
    const out: Record<string, ValueNode> = {};
    if (this.is(')')) this.fail();
    while (!this.is(')')) {
      const n = this.name();
      this.eat(':');
      out[n] = this.value();
    }
    this.eat(')');
    return out;
  }
  private directives(): Directive[] {
    const out: Directive[] = [];
    while (this.is('@')) {
      this.i++;
      const name = this.name();
      out.push({ name, args: this.is('(') ? this.arguments() : {} });
    }
    return out;
  }
  private value(): ValueNode {
    const t = this.t;
    if (this.is('$')) {
      this.i++;
      return { kind: 'var', name: this.name() };
    }
    if (this.is('[')) {
      this.i++;
      const items: ValueNode[] = [];
      while (!this.is(']')) {
        if (this.t.k === 'eof') this.fail();
        items.push(this.value());
      }
      this.i++;
      return { kind: 'list', items };
    }
    if (this.is('{')) {
      this.i++;
      const fields: [string, ValueNode][] = [];
      while (!this.is('}')) {
        const n = this.name();
        this.eat(':');
        fields.push([n, this.value()]);
      }
      this.i++;
      return { kind: 'obj', fields };
    }
    if (t.k === 'int' || t.k === 'float') {
      this.i++;
      return { kind: 'const', value: Number(t.v) };
    }
    if (t.k === 'str') {
      this.i++;
      return { kind: 'const', value: t.v };
    }
    if (t.k === 'name') {
      this.i++;
      return {
        kind: 'const',
        value: t.v === 'true' ? true : t.v === 'false' ? false : t.v === 'null' ? null : t.v,
      };
    }
    return this.fail();
  }
}

function parseDocument(src: string): DocNode {
  return new Parser(lex(src)).document();
}

function resolveValue(v: ValueNode, vars: Vars): unknown {
  switch (v.kind) {
    case 'var':
      return vars[v.name];
    case 'const':
      return v.value;
    case 'list':
      return v.items.map((x) => resolveValue(x, vars));
    case 'obj':
      return Object.fromEntries(v.fields.map(([k, x]) => [k, resolveValue(x, vars)]));
  }
}

function resolveArgs(args: Record<string, ValueNode>, vars: Vars): Args {
  const out: Args = {};
  for (const [k, v] of Object.entries(args)) {
    const value = resolveValue(v, vars);
    if (value !== undefined) out[k] = value;
  }
  return out;
}

/* ================================================================================================ GraphQL: schema */

// The part of the Admin schema the fake serves. Types ending in Connection / Edge are derived from their node type.
const SCHEMA: Record<string, Record<string, string>> = {
  QueryRoot: {
    products: 'ProductConnection!',
    productsCount: 'Count',
    product: 'Product',
    productByIdentifier: 'Product',
    productVariants: 'ProductVariantConnection!',
    productVariant: 'ProductVariant',
    node: 'Node',
    nodes: '[Node]!',
    shop: 'Shop!',
    currentBulkOperation: 'BulkOperation',
    bulkOperation: 'BulkOperation',
    webhookSubscriptions: 'WebhookSubscriptionConnection!',
    webhookSubscription: 'WebhookSubscription',
    order: 'Order',
    orders: 'OrderConnection!',
    draftOrder: 'DraftOrder',
    locations: 'LocationConnection!',
    location: 'Location',
    inventoryItem: 'InventoryItem',
  },
  Mutation: {
    bulkOperationRunQuery: 'BulkOperationRunQueryPayload',
    bulkOperationCancel: 'BulkOperationCancelPayload',
    orderCreate: 'OrderCreatePayload',
    draftOrderCreate: 'DraftOrderCreatePayload',
    draftOrderComplete: 'DraftOrderCompletePayload',
    webhookSubscriptionCreate: 'WebhookSubscriptionCreatePayload',
    webhookSubscriptionDelete: 'WebhookSubscriptionDeletePayload',
  },
  PageInfo: {
    hasNextPage: 'Boolean!',
    hasPreviousPage: 'Boolean!',
    startCursor: 'String',
    endCursor: 'String',
  },
  Count: { count: 'Int!', precision: 'CountPrecision!' },
  Shop: {
    id: 'ID!',
    name: 'String!',
    email: 'String!',
    contactEmail: 'String!',
    myshopifyDomain: 'String!',
    url: 'URL!',
    currencyCode: 'CurrencyCode!',
    enabledPresentmentCurrencies: '[CurrencyCode!]!',
    ianaTimezone: 'String!',
    timezoneOffset: 'String!',
    weightUnit: 'WeightUnit!',
    primaryDomain: 'Domain!',
    plan: 'ShopPlan!',
  },
  Domain: { id: 'ID!', host: 'String!', url: 'URL!', sslEnabled: 'Boolean!' },
  ShopPlan: { displayName: 'String!', partnerDevelopment: 'Boolean!', shopifyPlus: 'Boolean!' },
  Product: {
    id: 'ID!',
    legacyResourceId: 'UnsignedInt64!',
    title: 'String!',
    handle: 'String!',
    description: 'String!',
    descriptionHtml: 'HTML!',
    vendor: 'String!',
    productType: 'String!',
    status: 'ProductStatus!',
    tags: '[String!]!',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
    publishedAt: 'DateTime',
    templateSuffix: 'String',
    onlineStoreUrl: 'URL',
    onlineStorePreviewUrl: 'URL',
    totalInventory: 'Int!',
    tracksInventory: 'Boolean!',
    hasOnlyDefaultVariant: 'Boolean!',
    hasOutOfStockVariants: 'Boolean!',
    isGiftCard: 'Boolean!',
    requiresSellingPlan: 'Boolean!',
    category: 'TaxonomyCategory',
    options: '[ProductOption!]!',
    featuredImage: 'Image',
    featuredMedia: 'Media',
    images: 'ImageConnection!',
    media: 'MediaConnection!',
    variants: 'ProductVariantConnection!',
    variantsCount: 'Count',
    priceRangeV2: 'ProductPriceRangeV2!',
    priceRange: 'ProductPriceRangeV2!',
    compareAtPriceRange: 'ProductCompareAtPriceRange',
    seo: 'SEO!',
    metafields: 'MetafieldConnection!',
    metafield: 'Metafield',
  },
  TaxonomyCategory: { id: 'ID!', name: 'String!', fullName: 'String!', isLeaf: 'Boolean!' },
  ProductOption: {
    id: 'ID!',
    name: 'String!',
    position: 'Int!',
    values: '[String!]!',
    optionValues: '[ProductOptionValue!]!',
  },
  ProductOptionValue: { id: 'ID!', name: 'String!', hasVariants: 'Boolean!' },
  SelectedOption: { name: 'String!', value: 'String!' },
  Image: { id: 'ID', url: 'URL!', altText: 'String', width: 'Int', height: 'Int' },
  MediaImage: {
    id: 'ID!',
    alt: 'String',
    mediaContentType: 'MediaContentType!',
    status: 'MediaStatus!',
    image: 'Image',
    preview: 'MediaPreviewImage',
  },
  MediaPreviewImage: { image: 'Image', status: 'MediaPreviewImageStatus!' },
  ProductVariant: {
    id: 'ID!',
    legacyResourceId: 'UnsignedInt64!',
    title: 'String!',
    displayName: 'String!',
    sku: 'String',
    barcode: 'String',
    price: 'Money!',
    compareAtPrice: 'Money',
    position: 'Int!',
    inventoryQuantity: 'Int',
    sellableOnlineQuantity: 'Int!',
    availableForSale: 'Boolean!',
    inventoryPolicy: 'ProductVariantInventoryPolicy!',
    taxable: 'Boolean!',
    selectedOptions: '[SelectedOption!]!',
    image: 'Image',
    media: 'MediaConnection!',
    inventoryItem: 'InventoryItem!',
    product: 'Product!',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
  },
  InventoryItem: {
    id: 'ID!',
    legacyResourceId: 'UnsignedInt64!',
    sku: 'String',
    tracked: 'Boolean!',
    requiresShipping: 'Boolean!',
    measurement: 'InventoryItemMeasurement!',
    inventoryLevels: 'InventoryLevelConnection!',
    inventoryLevel: 'InventoryLevel',
    variant: 'ProductVariant!',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
  },
  InventoryItemMeasurement: { weight: 'Weight' },
  Weight: { unit: 'WeightUnit!', value: 'Float!' },
  InventoryLevel: {
    id: 'ID!',
    location: 'Location!',
    item: 'InventoryItem!',
    quantities: '[InventoryQuantity!]!',
    updatedAt: 'DateTime!',
  },
  InventoryQuantity: { name: 'String!', quantity: 'Int!' },
  Location: { id: 'ID!', legacyResourceId: 'UnsignedInt64!', name: 'String!', isActive: 'Boolean!' },
  MoneyV2: { amount: 'Decimal!', currencyCode: 'CurrencyCode!' },
  MoneyBag: { shopMoney: 'MoneyV2!', presentmentMoney: 'MoneyV2!' },
  ProductPriceRangeV2: { minVariantPrice: 'MoneyV2!', maxVariantPrice: 'MoneyV2!' },
  ProductCompareAtPriceRange: { minVariantCompareAtPrice: 'MoneyV2!', maxVariantCompareAtPrice: 'MoneyV2!' },
  SEO: { title: 'String', description: 'String' },
  Metafield: { id: 'ID!', namespace: 'String!', key: 'String!', value: 'String!', type: 'String!' },
  BulkOperation: {
    id: 'ID!',
    type: 'BulkOperationType!',
    status: 'BulkOperationStatus!',
    errorCode: 'BulkOperationErrorCode',
    createdAt: 'DateTime!',
    completedAt: 'DateTime',
    objectCount: 'UnsignedInt64!',
    rootObjectCount: 'UnsignedInt64!',
    fileSize: 'UnsignedInt64',
    url: 'URL',
    partialDataUrl: 'URL',
    query: 'String!',
  },
  BulkOperationRunQueryPayload: { bulkOperation: 'BulkOperation', userErrors: '[BulkOperationUserError!]!' },
  BulkOperationCancelPayload: { bulkOperation: 'BulkOperation', userErrors: '[BulkOperationUserError!]!' },
  BulkOperationUserError: { field: '[String!]', message: 'String!', code: 'BulkOperationUserErrorCode' },
  UserError: { field: '[String!]', message: 'String!' },
  OrderCreateUserError: { field: '[String!]', message: 'String!', code: 'OrderCreateUserErrorCode' },
  OrderCreatePayload: { order: 'Order', userErrors: '[OrderCreateUserError!]!' },
  DraftOrderCreatePayload: { draftOrder: 'DraftOrder', userErrors: '[UserError!]!' },
  DraftOrderCompletePayload: { draftOrder: 'DraftOrder', userErrors: '[UserError!]!' },
  WebhookSubscriptionCreatePayload: {
    webhookSubscription: 'WebhookSubscription',
    userErrors: '[UserError!]!',
  },
  WebhookSubscriptionDeletePayload: { deletedWebhookSubscriptionId: 'ID', userErrors: '[UserError!]!' },
  Order: {
    id: 'ID!',
    legacyResourceId: 'UnsignedInt64!',
    name: 'String!',
    email: 'String',
    phone: 'String',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
    processedAt: 'DateTime!',
    cancelledAt: 'DateTime',
    closed: 'Boolean!',
    test: 'Boolean!',
    currencyCode: 'CurrencyCode!',
    displayFinancialStatus: 'OrderDisplayFinancialStatus',
    displayFulfillmentStatus: 'OrderDisplayFulfillmentStatus!',
    totalPriceSet: 'MoneyBag!',
    subtotalPriceSet: 'MoneyBag',
    currentTotalPriceSet: 'MoneyBag!',
    lineItems: 'LineItemConnection!',
    tags: '[String!]!',
    note: 'String',
    sourceName: 'String',
    sourceIdentifier: 'String',
    shippingAddress: 'MailingAddress',
    billingAddress: 'MailingAddress',
    customAttributes: '[Attribute!]!',
    fulfillments: '[Fulfillment!]!',
  },
  LineItem: {
    id: 'ID!',
    title: 'String!',
    name: 'String!',
    variantTitle: 'String',
    sku: 'String',
    quantity: 'Int!',
    currentQuantity: 'Int!',
    requiresShipping: 'Boolean!',
    variant: 'ProductVariant',
    product: 'Product',
    originalUnitPriceSet: 'MoneyBag!',
    discountedUnitPriceSet: 'MoneyBag!',
  },
  DraftOrder: {
    id: 'ID!',
    legacyResourceId: 'UnsignedInt64!',
    name: 'String!',
    status: 'DraftOrderStatus!',
    email: 'String',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
    completedAt: 'DateTime',
    invoiceUrl: 'URL',
    order: 'Order',
    lineItems: 'DraftOrderLineItemConnection!',
    totalPriceSet: 'MoneyBag!',
    subtotalPriceSet: 'MoneyBag!',
    tags: '[String!]!',
    note2: 'String',
    shippingAddress: 'MailingAddress',
  },
  DraftOrderLineItem: {
    id: 'ID!',
    title: 'String!',
    name: 'String!',
    variantTitle: 'String',
    sku: 'String',
    quantity: 'Int!',
    variant: 'ProductVariant',
    product: 'Product',
    originalUnitPriceSet: 'MoneyBag!',
  },
  MailingAddress: {
    firstName: 'String',
    lastName: 'String',
    name: 'String',
    company: 'String',
    address1: 'String',
    address2: 'String',
    city: 'String',
    province: 'String',
    provinceCode: 'String',
    zip: 'String',
    country: 'String',
    countryCodeV2: 'CountryCode',
    phone: 'String',
  },
  Attribute: { key: 'String!', value: 'String' },
  Fulfillment: {
    id: 'ID!',
    name: 'String!',
    status: 'FulfillmentStatus!',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
    trackingInfo: '[FulfillmentTrackingInfo!]!',
  },
  FulfillmentTrackingInfo: { company: 'String', number: 'String', url: 'URL' },
  WebhookSubscription: {
    id: 'ID!',
    topic: 'WebhookSubscriptionTopic!',
    format: 'WebhookSubscriptionFormat!',
    includeFields: '[String!]!',
    filter: 'String',
    uri: 'String!',
    callbackUrl: 'URL!',
    endpoint: 'WebhookSubscriptionEndpoint!',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
    apiVersion: 'ApiVersion!',
  },
  WebhookHttpEndpoint: { callbackUrl: 'URL!' },
  ApiVersion: { handle: 'String!', displayName: 'String!', supported: 'Boolean!' },
};

/** Interfaces and unions: their possible types, and the fields selectable on the abstract type itself. */
const ABSTRACT: Record<string, string[]> = {
  Node: [
    'Product',
    'ProductVariant',
    'ProductOption',
    'MediaImage',
    'InventoryItem',
    'InventoryLevel',
    'Location',
    'BulkOperation',
    'Order',
    'LineItem',
    'DraftOrder',
    'Fulfillment',
    'WebhookSubscription',
    'Shop',
  ],
  Media: ['MediaImage', 'Video', 'ExternalVideo', 'Model3d'],
  WebhookSubscriptionEndpoint: ['WebhookHttpEndpoint', 'WebhookEventBridgeEndpoint', 'WebhookPubSubEndpoint'],
};
const INTERFACE_FIELDS: Record<string, Record<string, string>> = {
  Node: { id: 'ID!' },
  Media: {
    id: 'ID!',
    alt: 'String',
    mediaContentType: 'MediaContentType!',
    status: 'MediaStatus!',
    preview: 'MediaPreviewImage',
  },
  WebhookSubscriptionEndpoint: {},
};

const isConnection = (t: string) => t.endsWith('Connection');
const isEdge = (t: string) => t.endsWith('Edge');
const namedType = (t: string) => t.replace(/[[\]!]/g, '');
const knownType = (t: string) => t in SCHEMA || t in ABSTRACT || isConnection(t) || isEdge(t);
const isLeaf = (t: string) => !knownType(t);

function fieldType(typeName: string, field: string): string | undefined {
  if (field === '__typename') return 'String!';
  const o = SCHEMA[typeName];
  if (o) return Object.hasOwn(o, field) ? o[field] : undefined;
  if (isConnection(typeName)) {
    const node = typeName.slice(0, -'Connection'.length);
    return (
      { edges: `[${node}Edge!]!`, nodes: `[${node}!]!`, pageInfo: 'PageInfo!' } as Record<string, string>
    )[field];
  }
  if (isEdge(typeName)) {
    const node = typeName.slice(0, -'Edge'.length);
    return ({ cursor: 'String!', node: `${node}!` } as Record<string, string>)[field];
  }
  const i = INTERFACE_FIELDS[typeName];
  return i && Object.hasOwn(i, field) ? i[field] : undefined;
}

/** A field's type on an abstract type: the interface's own, else the first possible type that has it. */
function fieldTypeAny(typeName: string, field: string): string | undefined {
  return (
    fieldType(typeName, field) ??
    (ABSTRACT[typeName] ?? []).map((t) => fieldType(t, field)).find((t) => t !== undefined)
  );
}

const typeApplies = (cond: string, typeName: string) =>
  cond === typeName || (ABSTRACT[cond]?.includes(typeName) ?? false);

type Scope = { vars: Vars; frags: Frags };

function included(dirs: Directive[], vars: Vars): boolean {
  for (const d of dirs) {
    const cond = d.args.if ? resolveValue(d.args.if, vars) : undefined;
    if (d.name === 'skip' && cond === true) return false;
    if (d.name === 'include' && cond === false) return false;
  }
  return true;
}

/** The fields a selection asks of an object of `typeName`, by response key, fragments applied and merged. */
function collectFields(
  sel: Sel[],
  typeName: string,
  scope: Scope,
  out = new Map<string, FieldNode>(),
  seen = new Set<string>(),
): Map<string, FieldNode> {
  for (const s of sel) {
    if (!included(s.dirs, scope.vars)) continue;
    if (s.kind === 'field') {
      const key = s.alias ?? s.name;
      const prev = out.get(key);
      if (!prev) out.set(key, s);
      else if (prev.sel || s.sel) out.set(key, { ...prev, sel: [...(prev.sel ?? []), ...(s.sel ?? [])] });
    } else if (s.kind === 'inline') {
      if (!s.on || typeApplies(s.on, typeName)) collectFields(s.sel, typeName, scope, out, seen);
    } else {
      const frag = scope.frags.get(s.name);
      if (frag && !seen.has(s.name) && typeApplies(frag.on, typeName)) {
        seen.add(s.name);
        collectFields(frag.sel, typeName, scope, out, seen);
      }
    }
  }
  return out;
}

/** The node selection of a connection field (`nodes { … }` and `edges { node { … } }` together). */
function connectionNodeSel(f: FieldNode, connType: string, scope: Scope): Sel[] {
  const out: Sel[] = [];
  const nodeType = connType.slice(0, -'Connection'.length);
  for (const cf of collectFields(f.sel ?? [], connType, scope).values()) {
    if (cf.name === 'nodes') out.push(...(cf.sel ?? []));
    if (cf.name === 'edges')
      for (const ef of collectFields(cf.sel ?? [], `${nodeType}Edge`, scope).values())
        if (ef.name === 'node') out.push(...(ef.sel ?? []));
  }
  return out;
}

/* ================================================================================================ GraphQL: validation */

type Validation = Scope & { errors: GqlErrorJson[]; bulk: boolean; fragStack: Set<string> };

function validateSelection(sel: Sel[], typeName: string, v: Validation, path: string[]): void {
  const push = (message: string, loc: Loc, p: string[], extensions: Record<string, unknown>) =>
    v.errors.push({ message, locations: [loc], path: p, extensions });
  for (const s of sel) {
    if (s.kind === 'spread') {
      const frag = v.frags.get(s.name);
      if (!frag) {
        push(`Fragment ${s.name} was used, but not defined`, s.loc, path, {
          code: 'useAndDefineFragment',
          fragmentName: s.name,
        });
      } else if (!knownType(frag.on)) {
        push(`No such type ${frag.on}, so it can't be a fragment condition`, s.loc, path, {
          code: 'undefinedType',
          typeName: frag.on,
        });
      } else if (!v.fragStack.has(s.name)) {
        v.fragStack.add(s.name);
        validateSelection(frag.sel, frag.on, v, [...path, `... ${s.name}`]);
        v.fragStack.delete(s.name);
      }
      continue;
    }
    if (s.kind === 'inline') {
      const on = s.on ?? typeName;
      if (!knownType(on)) {
        push(`No such type ${on}, so it can't be a fragment condition`, s.loc, path, {
          code: 'undefinedType',
          typeName: on,
        });
        continue;
      }
      validateSelection(s.sel, on, v, [...path, `... on ${on}`]);
      continue;
    }
    const fpath = [...path, s.alias ?? s.name];
    const ft = fieldType(typeName, s.name);
    if (!ft) {
      push(`Field '${s.name}' doesn't exist on type '${typeName}'`, s.loc, fpath, {
        code: 'undefinedField',
        typeName,
        fieldName: s.name,
      });
      continue;
    }
    const named = namedType(ft);
    if (isLeaf(named)) {
      if (s.sel) {
        const names = s.sel.flatMap((x) => (x.kind === 'field' ? [x.name] : [])).join(', ');
        push(
          `Selections can't be made on scalars (field '${s.name}' returns ${named} but has selections [${names}])`,
          s.loc,
          fpath,
          { code: 'selectionMismatch', nodeName: `field '${s.name}'`, typeName: named },
        );
      }
      continue;
    }
    if (!s.sel) {
      push(
        `Field must have selections (field '${s.name}' returns ${ft} but has no selections. Did you mean '${s.name} { ... }'?)`,
        s.loc,
        fpath,
        { code: 'selectionMismatch', nodeName: `field '${s.name}'`, typeName: ft },
      );
      continue;
    }
    if (isConnection(named) && !v.bulk) {
      const args = resolveArgs(s.args, v.vars);
      if (args.first == null && args.last == null) {
        push('you must provide one of first or last', s.loc, fpath, { code: 'MISSING_PAGINATION_ARGUMENT' });
      }
      for (const a of ['first', 'last'] as const) {
        const n = args[a];
        if (n != null && (typeof n !== 'number' || n < 0 || n > 250)) {
          push(`The ${a} argument on ${s.name} must be between 0 and 250.`, s.loc, fpath, {
            code: 'INVALID_PAGINATION_ARGUMENT',
            argumentName: a,
          });
        }
      }
    }
    validateSelection(s.sel, named, v, fpath);
  }
}

/* ================================================================================================ GraphQL: cost */

// The cost model (kept simple and consistent; shopify.dev documents the first three rules):
//   scalars and enums 0; an object (or a list of objects) 1 plus its fields; a connection 2 + first × (1 + the node's
//   fields); a connection nested inside another connection's nodes ceil(first / 10), flat (so
//   `products(first: 50) { nodes { variants(first: 100) { … } } }` costs about 2 + 50 × (1 + 10)); a mutation field 10.
// The actual cost applies the same rules to what came back (the number of nodes returned instead of `first`).
function requestedCost(sel: Sel[], typeName: string, scope: Scope, inConn: boolean): number {
  const possible = ABSTRACT[typeName];
  if (possible) {
    return Math.max(
      0,
      ...possible.filter((t) => t in SCHEMA).map((t) => requestedCost(sel, t, scope, inConn)),
    );
  }
  let total = 0;
  for (const f of collectFields(sel, typeName, scope).values()) {
    const ft = fieldType(typeName, f.name);
    if (!ft) continue;
    const named = namedType(ft);
    if (isLeaf(named)) continue;
    if (isConnection(named)) {
      const args = resolveArgs(f.args, scope.vars);
      const n = num(args.first) ?? num(args.last) ?? 0;
      if (inConn) total += Math.ceil(n / 10);
      else {
        const nodeType = named.slice(0, -'Connection'.length);
        total += 2 + n * (1 + requestedCost(connectionNodeSel(f, named, scope), nodeType, scope, true));
      }
    } else total += 1 + requestedCost(f.sel ?? [], named, scope, inConn);
  }
  return total;
}

/* ================================================================================================ GraphQL: execution */

type Key = { id: number; value: string | number };

/** A connection's full, ordered item list and each item's cursor key (id, sort value); `paginate` slices it. */
class ConnSource {
  constructor(
    readonly items: unknown[],
    readonly ids: number[],
    readonly values: (string | number)[],
    readonly reversed = false,
  ) {}
  key(i: number): Key {
    return { id: this.ids[i]!, value: this.values[i]! };
  }
}
function conn<T>(items: T[], keyOf?: (item: T, i: number) => Key): ConnSource {
  const keys = items.map(keyOf ?? ((_x, i) => ({ id: i, value: i })));
  return new ConnSource(
    items,
    keys.map((k) => k.id),
    keys.map((k) => k.value),
  );
}

/** A value of an abstract type (Node, Media, …) tagged with its concrete type. */
class Typed {
  constructor(
    readonly type: string,
    readonly src: unknown,
  ) {}
}

const cmpKey = (a: Key, b: Key) =>
  a.value < b.value ? -1 : a.value > b.value ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const encodeCursor = (k: Key) =>
  Buffer.from(JSON.stringify({ last_id: k.id, last_value: String(k.value) })).toString('base64');
function decodeCursor(c: unknown, like: Key | undefined): Key {
  try {
    const parsed = JSON.parse(Buffer.from(String(c), 'base64').toString('utf8')) as {
      last_id?: unknown;
      last_value?: unknown;
    };
    if (typeof parsed.last_id !== 'number') throw new Error('no id');
    const raw = String(parsed.last_value);
    return { id: parsed.last_id, value: typeof like?.value === 'number' ? Number(raw) : raw };
  } catch {
    throw new GqlError('Invalid cursor for current pagination sort.', {
      extensions: { code: 'BAD_REQUEST' },
    });
  }
}

type Page = {
  items: unknown[];
  cursors: string[];
  info: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
};

function paginate(src: ConnSource, args: Args, all: boolean): Page {
  const { items, ids } = src;
  const dir = src.reversed ? -1 : 1;
  const locate = (cursor: unknown, after: boolean) => {
    const k = decodeCursor(cursor, items.length ? src.key(0) : undefined);
    const exact = ids.indexOf(k.id);
    if (exact >= 0) return after ? exact + 1 : exact;
    // The item is gone: keyset position by its sort value.
    const idx = ids.findIndex((_id, i) => dir * cmpKey(src.key(i), k) > 0);
    return idx < 0 ? ids.length : idx;
  };
  let start = !all && args.after != null ? locate(args.after, true) : 0;
  let end = !all && args.before != null ? locate(args.before, false) : items.length;
  if (end < start) end = start;
  const first = all ? null : num(args.first);
  const last = all ? null : num(args.last);
  if (first != null) end = Math.min(end, start + first);
  if (last != null) start = Math.max(start, end - last);
  const cursors = Array.from({ length: end - start }, (_x, i) => encodeCursor(src.key(start + i)));
  return {
    items: items.slice(start, end),
    cursors,
    info: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: cursors[0] ?? null,
      endCursor: cursors.at(-1) ?? null,
    },
  };
}

type Path = (string | number)[];
type ExecCtx = Scope & {
  shop: ShopState;
  version: string;
  cost: number;
  /** > 0 while executing what the cost model does not charge for. */
  suppress: number;
  bulk: boolean;
  errors: GqlErrorJson[];
  search: Record<string, unknown>[];
};
type Resolver<S> = (src: S, args: Args, ctx: ExecCtx) => unknown;
type Fields<S> = Record<string, Resolver<S>>;

const charge = (ctx: ExecCtx, n: number) => {
  if (!ctx.suppress) ctx.cost += n;
};

function execObject(
  src: unknown,
  typeName: string,
  sel: Sel[],
  ctx: ExecCtx,
  inConn: boolean,
  path: Path,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of collectFields(sel, typeName, ctx)) {
    if (f.name === '__typename') {
      out[key] = typeName;
      continue;
    }
    const ft = fieldType(typeName, f.name);
    const fpath = [...path, key];
    if (!ft) {
      out[key] = null;
      continue;
    }
    try {
      const args = resolveArgs(f.args, ctx.vars);
      const resolver = RESOLVERS[typeName]?.[f.name] as Resolver<unknown> | undefined;
      const raw = resolver ? resolver(src, args, ctx) : (src as Record<string, unknown> | null)?.[f.name];
      out[key] = complete(raw, ft, f, args, ctx, inConn, fpath);
    } catch (e) {
      if (!(e instanceof GqlError)) throw e;
      ctx.errors.push({ message: e.message, locations: [f.loc], path: fpath, ...e.extra });
      out[key] = null;
    }
  }
  return out;
}

function complete(
  raw: unknown,
  type: string,
  f: FieldNode,
  args: Args,
  ctx: ExecCtx,
  inConn: boolean,
  path: Path,
): unknown {
  const t = type.endsWith('!') ? type.slice(0, -1) : type;
  const named = namedType(t);
  const leaf = isLeaf(named);
  const list = t.startsWith('[');
  if (raw === undefined || raw === null) {
    if (!leaf && !list && !isConnection(named)) charge(ctx, 1);
    return null;
  }
  if (list) {
    const items = raw as unknown[];
    if (leaf) return items;
    charge(ctx, 1);
    return items.map((item, i) => {
      if (i > 0) ctx.suppress++;
      try {
        return completeNamed(item, named, f, ctx, inConn, [...path, i], false);
      } finally {
        if (i > 0) ctx.suppress--;
      }
    });
  }
  if (leaf) return raw;
  if (isConnection(named)) return completeConnection(raw as ConnSource, named, f, args, ctx, inConn, path);
  return completeNamed(raw, named, f, ctx, inConn, path, true);
}

function completeNamed(
  raw: unknown,
  named: string,
  f: FieldNode,
  ctx: ExecCtx,
  inConn: boolean,
  path: Path,
  countSelf: boolean,
): unknown {
  if (raw === null || raw === undefined) return null;
  let type = named;
  let src: unknown = raw;
  if (raw instanceof Typed) {
    type = raw.type;
    src = raw.src;
  }
  if (countSelf) charge(ctx, 1);
  return execObject(src, type, f.sel ?? [], ctx, inConn, path);
}

function completeConnection(
  src: ConnSource,
  connType: string,
  f: FieldNode,
  args: Args,
  ctx: ExecCtx,
  inConn: boolean,
  path: Path,
): Record<string, unknown> {
  const nodeType = connType.slice(0, -'Connection'.length);
  const page = paginate(src, args, ctx.bulk);
  if (inConn) {
    charge(ctx, Math.ceil(page.items.length / 10));
    ctx.suppress++;
  } else charge(ctx, 2);
  let counted = false;
  try {
    const out: Record<string, unknown> = {};
    for (const [key, cf] of collectFields(f.sel ?? [], connType, ctx)) {
      if (cf.name === '__typename') out[key] = connType;
      else if (cf.name === 'pageInfo') {
        ctx.suppress++;
        try {
          out[key] = execObject(page.info, 'PageInfo', cf.sel ?? [], ctx, inConn, [...path, key]);
        } finally {
          ctx.suppress--;
        }
      } else if (cf.name === 'nodes' || cf.name === 'edges') {
        const again = counted;
        counted = true;
        if (again) ctx.suppress++;
        try {
          out[key] = page.items.map((item, i) => {
            if (cf.name === 'nodes')
              return completeNamed(item, nodeType, cf, ctx, true, [...path, key, i], true);
            const edge: Record<string, unknown> = {};
            for (const [ek, ef] of collectFields(cf.sel ?? [], `${nodeType}Edge`, ctx)) {
              if (ef.name === '__typename') edge[ek] = `${nodeType}Edge`;
              else if (ef.name === 'cursor') edge[ek] = page.cursors[i];
              else if (ef.name === 'node')
                edge[ek] = completeNamed(item, nodeType, ef, ctx, true, [...path, key, i, ek], true);
            }
            return edge;
          });
        } finally {
          if (again) ctx.suppress--;
        }
      }
    }
    return out;
  } finally {
    if (inConn) ctx.suppress--;
  }
}

/* ================================================================================================ search syntax */

type Term = { neg: boolean; field: string | null; op: string; value: string };
type SearchSpec<T> = {
  text: (item: T, t: Term) => boolean;
  fields: Record<string, (item: T, t: Term) => boolean>;
};

/** Shopify search syntax, the common part: `field:value`, `field:>value` (>=, <, <=), quotes, `-`/NOT, AND, OR. */
function parseSearch(q: string): Term[][] {
  const groups: Term[][] = [[]];
  let neg = false;
  const re = /(-)?(?:([A-Za-z_][\w.]*):(>=|<=|>|<|=)?)?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s()]+)/g;
  for (const m of q.replace(/[()]/g, ' ').matchAll(re)) {
    const [, dash, field, op, rawValue = ''] = m;
    if (!field && !dash && rawValue === 'OR') {
      groups.push([]);
      continue;
    }
    if (!field && !dash && rawValue === 'AND') continue;
    if (!field && !dash && rawValue === 'NOT') {
      neg = true;
      continue;
    }
    let value = rawValue;
    if (/^(['"]).*\1$/s.test(value)) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    groups.at(-1)!.push({ neg: neg || !!dash, field: field?.toLowerCase() ?? null, op: op ?? ':', value });
    neg = false;
  }
  return groups.filter((g) => g.length);
}

function cmpNum(a: number, t: Term, b = Number(t.value)): boolean {
  if (Number.isNaN(b)) return false;
  switch (t.op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return a === b;
  }
}
function cmpDate(a: string | null, t: Term): boolean {
  if (!a) return false;
  const ms = Date.parse(a);
  const b = t.value === 'now' ? Date.now() : Date.parse(t.value);
  if (Number.isNaN(b)) return false;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t.value) && (t.op === ':' || t.op === '=')) return ms >= b && ms < b + DAY;
  return cmpNum(ms, t, b);
}
function cmpText(a: string | null, t: Term, contains = false): boolean {
  if (a == null) return false;
  const s = a.toLowerCase();
  const v = t.value.toLowerCase();
  if (v.endsWith('*')) {
    const prefix = v.slice(0, -1);
    return contains
      ? s.split(/\s+/).some((w) => w.startsWith(prefix)) || s.startsWith(prefix)
      : s.startsWith(prefix);
  }
  return contains ? s.includes(v) : s === v;
}
const idTerm = (t: Term): Term => ({ ...t, value: String(parseGid(t.value)?.id ?? t.value) });

function searchFilter<T>(
  q: string,
  spec: SearchSpec<T>,
  ctx: ExecCtx,
  fieldName: string,
): (item: T) => boolean {
  const groups = parseSearch(q);
  const warnings = groups
    .flat()
    .filter((t) => t.field && !spec.fields[t.field])
    .map((t) => ({ field: t.field, message: 'Invalid search field for this query.' }));
  if (warnings.length) ctx.search.push({ path: [fieldName], query: q, warnings });
  return (item) =>
    groups.some((g) =>
      g.every((t) => {
        const fn = t.field ? spec.fields[t.field] : spec.text;
        if (!fn) return true;
        return fn(item, t) !== t.neg;
      }),
    );
}

const totalInventory = (p: FakeProduct) => p.variants.reduce((s, v) => s + v.inventoryQuantity, 0);
const isPublished = (p: FakeProduct) => p.status === 'ACTIVE' && p.publishedAt !== null;

const PRODUCT_SEARCH: SearchSpec<FakeProduct> = {
  text: (p, t) =>
    [p.title, p.vendor, p.productType, p.handle, ...p.tags, ...p.variants.map((v) => v.sku)].some((s) =>
      cmpText(s, t, true),
    ),
  fields: {
    id: (p, t) => cmpNum(p.id, idTerm(t)),
    title: (p, t) => cmpText(p.title, t, true),
    handle: (p, t) => t.value.split(',').some((h) => cmpText(p.handle, { ...t, value: h })),
    vendor: (p, t) => cmpText(p.vendor, t),
    product_type: (p, t) => cmpText(p.productType, t),
    status: (p, t) => t.value.split(',').some((s) => s.trim().toUpperCase() === p.status),
    tag: (p, t) => p.tags.some((g) => cmpText(g, t)),
    tag_not: (p, t) => !p.tags.some((g) => cmpText(g, t)),
    sku: (p, t) => p.variants.some((v) => cmpText(v.sku, t)),
    barcode: (p, t) => p.variants.some((v) => cmpText(v.barcode, t)),
    created_at: (p, t) => cmpDate(p.createdAt, t),
    updated_at: (p, t) => cmpDate(p.updatedAt, t),
    published_at: (p, t) => cmpDate(p.publishedAt, t),
    published_status: (p, t) => {
      const v = t.value.toLowerCase();
      return v === 'published' ? isPublished(p) : v === 'unpublished' ? !isPublished(p) : true;
    },
    inventory_total: (p, t) => cmpNum(totalInventory(p), t),
    gift_card: (_p, t) => t.value === 'false',
  },
};

type VariantRef = { p: FakeProduct; v: FakeVariant };
const VARIANT_SEARCH: SearchSpec<VariantRef> = {
  text: (r, t) => [r.v.title, r.v.sku, r.p.title].some((s) => cmpText(s, t, true)),
  fields: {
    id: (r, t) => cmpNum(r.v.id, idTerm(t)),
    product_id: (r, t) => cmpNum(r.p.id, idTerm(t)),
    sku: (r, t) => cmpText(r.v.sku, t),
    barcode: (r, t) => cmpText(r.v.barcode, t),
    title: (r, t) => cmpText(r.v.title, t, true),
    inventory_quantity: (r, t) => cmpNum(r.v.inventoryQuantity, t),
    product_status: (r, t) => t.value.split(',').some((s) => s.trim().toUpperCase() === r.p.status),
    created_at: (r, t) => cmpDate(r.v.createdAt, t),
    updated_at: (r, t) => cmpDate(r.v.updatedAt, t),
  },
};

const ORDER_SEARCH: SearchSpec<FakeOrder> = {
  text: (o, t) => [o.name, o.email ?? ''].some((s) => cmpText(s, t, true)),
  fields: {
    id: (o, t) => cmpNum(o.id, idTerm(t)),
    name: (o, t) => cmpText(o.name, t) || cmpText(o.name.replace(/^#/, ''), t),
    email: (o, t) => cmpText(o.email, t),
    tag: (o, t) => o.tags.some((g) => cmpText(g, t)),
    financial_status: (o, t) => cmpText(o.financialStatus, t),
    fulfillment_status: (o, t) => cmpText(o.fulfillmentStatus, t),
    source_identifier: (o, t) => cmpText(o.sourceIdentifier, t),
    created_at: (o, t) => cmpDate(o.createdAt, t),
    updated_at: (o, t) => cmpDate(o.updatedAt, t),
  },
};

const PRODUCT_SORT: Record<string, (p: FakeProduct) => string | number> = {
  ID: (p) => p.id,
  RELEVANCE: (p) => p.id,
  TITLE: (p) => p.title.toLowerCase(),
  VENDOR: (p) => p.vendor.toLowerCase(),
  PRODUCT_TYPE: (p) => p.productType.toLowerCase(),
  CREATED_AT: (p) => sortableTime(p.createdAt),
  UPDATED_AT: (p) => sortableTime(p.updatedAt),
  PUBLISHED_AT: (p) => (p.publishedAt ? sortableTime(p.publishedAt) : ''),
  INVENTORY_TOTAL: (p) => totalInventory(p),
};

function sortedConn<T extends { id: number }>(
  items: T[],
  sorts: Record<string, (x: T) => string | number>,
  args: Args,
  fieldName: string,
  enumName: string,
): ConnSource {
  const sortKey = str(args.sortKey) ?? 'ID';
  const by = sorts[sortKey];
  if (!by) {
    throw new GqlError(
      `Argument 'sortKey' on Field '${fieldName}' has an invalid value (${sortKey}). Expected type '${enumName}'.`,
      { extensions: { code: 'argumentLiteralsIncompatible', typeName: 'Field', argumentName: 'sortKey' } },
    );
  }
  // Sorting 10k products costs milliseconds, so the order of an unchanged list is remembered (checked each time
  // with one cheap pass), and a list already in order (the store, by id) is not sorted at all.
  const values = items.map(by);
  const perList = sortCache.get(items) ?? new Map<string, SortMemo>();
  sortCache.set(items, perList);
  const memo = perList.get(sortKey);
  let order: number[];
  if (
    memo &&
    memo.items.length === items.length &&
    memo.items.every((x, i) => x === items[i] && memo.values[i] === values[i])
  ) {
    order = memo.order;
  } else {
    order = items.map((_x, i) => i);
    const cmp = (i: number, j: number) => {
      const a = values[i]!;
      const b = values[j]!;
      return a < b ? -1 : a > b ? 1 : items[i]!.id - items[j]!.id;
    };
    if (order.some((i) => i > 0 && cmp(i - 1, i) > 0)) order.sort(cmp);
    perList.set(sortKey, { items: [...items], values, order });
  }
  const reverse = args.reverse === true;
  const ordered = reverse ? [...order].reverse() : order;
  return new ConnSource(
    ordered.map((i) => items[i]!),
    ordered.map((i) => items[i]!.id),
    ordered.map((i) => values[i]!),
    reverse,
  );
}

type SortMemo = { items: unknown[]; values: (string | number)[]; order: number[] };
const sortCache = new WeakMap<object, Map<string, SortMemo>>();

/** A DateTime as a string that sorts chronologically (normalised to `YYYY-MM-DDTHH:MM:SSZ`). */
const sortableTime = (s: string) => (s.length === 20 && s.endsWith('Z') ? s : iso(Date.parse(s)));

/* ================================================================================================ resolvers */

type ImageRef = { p: FakeProduct; img: FakeImage };
type OptionRef = { p: FakeProduct; o: FakeProductOption; position: number };
type LineRef = { li: FakeOrderLine; currency: string };

type ShopState = {
  shopName: string;
  shopDomain: string;
  shopId: number;
  baseUrl: string;
  currency: string;
  location: { id: number; name: string };
  products: FakeProduct[];
  orders: FakeOrder[];
  draftOrders: FakeDraftOrder[];
  subscriptions: FakeSubscription[];
  bulkOperations: FakeBulkOperation[];
  bulkFiles: Map<number, string>;
  bulkRunningPolls: number;
  failBulk: string | null;
  seq: { order: number; draft: number; line: number; sub: number; bulk: number; fulfillment: number };
};

function findVariant(shop: ShopState, pred: (v: FakeVariant) => boolean): VariantRef | null {
  for (const p of shop.products) {
    const v = p.variants.find(pred);
    if (v) return { p, v };
  }
  return null;
}
const variantById = (shop: ShopState, id: number) => findVariant(shop, (v) => v.id === id);
const productById = (shop: ShopState, id: number) => shop.products.find((p) => p.id === id) ?? null;

/** The numeric id of a `gid://shopify/{type}/N` argument; null for another type; an error for a malformed id. */
function gidArg(v: unknown, type: string): number | null {
  const g = parseGid(v);
  if (!g) {
    throw new GqlError(`Invalid global id '${String(v)}'`, {
      extensions: { code: 'argumentLiteralsIncompatible', typeName: 'CoercionError' },
    });
  }
  return g.type === type ? g.id : null;
}

const moneyV2 = (amount: string | number, currency: string) => ({
  amount: typeof amount === 'number' ? money(amount) : amount,
  currencyCode: currency,
});
const moneyBag = (amount: string | number, currency: string) => ({
  shopMoney: moneyV2(amount, currency),
  presentmentMoney: moneyV2(amount, currency),
});

function resolveNode(ctx: ExecCtx, id: unknown): Typed | null {
  const g = parseGid(id);
  if (!g) gidArg(id, '');
  if (!g) return null;
  const shop = ctx.shop;
  switch (g.type) {
    case 'Product': {
      const p = productById(shop, g.id);
      return p && new Typed('Product', p);
    }
    case 'ProductVariant': {
      const r = variantById(shop, g.id);
      return r && new Typed('ProductVariant', r);
    }
    case 'InventoryItem': {
      const r = findVariant(shop, (v) => v.inventoryItemId === g.id);
      return r && new Typed('InventoryItem', r);
    }
    case 'MediaImage': {
      for (const p of shop.products) {
        const img = p.images.find((i) => i.mediaId === g.id);
        if (img) return new Typed('MediaImage', { p, img });
      }
      return null;
    }
    case 'Location':
      return g.id === shop.location.id ? new Typed('Location', shop.location) : null;
    case 'BulkOperation': {
      const op = shop.bulkOperations.find((o) => o.id === g.id);
      if (op) advanceBulk(shop, op);
      return op ? new Typed('BulkOperation', op) : null;
    }
    case 'Order': {
      const o = shop.orders.find((x) => x.id === g.id);
      return o ? new Typed('Order', o) : null;
    }
    case 'DraftOrder': {
      const d = shop.draftOrders.find((x) => x.id === g.id);
      return d ? new Typed('DraftOrder', d) : null;
    }
    case 'WebhookSubscription': {
      const s = shop.subscriptions.find((x) => x.id === g.id);
      return s ? new Typed('WebhookSubscription', s) : null;
    }
    case 'Shop':
      return g.id === shop.shopId ? new Typed('Shop', shop) : null;
    default:
      return null;
  }
}

const queryRoot: Fields<null> = {
  products: (_s, args, ctx) => {
    const q = str(args.query);
    const list = q?.trim()
      ? ctx.shop.products.filter(searchFilter(q, PRODUCT_SEARCH, ctx, 'products'))
      : ctx.shop.products;
    return sortedConn(list, PRODUCT_SORT, args, 'products', 'ProductSortKeys');
  },
  productsCount: (_s, args, ctx) => {
    const q = str(args.query);
    const list = q?.trim()
      ? ctx.shop.products.filter(searchFilter(q, PRODUCT_SEARCH, ctx, 'productsCount'))
      : ctx.shop.products;
    const limit = num(args.limit);
    return limit != null && list.length > limit
      ? { count: limit, precision: 'AT_LEAST' }
      : { count: list.length, precision: 'EXACT' };
  },
  product: (_s, args, ctx) => {
    const id = gidArg(args.id, 'Product');
    return id == null ? null : productById(ctx.shop, id);
  },
  productByIdentifier: (_s, args, ctx) => {
    const ident = obj(args.identifier);
    if (ident.id != null) {
      const id = gidArg(ident.id, 'Product');
      return id == null ? null : productById(ctx.shop, id);
    }
    return ctx.shop.products.find((p) => p.handle === ident.handle) ?? null;
  },
  productVariant: (_s, args, ctx) => {
    const id = gidArg(args.id, 'ProductVariant');
    return id == null ? null : variantById(ctx.shop, id);
  },
  productVariants: (_s, args, ctx) => {
    let refs = ctx.shop.products.flatMap((p) => p.variants.map((v) => ({ p, v })));
    const q = str(args.query);
    if (q?.trim()) refs = refs.filter(searchFilter(q, VARIANT_SEARCH, ctx, 'productVariants'));
    const sorts: Record<string, (r: VariantRef) => string | number> = {
      ID: (r) => r.v.id,
      SKU: (r) => r.v.sku,
      TITLE: (r) => r.v.title.toLowerCase(),
      POSITION: (r) => r.v.position,
      INVENTORY_QUANTITY: (r) => r.v.inventoryQuantity,
      RELEVANCE: (r) => r.v.id,
    };
    const withIds = refs.map((r) => ({ ...r, id: r.v.id }));
    return sortedConn(withIds, sorts, args, 'productVariants', 'ProductVariantSortKeys');
  },
  node: (_s, args, ctx) => resolveNode(ctx, args.id),
  nodes: (_s, args, ctx) => (Array.isArray(args.ids) ? args.ids : []).map((id) => resolveNode(ctx, id)),
  shop: (_s, _a, ctx) => ctx.shop,
  currentBulkOperation: (_s, args, ctx) => {
    const type = str(args.type) ?? 'QUERY';
    const op = [...ctx.shop.bulkOperations].reverse().find((o) => o.type === type) ?? null;
    if (op) advanceBulk(ctx.shop, op);
    return op;
  },
  bulkOperation: (_s, args, ctx) => {
    const id = gidArg(args.id, 'BulkOperation');
    const op = ctx.shop.bulkOperations.find((o) => o.id === id) ?? null;
    if (op) advanceBulk(ctx.shop, op);
    return op;
  },
  webhookSubscriptions: (_s, args, ctx) => {
    const topics = Array.isArray(args.topics) ? (args.topics as string[]) : null;
    const subs = ctx.shop.subscriptions.filter((s) => !topics || topics.includes(s.topic));
    return conn(subs, (s) => ({ id: s.id, value: s.id }));
  },
  webhookSubscription: (_s, args, ctx) => {
    const id = gidArg(args.id, 'WebhookSubscription');
    return ctx.shop.subscriptions.find((s) => s.id === id) ?? null;
  },
  order: (_s, args, ctx) => {
    const id = gidArg(args.id, 'Order');
    return ctx.shop.orders.find((o) => o.id === id) ?? null;
  },
  orders: (_s, args, ctx) => {
    const q = str(args.query);
    const list = q?.trim()
      ? ctx.shop.orders.filter(searchFilter(q, ORDER_SEARCH, ctx, 'orders'))
      : ctx.shop.orders;
    return sortedConn(
      list,
      {
        ID: (o) => o.id,
        CREATED_AT: (o) => sortableTime(o.createdAt),
        UPDATED_AT: (o) => sortableTime(o.updatedAt),
        PROCESSED_AT: (o) => sortableTime(o.processedAt),
        ORDER_NUMBER: (o) => o.orderNumber,
      },
      args,
      'orders',
      'OrderSortKeys',
    );
  },
  draftOrder: (_s, args, ctx) => {
    const id = gidArg(args.id, 'DraftOrder');
    return ctx.shop.draftOrders.find((d) => d.id === id) ?? null;
  },
  locations: (_s, _a, ctx) => conn([ctx.shop.location], (l) => ({ id: l.id, value: l.id })),
  location: (_s, args, ctx) =>
    args.id == null || gidArg(args.id, 'Location') === ctx.shop.location.id ? ctx.shop.location : null,
  inventoryItem: (_s, args, ctx) => {
    const id = gidArg(args.id, 'InventoryItem');
    return findVariant(ctx.shop, (v) => v.inventoryItemId === id);
  },
};

const shopFields: Fields<ShopState> = {
  id: (s) => gid('Shop', s.shopId),
  name: (s) => s.shopName,
  email: (s) => `owner@${s.shopDomain}`,
  contactEmail: (s) => `support@${s.shopDomain}`,
  myshopifyDomain: (s) => s.shopDomain,
  url: (s) => `https://${s.shopDomain}`,
  currencyCode: (s) => s.currency,
  enabledPresentmentCurrencies: (s) => [s.currency],
  ianaTimezone: () => 'America/New_York',
  timezoneOffset: () => SHOP_UTC_OFFSET.replace(':', ''),
  weightUnit: () => 'KILOGRAMS',
  primaryDomain: (s) => ({
    id: gid('Domain', s.shopId),
    host: s.shopDomain,
    url: `https://${s.shopDomain}`,
    sslEnabled: true,
  }),
  plan: () => ({ displayName: 'Basic', partnerDevelopment: false, shopifyPlus: false }),
};

const productFields: Fields<FakeProduct> = {
  id: (p) => gid('Product', p.id),
  legacyResourceId: (p) => String(p.id),
  description: (p) => stripHtml(p.descriptionHtml),
  onlineStoreUrl: (p, _a, ctx) =>
    isPublished(p) ? `https://${ctx.shop.shopDomain}/products/${p.handle}` : null,
  onlineStorePreviewUrl: (p, _a, ctx) => `https://${ctx.shop.shopDomain}/products/${p.handle}`,
  totalInventory: (p) => totalInventory(p),
  tracksInventory: () => true,
  hasOnlyDefaultVariant: (p) => p.variants.length === 1 && p.variants[0]?.title === 'Default Title',
  hasOutOfStockVariants: (p) => p.variants.some((v) => v.inventoryQuantity <= 0),
  isGiftCard: () => false,
  requiresSellingPlan: () => false,
  options: (p, args) =>
    p.options.slice(0, num(args.first) ?? undefined).map((o, k): OptionRef => ({ p, o, position: k + 1 })),
  featuredImage: (p) => (p.images[0] ? { p, img: p.images[0] } : null),
  featuredMedia: (p) => (p.images[0] ? new Typed('MediaImage', { p, img: p.images[0] }) : null),
  images: (p) =>
    conn(
      p.images.map((img): ImageRef => ({ p, img })),
      (r, i) => ({ id: r.img.id, value: i }),
    ),
  media: (p) =>
    conn(
      p.images.map((img) => new Typed('MediaImage', { p, img })),
      (_t, i) => ({ id: p.images[i]!.mediaId, value: i }),
    ),
  variants: (p) =>
    conn(
      p.variants.map((v): VariantRef => ({ p, v })),
      (r, i) => ({ id: r.v.id, value: i }),
    ),
  variantsCount: (p) => ({ count: p.variants.length, precision: 'EXACT' }),
  priceRangeV2: (p, _a, ctx) => {
    const prices = p.variants.map((v) => Number(v.price));
    return {
      minVariantPrice: moneyV2(prices.length ? Math.min(...prices) : 0, ctx.shop.currency),
      maxVariantPrice: moneyV2(prices.length ? Math.max(...prices) : 0, ctx.shop.currency),
    };
  },
  priceRange: (p, a, ctx) => productFields.priceRangeV2!(p, a, ctx),
  compareAtPriceRange: (p, _a, ctx) => {
    const prices = p.variants.flatMap((v) => (v.compareAtPrice ? [Number(v.compareAtPrice)] : []));
    if (!prices.length) return null;
    return {
      minVariantCompareAtPrice: moneyV2(Math.min(...prices), ctx.shop.currency),
      maxVariantCompareAtPrice: moneyV2(Math.max(...prices), ctx.shop.currency),
    };
  },
  seo: () => ({ title: null, description: null }),
  metafields: () => conn([]),
  metafield: () => null,
};

const categoryFields: Fields<NonNullable<FakeProduct['category']>> = { isLeaf: () => true };

const optionFields: Fields<OptionRef> = {
  id: (r) => gid('ProductOption', r.o.id),
  name: (r) => r.o.name,
  position: (r) => r.position,
  values: (r) => r.o.values,
  optionValues: (r) =>
    r.o.values.map((name, k) => ({
      id: gid('ProductOptionValue', r.o.id * 100 + k),
      name,
      hasVariants: r.p.variants.some((v) =>
        v.selectedOptions.some((s) => s.name === r.o.name && s.value === name),
      ),
    })),
};

const imageFields: Fields<ImageRef> = {
  id: (r) => gid('ProductImage', r.img.id),
  url: (r) => r.img.url,
  altText: (r) => r.img.altText,
  width: (r) => r.img.width,
  height: (r) => r.img.height,
};

const mediaImageFields: Fields<ImageRef> = {
  id: (r) => gid('MediaImage', r.img.mediaId),
  alt: (r) => r.img.altText ?? '',
  mediaContentType: () => 'IMAGE',
  status: () => 'READY',
  image: (r) => r,
  preview: (r) => ({ image: r, status: 'READY' }),
};

const variantImage = (r: VariantRef): ImageRef | null => {
  const img = r.p.images.find((i) => i.id === r.v.imageId);
  return img ? { p: r.p, img } : null;
};

const variantFields: Fields<VariantRef> = {
  id: (r) => gid('ProductVariant', r.v.id),
  legacyResourceId: (r) => String(r.v.id),
  title: (r) => r.v.title,
  displayName: (r) => `${r.p.title} - ${r.v.title}`,
  sku: (r) => r.v.sku,
  barcode: (r) => r.v.barcode,
  price: (r) => r.v.price,
  compareAtPrice: (r) => r.v.compareAtPrice,
  position: (r) => r.v.position,
  inventoryQuantity: (r) => r.v.inventoryQuantity,
  sellableOnlineQuantity: (r) => Math.max(0, r.v.inventoryQuantity),
  availableForSale: (r) => r.v.inventoryQuantity > 0 || r.v.inventoryPolicy === 'CONTINUE',
  inventoryPolicy: (r) => r.v.inventoryPolicy,
  taxable: (r) => r.v.taxable,
  selectedOptions: (r) => r.v.selectedOptions,
  image: (r) => variantImage(r),
  media: (r) => {
    const img = variantImage(r);
    return conn(img ? [new Typed('MediaImage', img)] : [], () => ({ id: img?.img.mediaId ?? 0, value: 0 }));
  },
  inventoryItem: (r) => r,
  product: (r) => r.p,
  createdAt: (r) => r.v.createdAt,
  updatedAt: (r) => r.v.updatedAt,
};

const inventoryItemFields: Fields<VariantRef> = {
  id: (r) => gid('InventoryItem', r.v.inventoryItemId),
  legacyResourceId: (r) => String(r.v.inventoryItemId),
  sku: (r) => r.v.sku,
  tracked: () => true,
  requiresShipping: () => true,
  measurement: (r) => ({ weight: { unit: 'GRAMS', value: r.v.grams } }),
  inventoryLevels: (r, _a, ctx) => conn([r], () => ({ id: ctx.shop.location.id, value: 0 })),
  inventoryLevel: (r, args, ctx) =>
    args.locationId == null || gidArg(args.locationId, 'Location') === ctx.shop.location.id ? r : null,
  variant: (r) => r,
  createdAt: (r) => r.v.createdAt,
  updatedAt: (r) => r.v.updatedAt,
};

const inventoryLevelFields: Fields<VariantRef> = {
  id: (r, _a, ctx) =>
    `gid://shopify/InventoryLevel/${ctx.shop.location.id}?inventory_item_id=${r.v.inventoryItemId}`,
  location: (_r, _a, ctx) => ctx.shop.location,
  item: (r) => r,
  quantities: (r, args) =>
    (Array.isArray(args.names) ? (args.names as string[]) : ['available']).map((name) => ({
      name,
      quantity: name === 'available' || name === 'on_hand' ? r.v.inventoryQuantity : 0,
    })),
  updatedAt: (r) => r.v.updatedAt,
};

const locationFields: Fields<ShopState['location']> = {
  id: (l) => gid('Location', l.id),
  legacyResourceId: (l) => String(l.id),
  isActive: () => true,
};

const bulkFields: Fields<FakeBulkOperation> = { id: (op) => gid('BulkOperation', op.id) };

const lineRefs = (lines: FakeOrderLine[], currency: string) =>
  conn(
    lines.map((li): LineRef => ({ li, currency })),
    (r) => ({ id: r.li.id, value: r.li.id }),
  );

const orderFields: Fields<FakeOrder> = {
  id: (o) => gid('Order', o.id),
  legacyResourceId: (o) => String(o.id),
  closed: () => false,
  currencyCode: (o) => o.currency,
  displayFinancialStatus: (o) => o.financialStatus,
  displayFulfillmentStatus: (o) => o.fulfillmentStatus,
  totalPriceSet: (o) => moneyBag(orderTotals(o).total, o.currency),
  currentTotalPriceSet: (o) => moneyBag(orderTotals(o).total, o.currency),
  subtotalPriceSet: (o) => moneyBag(orderTotals(o).subtotal, o.currency),
  lineItems: (o) => lineRefs(o.lineItems, o.currency),
  fulfillments: (o) => o.fulfillments.map((f) => ({ o, f })),
};

const lineItemFields: Fields<LineRef> = {
  id: (r) => gid('LineItem', r.li.id),
  title: (r) => r.li.title,
  name: (r) => (r.li.variantTitle ? `${r.li.title} - ${r.li.variantTitle}` : r.li.title),
  variantTitle: (r) => r.li.variantTitle,
  sku: (r) => r.li.sku,
  quantity: (r) => r.li.quantity,
  currentQuantity: (r) => r.li.quantity,
  requiresShipping: (r) => r.li.requiresShipping,
  variant: (r, _a, ctx) => (r.li.variantId == null ? null : variantById(ctx.shop, r.li.variantId)),
  product: (r, _a, ctx) => (r.li.productId == null ? null : productById(ctx.shop, r.li.productId)),
  originalUnitPriceSet: (r) => moneyBag(r.li.price, r.currency),
  discountedUnitPriceSet: (r) => moneyBag(r.li.price, r.currency),
};

const draftOrderFields: Fields<FakeDraftOrder> = {
  id: (d) => gid('DraftOrder', d.id),
  legacyResourceId: (d) => String(d.id),
  invoiceUrl: (d, _a, ctx) =>
    `https://${ctx.shop.shopDomain}/${ctx.shop.shopId}/invoices/${crypto
      .createHash('md5')
      .update(String(d.id))
      .digest('hex')}`,
  order: (d, _a, ctx) => ctx.shop.orders.find((o) => o.id === d.orderId) ?? null,
  lineItems: (d, _a, ctx) => lineRefs(d.lineItems, ctx.shop.currency),
  totalPriceSet: (d, _a, ctx) => moneyBag(orderTotals(d).total, ctx.shop.currency),
  subtotalPriceSet: (d, _a, ctx) => moneyBag(orderTotals(d).subtotal, ctx.shop.currency),
  note2: (d) => d.note,
};

const draftLineFields: Fields<LineRef> = {
  ...lineItemFields,
  id: (r) => gid('DraftOrderLineItem', r.li.id),
};

const fulfillmentFields: Fields<{ o: FakeOrder; f: FakeFulfillment }> = {
  id: (r) => gid('Fulfillment', r.f.id),
  name: (r) => `${r.o.name}.${r.o.fulfillments.indexOf(r.f) + 1}`,
  status: (r) => r.f.status,
  createdAt: (r) => r.f.createdAt,
  updatedAt: (r) => r.f.createdAt,
  trackingInfo: (r) =>
    r.f.trackingNumber || r.f.trackingCompany
      ? [{ company: r.f.trackingCompany, number: r.f.trackingNumber, url: r.f.trackingUrl }]
      : [],
};

const subscriptionFields: Fields<FakeSubscription> = {
  id: (s) => gid('WebhookSubscription', s.id),
  callbackUrl: (s) => s.uri,
  endpoint: (s) => new Typed('WebhookHttpEndpoint', { callbackUrl: s.uri }),
  updatedAt: (s) => s.createdAt,
  apiVersion: (s) => ({ handle: s.apiVersion, displayName: s.apiVersion, supported: true }),
};

/* ================================================================================================ mutations */

type UserErr = { field: string[] | null; message: string; code?: string | null };

/** Line items from mutation input; errors go to `errors` with their input path. */
function buildLines(raw: unknown, path: string[], errors: UserErr[], shop: ShopState): FakeOrderLine[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push({ field: path, message: 'Line items must have at least one line item', code: 'INVALID' });
    return [];
  }
  return raw.map((item, i) => {
    const li = obj(item);
    const at = [...path, String(i)];
    const quantity = num(li.quantity) ?? 0;
    if (!Number.isInteger(quantity) || quantity < 1) {
      errors.push({
        field: [...at, 'quantity'],
        message: 'Quantity must be greater than 0',
        code: 'INVALID',
      });
    }
    let ref: VariantRef | null = null;
    if (li.variantId != null) {
      const g = parseGid(li.variantId);
      ref = g?.type === 'ProductVariant' ? variantById(shop, g.id) : null;
      if (!ref) {
        errors.push({
          field: [...at, 'variantId'],
          message: `Variant ${String(li.variantId)} does not exist`,
          code: 'PRODUCT_VARIANT_DOES_NOT_EXIST',
        });
      }
    }
    const explicitPrice =
      str(obj(obj(li.priceSet).shopMoney).amount) ??
      str(li.originalUnitPrice) ??
      (num(li.originalUnitPrice) != null ? money(num(li.originalUnitPrice)!) : null) ??
      str(obj(li.originalUnitPriceWithCurrency).amount);
    if (li.variantId == null && (!str(li.title) || explicitPrice == null)) {
      errors.push({
        field: [...at, 'title'],
        message: 'A custom line item needs a title and a price',
        code: 'INVALID',
      });
    }
    const v = ref?.v;
    return {
      id: 15_200_000_000_000 + ++shop.seq.line,
      variantId: v?.id ?? null,
      productId: ref?.p.id ?? null,
      title: str(li.title) ?? ref?.p.title ?? '',
      variantTitle: v && v.title !== 'Default Title' ? v.title : null,
      sku: str(li.sku) ?? v?.sku ?? null,
      quantity,
      price: explicitPrice ?? v?.price ?? '0.00',
      requiresShipping: li.requiresShipping !== false,
    };
  });
}

function toAddress(raw: unknown): FakeAddress | null {
  if (!raw || typeof raw !== 'object') return null;
  const a = obj(raw);
  const s = (k: string) => str(a[k]);
  const name = [s('firstName'), s('lastName')].filter(Boolean).join(' ');
  return {
    firstName: s('firstName'),
    lastName: s('lastName'),
    name: name || null,
    company: s('company'),
    address1: s('address1'),
    address2: s('address2'),
    city: s('city'),
    province: s('province'),
    provinceCode: s('provinceCode'),
    zip: s('zip'),
    country: s('country'),
    countryCodeV2: s('countryCode') ?? s('countryCodeV2'),
    phone: s('phone'),
  };
}

const tagList = (v: unknown) =>
  Array.isArray(v)
    ? v.map(String)
    : typeof v === 'string'
      ? v
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : [];

function decrement(shop: ShopState, lines: FakeOrderLine[]) {
  for (const li of lines) {
    const r = li.variantId == null ? null : variantById(shop, li.variantId);
    if (r) r.v.inventoryQuantity -= li.quantity;
  }
}

function createOrder(
  shop: ShopState,
  init: Omit<
    FakeOrder,
    'id' | 'name' | 'orderNumber' | 'createdAt' | 'updatedAt' | 'processedAt' | 'cancelledAt' | 'fulfillments'
  >,
): FakeOrder {
  const n = ++shop.seq.order;
  const at = nowIso();
  const order: FakeOrder = {
    ...init,
    id: 6_120_000_000_000 + n * 1_007,
    name: `#${1000 + n}`,
    orderNumber: 1000 + n,
    createdAt: at,
    updatedAt: at,
    processedAt: at,
    cancelledAt: null,
    fulfillments: [],
  };
  shop.orders.push(order);
  return order;
}

const WEBHOOK_TOPICS = new Set([
  'APP_UNINSTALLED',
  'BULK_OPERATIONS_FINISH',
  'COLLECTIONS_CREATE',
  'COLLECTIONS_DELETE',
  'COLLECTIONS_UPDATE',
  'DRAFT_ORDERS_CREATE',
  'DRAFT_ORDERS_DELETE',
  'DRAFT_ORDERS_UPDATE',
  'FULFILLMENTS_CREATE',
  'FULFILLMENTS_UPDATE',
  'INVENTORY_ITEMS_CREATE',
  'INVENTORY_ITEMS_DELETE',
  'INVENTORY_ITEMS_UPDATE',
  'INVENTORY_LEVELS_CONNECT',
  'INVENTORY_LEVELS_DISCONNECT',
  'INVENTORY_LEVELS_UPDATE',
  'ORDERS_CANCELLED',
  'ORDERS_CREATE',
  'ORDERS_DELETE',
  'ORDERS_FULFILLED',
  'ORDERS_PAID',
  'ORDERS_PARTIALLY_FULFILLED',
  'ORDERS_UPDATED',
  'PRODUCTS_CREATE',
  'PRODUCTS_DELETE',
  'PRODUCTS_UPDATE',
  'REFUNDS_CREATE',
  'SHOP_UPDATE',
]);

/** `PRODUCTS_UPDATE` → `products/update`, `INVENTORY_LEVELS_UPDATE` → `inventory_levels/update`. */
export function restTopic(topic: string): string {
  if (topic.includes('/')) return topic;
  const lower = topic.toLowerCase();
  const cut = lower.lastIndexOf('_');
  return cut < 0 ? lower : `${lower.slice(0, cut)}/${lower.slice(cut + 1)}`;
}
/** `products/update` → `PRODUCTS_UPDATE`. */
export function enumTopic(topic: string): string {
  return topic.replace('/', '_').toUpperCase();
}

const versionAtLeast = (v: string, min: string) => v === 'unstable' || v >= min;

const mutationRoot: Fields<null> = {
  orderCreate: (_s, args, ctx) => {
    const shop = ctx.shop;
    const input = obj(args.order);
    const options = obj(args.options);
    const errors: UserErr[] = [];
    const lines = buildLines(input.lineItems, ['order', 'lineItems'], errors, shop);
    const behaviour = str(options.inventoryBehaviour) ?? 'BYPASS';
    if (!errors.length && behaviour === 'DECREMENT_OBEYING_POLICY') {
      lines.forEach((li, i) => {
        const r = li.variantId == null ? null : variantById(shop, li.variantId);
        if (r && r.v.inventoryPolicy === 'DENY' && r.v.inventoryQuantity < li.quantity) {
          errors.push({
            field: ['order', 'lineItems', String(i), 'quantity'],
            message: `${r.p.title} is out of stock`,
            code: 'INVENTORY_NOT_AVAILABLE',
          });
        }
      });
    }
    if (errors.length) return { order: null, userErrors: errors };
    if (behaviour !== 'BYPASS') decrement(shop, lines);
    const transactions = Array.isArray(input.transactions) ? input.transactions.map(obj) : [];
    const paid = transactions.some(
      (t) => (t.kind === 'SALE' || t.kind === 'CAPTURE') && (t.status ?? 'SUCCESS') === 'SUCCESS',
    );
    const customer = obj(obj(input.customer).toUpsert);
    const order = createOrder(shop, {
      email: str(input.email) ?? str(customer.email),
      phone: str(input.phone),
      currency: str(input.currency) ?? shop.currency,
      financialStatus: str(input.financialStatus) ?? (paid ? 'PAID' : 'PENDING'),
      fulfillmentStatus: input.fulfillmentStatus === 'FULFILLED' ? 'FULFILLED' : 'UNFULFILLED',
      lineItems: lines,
      shippingLines: (Array.isArray(input.shippingLines) ? input.shippingLines.map(obj) : []).map((l) => ({
        title: str(l.title) ?? 'Shipping',
        price: str(obj(obj(l.priceSet).shopMoney).amount) ?? '0.00',
      })),
      shippingAddress: toAddress(input.shippingAddress),
      billingAddress: toAddress(input.billingAddress),
      tags: tagList(input.tags),
      note: str(input.note),
      sourceName: str(input.sourceName),
      sourceIdentifier: str(input.sourceIdentifier),
      customAttributes: (Array.isArray(input.customAttributes) ? input.customAttributes.map(obj) : []).map(
        (a) => ({
          key: String(a.key),
          value: String(a.value),
        }),
      ),
      test: input.test === true,
      via: 'orderCreate',
      draftOrderId: null,
      input,
      options,
    });
    return { order, userErrors: [] };
  },
  draftOrderCreate: (_s, args, ctx) => {
    const shop = ctx.shop;
    const input = obj(args.input);
    const errors: UserErr[] = [];
    const lines = buildLines(input.lineItems, ['lineItems'], errors, shop);
    if (errors.length)
      return { draftOrder: null, userErrors: errors.map(({ field, message }) => ({ field, message })) };
    const n = ++shop.seq.draft;
    const at = nowIso();
    const draft: FakeDraftOrder = {
      id: 1_140_000_000_000 + n * 1_001,
      name: `#D${n}`,
      status: 'OPEN',
      email: str(input.email),
      lineItems: lines,
      shippingAddress: toAddress(input.shippingAddress),
      billingAddress: toAddress(input.billingAddress),
      note: str(input.note),
      tags: tagList(input.tags),
      createdAt: at,
      updatedAt: at,
      completedAt: null,
      orderId: null,
      input,
    };
    shop.draftOrders.push(draft);
    return { draftOrder: draft, userErrors: [] };
  },
  draftOrderComplete: (_s, args, ctx) => {
    const shop = ctx.shop;
    const id = gidArg(args.id, 'DraftOrder');
    const draft = shop.draftOrders.find((d) => d.id === id);
    if (!draft)
      return { draftOrder: null, userErrors: [{ field: ['id'], message: 'Draft order does not exist' }] };
    if (draft.status === 'COMPLETED') {
      return {
        draftOrder: draft,
        userErrors: [{ field: ['id'], message: 'This order has already been paid' }],
      };
    }
    decrement(shop, draft.lineItems); // completing a draft reserves inventory
    const order = createOrder(shop, {
      email: draft.email,
      phone: null,
      currency: shop.currency,
      financialStatus: args.paymentPending === true ? 'PENDING' : 'PAID',
      fulfillmentStatus: 'UNFULFILLED',
      lineItems: draft.lineItems.map((li) => ({ ...li, id: 15_200_000_000_000 + ++shop.seq.line })),
      shippingLines: [],
      shippingAddress: draft.shippingAddress,
      billingAddress: draft.billingAddress,
      tags: draft.tags,
      note: draft.note,
      sourceName: str(args.sourceName) ?? 'shopify_draft_order',
      sourceIdentifier: null,
      customAttributes: [],
      test: false,
      via: 'draftOrderComplete',
      draftOrderId: draft.id,
      input: draft.input,
      options: {
        paymentPending: args.paymentPending ?? false,
        paymentGatewayId: args.paymentGatewayId ?? null,
      },
    });
    draft.status = 'COMPLETED';
    draft.completedAt = order.createdAt;
    draft.updatedAt = order.createdAt;
    draft.orderId = order.id;
    return { draftOrder: draft, userErrors: [] };
  },
  webhookSubscriptionCreate: (_s, args, ctx) => {
    const shop = ctx.shop;
    const topic = str(args.topic) ?? '';
    if (!WEBHOOK_TOPICS.has(topic)) {
      throw new GqlError(
        `Argument 'topic' on Field 'webhookSubscriptionCreate' has an invalid value (${topic}). Expected type 'WebhookSubscriptionTopic!'.`,
        { extensions: { code: 'argumentLiteralsIncompatible', typeName: 'Field', argumentName: 'topic' } },
      );
    }
    const ws = obj(args.webhookSubscription);
    const uri = str(ws.uri) ?? str(ws.callbackUrl) ?? '';
    const field = ['webhookSubscription', ws.uri != null ? 'uri' : 'callbackUrl'];
    let problem: string | null = null;
    if (!uri) problem = "Address can't be blank";
    else if (!/^(https?|pubsub|arn):/.test(uri) || (/^https?:/.test(uri) && !URL.canParse(uri)))
      problem = 'Address is invalid';
    else if (shop.subscriptions.some((s) => s.topic === topic && s.uri === uri))
      problem = 'Address for this topic has already been taken';
    if (problem) return { webhookSubscription: null, userErrors: [{ field, message: problem }] };
    const sub: FakeSubscription = {
      id: 1_470_000_000_000 + ++shop.seq.sub,
      topic,
      uri,
      format: str(ws.format) ?? 'JSON',
      includeFields: Array.isArray(ws.includeFields) ? ws.includeFields.map(String) : [],
      filter: str(ws.filter),
      createdAt: nowIso(),
      apiVersion: ctx.version,
    };
    shop.subscriptions.push(sub);
    return { webhookSubscription: sub, userErrors: [] };
  },
  webhookSubscriptionDelete: (_s, args, ctx) => {
    const id = gidArg(args.id, 'WebhookSubscription');
    const idx = ctx.shop.subscriptions.findIndex((s) => s.id === id);
    if (idx < 0) {
      return {
        deletedWebhookSubscriptionId: null,
        userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }],
      };
    }
    ctx.shop.subscriptions.splice(idx, 1);
    return { deletedWebhookSubscriptionId: gid('WebhookSubscription', id!), userErrors: [] };
  },
  bulkOperationRunQuery: (_s, args, ctx) => {
    const shop = ctx.shop;
    const query = str(args.query) ?? '';
    const running = shop.bulkOperations.filter((o) => o.status === 'CREATED' || o.status === 'RUNNING');
    const limit = versionAtLeast(ctx.version, '2026-01') ? 5 : 1;
    if (running.length >= limit) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: null,
            message: `A bulk query operation for this app and shop is already in progress: ${gid('BulkOperation', running[0]!.id)}.`,
            code: 'OPERATION_IN_PROGRESS',
          },
        ],
      };
    }
    const problem = bulkQueryProblem(query);
    if (problem)
      return { bulkOperation: null, userErrors: [{ field: ['query'], message: problem, code: 'INVALID' }] };
    const op: FakeBulkOperation = {
      id: 5_210_000_000_000 + ++shop.seq.bulk,
      type: 'QUERY',
      status: 'CREATED',
      query,
      groupObjects: args.groupObjects === true,
      errorCode: null,
      createdAt: nowIso(),
      completedAt: null,
      objectCount: '0',
      rootObjectCount: '0',
      fileSize: null,
      url: null,
      partialDataUrl: null,
      polls: 0,
    };
    shop.bulkOperations.push(op);
    return { bulkOperation: op, userErrors: [] };
  },
  bulkOperationCancel: (_s, args, ctx) => {
    const id = gidArg(args.id, 'BulkOperation');
    const op = ctx.shop.bulkOperations.find((o) => o.id === id) ?? null;
    if (!op)
      return {
        bulkOperation: null,
        userErrors: [{ field: ['id'], message: 'Bulk operation does not exist' }],
      };
    if (op.status !== 'CREATED' && op.status !== 'RUNNING') {
      return {
        bulkOperation: op,
        userErrors: [
          {
            field: null,
            message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}`,
          },
        ],
      };
    }
    op.status = 'CANCELING';
    return { bulkOperation: op, userErrors: [] };
  },
};

const RESOLVERS: Record<string, Fields<never>> = {
  QueryRoot: queryRoot,
  Mutation: mutationRoot,
  Shop: shopFields,
  Product: productFields,
  TaxonomyCategory: categoryFields,
  ProductOption: optionFields,
  Image: imageFields,
  MediaImage: mediaImageFields,
  ProductVariant: variantFields,
  InventoryItem: inventoryItemFields,
  InventoryLevel: inventoryLevelFields,
  Location: locationFields,
  BulkOperation: bulkFields,
  Order: orderFields,
  LineItem: lineItemFields,
  DraftOrder: draftOrderFields,
  DraftOrderLineItem: draftLineFields,
  Fulfillment: fulfillmentFields,
  WebhookSubscription: subscriptionFields,
};

/* ================================================================================================ bulk operations */

/** Why Shopify would refuse this bulk query (null when it is acceptable). */
function bulkQueryProblem(query: string): string | null {
  let doc: DocNode;
  try {
    doc = parseDocument(query);
  } catch (e) {
    return `Invalid bulk query: ${(e as Error).message}`;
  }
  const op = doc.ops[0];
  if (!op || doc.ops.length > 1 || op.op !== 'query')
    return 'Invalid bulk query: a single query operation is required';
  const scope: Scope = { vars: {}, frags: doc.frags };
  const v: Validation = { ...scope, errors: [], bulk: true, fragStack: new Set() };
  validateSelection(op.sel, 'QueryRoot', v, ['query']);
  if (v.errors[0]) return `Invalid bulk query: ${v.errors[0].message}`;
  let connections = 0;
  let problem: string | null = null;
  const walk = (sel: Sel[], typeName: string, depth: number, parentHasId: boolean) => {
    for (const f of collectFields(sel, typeName, scope).values()) {
      const ft = fieldTypeAny(typeName, f.name);
      if (!ft) continue;
      const named = namedType(ft);
      if (isLeaf(named)) continue;
      if (isConnection(named)) {
        connections++;
        if (depth >= 2)
          problem ??= 'Bulk queries cannot contain connections with a nesting depth greater than 2.';
        if (depth >= 1 && !parentHasId) {
          problem ??= `The parent 'node' field for a nested connection must select the 'id' field. Connection field: '${f.name}'.`;
        }
        const nodeSel = connectionNodeSel(f, named, scope);
        const nodeType = named.slice(0, -'Connection'.length);
        const hasId = [...collectFields(nodeSel, nodeType, scope).values()].some((x) => x.name === 'id');
        walk(nodeSel, nodeType, depth + 1, hasId);
      } else
        walk(
          f.sel ?? [],
          named,
          depth,
          [...collectFields(f.sel ?? [], named, scope).values()].some((x) => x.name === 'id'),
        );
    }
  };
  walk(op.sel, 'QueryRoot', 0, false);
  if (connections === 0) return 'Bulk queries must contain at least one connection.';
  if (connections > 5) return 'Bulk queries cannot contain more than 5 connections.';
  return problem;
}

/** One poll: CREATED → RUNNING (for `bulkRunningPolls` polls) → COMPLETED (or FAILED); CANCELING → CANCELED. */
function advanceBulk(shop: ShopState, op: FakeBulkOperation) {
  if (op.status === 'CANCELING') {
    op.status = 'CANCELED';
    op.completedAt = nowIso();
    return;
  }
  if (op.status !== 'CREATED' && op.status !== 'RUNNING') return;
  op.polls++;
  if (op.polls <= shop.bulkRunningPolls) {
    op.status = 'RUNNING';
    return;
  }
  completeBulk(shop, op);
}

function completeBulk(shop: ShopState, op: FakeBulkOperation) {
  op.completedAt = nowIso();
  if (shop.failBulk) {
    op.status = 'FAILED';
    op.errorCode = shop.failBulk;
    shop.failBulk = null;
    return;
  }
  const doc = parseDocument(op.query);
  const opNode = doc.ops[0]!;
  const ctx: ExecCtx = {
    vars: {},
    frags: doc.frags,
    shop,
    version: 'bulk',
    cost: 0,
    suppress: 1,
    bulk: true,
    errors: [],
    search: [],
  };
  const data = execObject(null, 'QueryRoot', opNode.sel, ctx, false, []);

  // One block per root object: its line, then every descendant line (children carry `__parentId`).
  const blocks: Record<string, unknown>[][] = [];
  const emit = (
    value: unknown,
    sel: Sel[],
    typeName: string,
    parentId: unknown,
    block: Record<string, unknown>[],
  ) => {
    const row = obj(value);
    const line: Record<string, unknown> = {};
    const nested: [unknown[], Sel[], string][] = [];
    for (const [key, f] of collectFields(sel, typeName, ctx)) {
      const named = namedType(fieldTypeAny(typeName, f.name) ?? 'String');
      if (isConnection(named))
        nested.push([connectionNodes(row[key], f, named, ctx), connectionNodeSel(f, named, ctx), named]);
      else line[key] = row[key];
    }
    if (parentId !== undefined) line.__parentId = parentId;
    block.push(line);
    for (const [nodes, nodeSel, named] of nested) {
      for (const node of nodes) emit(node, nodeSel, named.slice(0, -'Connection'.length), row.id, block);
    }
  };
  for (const [key, f] of collectFields(opNode.sel, 'QueryRoot', ctx)) {
    const named = namedType(fieldType('QueryRoot', f.name) ?? 'String');
    if (isConnection(named)) {
      const nodeType = named.slice(0, -'Connection'.length);
      for (const node of connectionNodes(data[key], f, named, ctx)) {
        const block: Record<string, unknown>[] = [];
        emit(node, connectionNodeSel(f, named, ctx), nodeType, undefined, block);
        blocks.push(block);
      }
    } else if (data[key] != null && !isLeaf(named)) {
      const block: Record<string, unknown>[] = [];
      emit(data[key], f.sel ?? [], named, undefined, block);
      blocks.push(block);
    }
  }
  // Without groupObjects (the default since 2026-01) children are not guaranteed to follow their parent: as in
  // Shopify's own example, the last child of every third parent comes after the next parent's block.
  const lines: Record<string, unknown>[] = [];
  let carried: Record<string, unknown> | null = null;
  blocks.forEach((block, k) => {
    const b = [...block];
    const held = !op.groupObjects && k % 3 === 0 && b.length > 2 && k + 1 < blocks.length ? b.pop()! : null;
    lines.push(...b);
    if (carried) lines.push(carried);
    carried = held;
  });
  if (carried) lines.push(carried);

  const content = lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '');
  op.status = 'COMPLETED';
  op.objectCount = String(lines.length);
  op.rootObjectCount = String(blocks.length);
  op.fileSize = lines.length ? String(Buffer.byteLength(content)) : null;
  op.url = lines.length ? `${shop.baseUrl}/bulk/${op.id}.jsonl` : null;
  if (lines.length) shop.bulkFiles.set(op.id, content);
}

/** The node objects of an executed connection value (from `nodes` or `edges[].node`). */
function connectionNodes(value: unknown, f: FieldNode, connType: string, scope: Scope): unknown[] {
  const v = obj(value);
  const nodeType = connType.slice(0, -'Connection'.length);
  for (const [key, cf] of collectFields(f.sel ?? [], connType, scope)) {
    if (cf.name === 'nodes' && Array.isArray(v[key])) return v[key];
    if (cf.name === 'edges' && Array.isArray(v[key])) {
      const nodeKey = [...collectFields(cf.sel ?? [], `${nodeType}Edge`, scope)].find(
        ([, ef]) => ef.name === 'node',
      )?.[0];
      if (nodeKey) return (v[key] as unknown[]).map((e) => obj(e)[nodeKey]);
    }
  }
  return [];
}

/* ================================================================================================ the server */

class Bucket {
  available: number;
  private last = Date.now();
  constructor(
    readonly max: number,
    readonly rate: number,
  ) {
    this.available = max;
  }
  refill() {
    const now = Date.now();
    this.available = Math.min(this.max, this.available + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
  status() {
    this.refill();
    return {
      maximumAvailable: this.max,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.rate,
    };
  }
}

export const SUPPORTED_API_VERSIONS = [
  '2024-10',
  '2025-01',
  '2025-04',
  '2025-07',
  '2025-10',
  '2026-01',
  '2026-04',
  '2026-07',
  'unstable',
];

export type FakeShopifyOptions = {
  accessToken: string;
  /** The app's client secret: webhook HMACs are made with it. */
  appSecret: string;
  /** The app's configured API version (webhook `X-Shopify-API-Version`); any supported version is served. */
  apiVersion?: string;
  /** The catalog, or how many realistic products to generate (default 0). */
  products?: FakeProduct[] | number;
  /** Seed for generated products (default 1). */
  seed?: number;
  /** The leaky bucket (Standard plan: 2000 points, 100 per second). */
  costLimit?: { maximumAvailable: number; restoreRate: number };
  /** A single query's maximum requested cost (MAX_COST_EXCEEDED past it). Default 1000. */
  maxQueryCost?: number;
  /** The HTTP status of a THROTTLED answer: 200 (Shopify's usual) or 429. */
  throttledStatus?: 200 | 429;
  /** How many polls a bulk operation answers RUNNING before it completes (default 1). */
  bulkRunningPolls?: number;
  /** The `{name}.myshopify.com` name (default 'aisle-test-store'). */
  shopName?: string;
  currency?: string;
  /** Added before every answer. */
  latencyMs?: number;
};

export type ReceivedRequest = {
  method: string;
  /** Path and query string. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the body was JSON, else the raw text. */
  body: unknown;
  rawBody: string;
  /** Filled in once answered. */
  status: number;
  /** For GraphQL calls: the operation and the root fields it asked for. */
  graphql?: { query: string; variables: Vars; operationName: string | null; rootFields: string[] };
};

export type ShopifyWebhook = {
  topic: string;
  /** Exactly the headers Shopify sends (names as Shopify spells them). */
  headers: Record<string, string>;
  /** The raw JSON body that was signed. */
  body: string;
  webhookId: string;
  eventId: string;
};

export type WebhookOptions = {
  webhookId?: string;
  eventId?: string;
  triggeredAt?: string;
  /** Sign with another secret (to test rejection). */
  secret?: string;
  apiVersion?: string;
};

export type Delivery = { uri: string; webhook: ShopifyWebhook; status: number; body: string; error?: string };

export type FakeShopify = {
  /** The shop's base URL (stands for https://{shop}.myshopify.com). */
  url: string;
  shopDomain: string;
  accessToken: string;
  apiVersion: string;
  /** `${url}/admin/api/${version}/graphql.json` */
  graphqlUrl(version?: string): string;
  received: ReceivedRequest[];
  /** The live product list (mutate freely, or use the helpers below). */
  store: FakeProduct[];
  orders: FakeOrder[];
  draftOrders: FakeDraftOrder[];
  subscriptions: FakeSubscription[];
  bulkOperations: FakeBulkOperation[];
  stats: { requests: number; throttled: number; failed: number; maxCostExceeded: number; costSpent: number };
  setProducts(products: FakeProduct[] | number): void;
  addProduct(init?: ProductInit): FakeProduct;
  /** Applies a patch (or a function) and moves `updatedAt` forward unless the patch sets it. */
  updateProduct(id: number | string, patch: Partial<FakeProduct> | ((p: FakeProduct) => void)): FakeProduct;
  updateVariant(id: number | string, patch: Partial<FakeVariant>): FakeVariant;
  deleteProduct(id: number | string): FakeProduct | null;
  /** Sets a variant's stock (by variant or inventory item id); returns the `inventory_levels/update` body. */
  setInventory(id: number | string, available: number): ReturnType<typeof inventoryLevel>;
  /** The next n requests (of any kind) answer this status (default 503). */
  failNext(n: number, status?: number): void;
  /** While on, every GraphQL call is THROTTLED. */
  throttle(on: boolean): void;
  throttleStatus(): { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
  /** The next bulk operation to complete ends FAILED with this error code. */
  failNextBulk(errorCode?: string): void;
  /** Completes the newest running bulk operation now; returns the `bulk_operations/finish` webhook body. */
  finishBulk(): Record<string, unknown> | null;
  /** Marks an order fulfilled; returns the `fulfillments/create` webhook body. */
  fulfillOrder(
    id: number | string,
    tracking?: { company?: string; number?: string; url?: string },
  ): ReturnType<typeof toRestFulfillment>;
  /** Cancels an order; returns the `orders/cancelled` webhook body. */
  cancelOrder(id: number | string): ReturnType<typeof toRestOrder>;
  /** A delivery as Shopify would send it to a subscriber (a string payload is sent byte for byte). */
  webhook(topic: string, payload: unknown, opts?: WebhookOptions): ShopifyWebhook;
  /** POSTs a webhook to every subscription for its topic (one delivery each, sharing the event id). */
  deliver(topic: string, payload: unknown, opts?: WebhookOptions): Promise<Delivery[]>;
  /** POSTs a built webhook to a URL (a retry resends the same object). */
  send(hook: ShopifyWebhook, uri: string): Promise<Delivery>;
  close(): Promise<void>;
};

const FAIL_TEXT: Record<number, string> = {
  429: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export async function startFakeShopify(options: FakeShopifyOptions): Promise<FakeShopify> {
  const {
    accessToken,
    appSecret,
    apiVersion = '2025-07',
    seed = 1,
    costLimit = { maximumAvailable: 2000, restoreRate: 100 },
    maxQueryCost = 1000,
    throttledStatus = 200,
    latencyMs = 0,
  } = options;
  const shopName = options.shopName ?? 'aisle-test-store';
  const shopDomain = `${shopName}.myshopify.com`;
  const initial = options.products ?? 0;
  const shop: ShopState = {
    shopName: shopName
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' '),
    shopDomain,
    shopId: 68_817_223_829,
    baseUrl: '',
    currency: options.currency ?? 'USD',
    location: { id: FAKE_LOCATION_ID, name: 'Warehouse' },
    products: typeof initial === 'number' ? generateProducts(initial, seed) : [...initial],
    orders: [],
    draftOrders: [],
    subscriptions: [],
    bulkOperations: [],
    bulkFiles: new Map(),
    bulkRunningPolls: options.bulkRunningPolls ?? 1,
    failBulk: null,
    seq: { order: 0, draft: 0, line: 0, sub: 0, bulk: 0, fulfillment: 0 },
  };
  const bucket = new Bucket(costLimit.maximumAvailable, costLimit.restoreRate);
  const received: ReceivedRequest[] = [];
  const stats = { requests: 0, throttled: 0, failed: 0, maxCostExceeded: 0, costSpent: 0 };
  const failQueue: number[] = [];
  let forceThrottle = false;

  const costExtension = (requested: number, actual: number | null) => ({
    cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status() },
  });

  function runGraphQL(
    version: string,
    query: string,
    variables: Vars,
    operationName: string | null,
    rec: ReceivedRequest,
  ): { status: number; json: unknown } {
    const failed = (errors: GqlErrorJson[]) => ({
      status: 200,
      json: { errors, extensions: costExtension(0, 0) },
    });
    let doc: DocNode;
    try {
      doc = parseDocument(query);
    } catch (e) {
      if (e instanceof GqlError) return failed([e.toJSON()]);
      throw e;
    }
    const op = operationName
      ? doc.ops.find((o) => o.name === operationName)
      : doc.ops.length === 1
        ? doc.ops[0]
        : undefined;
    if (!op) {
      return failed([
        {
          message: operationName
            ? `No operation named "${operationName}"`
            : doc.ops.length
              ? 'An operation name is required'
              : 'No query string was present',
        },
      ]);
    }
    rec.graphql = {
      query,
      variables,
      operationName,
      rootFields: op.sel.flatMap((s) => (s.kind === 'field' ? [s.name] : [])),
    };
    if (op.op === 'subscription') return failed([{ message: 'Subscriptions are not supported' }]);

    const vars: Vars = {};
    const errors: GqlErrorJson[] = [];
    for (const vd of op.vars) {
      const given = variables[vd.name];
      if (given === undefined && vd.def) vars[vd.name] = resolveValue(vd.def, {});
      else if (given == null && vd.type.endsWith('!')) {
        errors.push({
          message: `Variable $${vd.name} of type ${vd.type} was provided invalid value`,
          locations: [vd.loc],
          extensions: {
            code: 'INVALID_VARIABLE',
            value: null,
            problems: [{ path: [], explanation: 'Expected value to not be null' }],
          },
        });
      } else if (given !== undefined) vars[vd.name] = given;
    }
    if (errors.length) return failed(errors);

    const rootType = op.op === 'mutation' ? 'Mutation' : 'QueryRoot';
    const scope: Scope = { vars, frags: doc.frags };
    const validation: Validation = { ...scope, errors, bulk: false, fragStack: new Set() };
    validateSelection(op.sel, rootType, validation, [op.name ? `${op.op} ${op.name}` : op.op]);
    if (errors.length) return failed(errors);

    const requested =
      op.op === 'mutation'
        ? [...collectFields(op.sel, rootType, scope).values()].reduce(
            (s, f) =>
              s +
              (f.name === '__typename'
                ? 0
                : 10 +
                  requestedCost(
                    f.sel ?? [],
                    namedType(fieldType(rootType, f.name) ?? 'String'),
                    scope,
                    false,
                  )),
            0,
          )
        : requestedCost(op.sel, rootType, scope, false);
    if (requested > maxQueryCost) {
      stats.maxCostExceeded++;
      return {
        status: 200,
        json: {
          errors: [
            {
              message:
                `Query cost is ${requested}, which exceeds the single query max cost limit (${maxQueryCost}).\n\n` +
                'See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n' +
                'cost of a query is calculated.\n\n' +
                'To query larger amounts of data with fewer limits, bulk operations should be used instead.\n' +
                'See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n',
              extensions: {
                code: 'MAX_COST_EXCEEDED',
                cost: requested,
                maxCost: maxQueryCost,
                documentation: RATE_LIMIT_DOCS,
              },
            },
          ],
          extensions: costExtension(requested, null),
        },
      };
    }
    bucket.refill();
    if (forceThrottle || requested > bucket.available) {
      stats.throttled++;
      return {
        status: throttledStatus,
        json: {
          errors: [
            { message: 'Throttled', extensions: { code: 'THROTTLED', documentation: RATE_LIMIT_DOCS } },
          ],
          extensions: costExtension(requested, null),
        },
      };
    }
    bucket.available -= requested;
    const ctx: ExecCtx = {
      ...scope,
      shop,
      version,
      cost: 0,
      suppress: 0,
      bulk: false,
      errors: [],
      search: [],
    };
    const data = execObject(null, rootType, op.sel, ctx, false, []);
    const actual = op.op === 'mutation' ? requested : Math.min(requested, ctx.cost);
    bucket.available = Math.min(bucket.max, bucket.available + (requested - actual));
    stats.costSpent += actual;
    const extensions = {
      ...costExtension(requested, actual),
      ...(ctx.search.length && { search: ctx.search }),
    };
    return {
      status: 200,
      json: ctx.errors.length ? { errors: ctx.errors, data, extensions } : { data, extensions },
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string) {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    let body: unknown = rawBody;
    try {
      if (rawBody) body = JSON.parse(rawBody);
    } catch {
      // not JSON: keep the text
    }
    const rec: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      headers: req.headers,
      body,
      rawBody,
      status: 0,
    };
    received.push(rec);
    stats.requests++;
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res
        .writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'x-request-id': crypto.randomUUID(),
          ...headers,
        })
        .end(text);
    };
    if (latencyMs) await new Promise((r) => setTimeout(r, latencyMs));

    const failStatus = failQueue.shift();
    if (failStatus !== undefined) {
      stats.failed++;
      return send(
        failStatus,
        { errors: FAIL_TEXT[failStatus] ?? 'Internal Server Error' },
        failStatus === 429 ? { 'retry-after': '2.0' } : {},
      );
    }

    const bulkFile = /^\/bulk\/(\d+)\.jsonl$/.exec(url.pathname);
    if (bulkFile && req.method === 'GET') {
      const content = shop.bulkFiles.get(Number(bulkFile[1]));
      if (content === undefined) return send(404, { errors: 'Not Found' });
      rec.status = 200;
      res
        .writeHead(200, {
          'content-type': 'application/jsonl',
          'content-length': String(Buffer.byteLength(content)),
        })
        .end(content);
      return;
    }

    const gql = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(url.pathname);
    const version = gql?.[1] ?? '';
    if (!gql || req.method !== 'POST' || !SUPPORTED_API_VERSIONS.includes(version)) {
      return send(404, { errors: 'Not Found' });
    }
    if (req.headers['x-shopify-access-token'] !== accessToken) {
      return send(401, {
        errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
      });
    }
    let query: string | null;
    let variables: Vars = {};
    let operationName: string | null = null;
    if (String(req.headers['content-type'] ?? '').startsWith('application/graphql')) query = rawBody;
    else {
      const b = obj(body);
      query = str(b.query);
      variables = obj(b.variables);
      operationName = str(b.operationName);
    }
    if (!query) return send(400, { errors: { query: 'Required parameter missing or invalid' } });
    const result = runGraphQL(version, query, variables, operationName, rec);
    send(result.status, result.json, {
      'x-shopify-api-version': version,
      ...(result.status === 429 && { 'retry-after': '1.0' }),
    });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent) {
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end(JSON.stringify({ errors: 'Internal Server Error', fake: String(err) }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  shop.baseUrl = base;

  const mustProduct = (id: number | string) => {
    const p = productById(shop, idOf(id));
    if (!p) throw new Error(`fake shopify: no product ${id}`);
    return p;
  };
  const mustOrder = (id: number | string) => {
    const o =
      typeof id === 'string' && id.startsWith('#')
        ? shop.orders.find((x) => x.name === id)
        : shop.orders.find((x) => x.id === idOf(id));
    if (!o) throw new Error(`fake shopify: no order ${id}`);
    return o;
  };

  function webhook(topic: string, payload: unknown, opts: WebhookOptions = {}): ShopifyWebhook {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const webhookId = opts.webhookId ?? crypto.randomUUID();
    const eventId = opts.eventId ?? crypto.randomUUID();
    return {
      topic: restTopic(topic),
      body,
      webhookId,
      eventId,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Shopify-Captain-Hook',
        'X-Shopify-Topic': restTopic(topic),
        'X-Shopify-Hmac-Sha256': crypto
          .createHmac('sha256', opts.secret ?? appSecret)
          .update(body, 'utf8')
          .digest('base64'),
        'X-Shopify-Shop-Domain': shopDomain,
        'X-Shopify-API-Version': opts.apiVersion ?? apiVersion,
        'X-Shopify-Webhook-Id': webhookId,
        'X-Shopify-Triggered-At': opts.triggeredAt ?? new Date().toISOString(),
        'X-Shopify-Event-Id': eventId,
      },
    };
  }

  async function send(hook: ShopifyWebhook, uri: string): Promise<Delivery> {
    try {
      const res = await fetch(uri, { method: 'POST', headers: hook.headers, body: hook.body });
      return { uri, webhook: hook, status: res.status, body: await res.text() };
    } catch (err) {
      return { uri, webhook: hook, status: 0, body: '', error: String(err) };
    }
  }

  return {
    url: base,
    shopDomain,
    accessToken,
    apiVersion,
    graphqlUrl: (version = apiVersion) => `${base}/admin/api/${version}/graphql.json`,
    received,
    store: shop.products,
    orders: shop.orders,
    draftOrders: shop.draftOrders,
    subscriptions: shop.subscriptions,
    bulkOperations: shop.bulkOperations,
    stats,
    setProducts(products) {
      shop.products.splice(
        0,
        shop.products.length,
        ...(typeof products === 'number' ? generateProducts(products, seed) : products),
      );
    },
    addProduct(init = {}) {
      const p = makeProduct(init);
      shop.products.push(p);
      return p;
    },
    updateProduct(id, patch) {
      const p = mustProduct(id);
      const before = p.updatedAt;
      if (typeof patch === 'function') patch(p);
      else Object.assign(p, patch);
      if (p.updatedAt === before) p.updatedAt = later(before);
      return p;
    },
    updateVariant(id, patch) {
      const r = findVariant(shop, (v) => v.id === idOf(id));
      if (!r) throw new Error(`fake shopify: no variant ${id}`);
      Object.assign(r.v, patch);
      if (!patch.updatedAt) r.v.updatedAt = later(r.v.updatedAt);
      if (r.p.updatedAt < r.v.updatedAt) r.p.updatedAt = r.v.updatedAt;
      return r.v;
    },
    deleteProduct(id) {
      const idx = shop.products.findIndex((p) => p.id === idOf(id));
      return idx < 0 ? null : shop.products.splice(idx, 1)[0]!;
    },
    setInventory(id, available) {
      const n = idOf(id);
      const r = findVariant(shop, (v) => v.id === n || v.inventoryItemId === n);
      if (!r) throw new Error(`fake shopify: no variant or inventory item ${id}`);
      r.v.inventoryQuantity = available;
      r.v.updatedAt = later(r.v.updatedAt);
      return inventoryLevel(r.v, { updatedAt: r.v.updatedAt });
    },
    failNext(n, status = 503) {
      for (let i = 0; i < n; i++) failQueue.push(status);
    },
    throttle(on) {
      forceThrottle = on;
    },
    throttleStatus: () => bucket.status(),
    failNextBulk(errorCode = 'INTERNAL_SERVER_ERROR') {
      shop.failBulk = errorCode;
    },
    finishBulk() {
      const op = [...shop.bulkOperations]
        .reverse()
        .find((o) => o.status === 'CREATED' || o.status === 'RUNNING');
      if (!op) return null;
      completeBulk(shop, op);
      return {
        admin_graphql_api_id: gid('BulkOperation', op.id),
        completed_at: restTime(op.completedAt!),
        created_at: restTime(op.createdAt),
        error_code: op.errorCode?.toLowerCase() ?? null,
        status: op.status.toLowerCase(),
        type: op.type.toLowerCase(),
      };
    },
    fulfillOrder(id, tracking = {}) {
      const o = mustOrder(id);
      const f: FakeFulfillment = {
        id: 5_500_000_000_000 + ++shop.seq.fulfillment,
        status: 'SUCCESS',
        trackingCompany: tracking.company ?? null,
        trackingNumber: tracking.number ?? null,
        trackingUrl: tracking.url ?? null,
        createdAt: nowIso(),
        lineItemIds: o.lineItems.map((li) => li.id),
      };
      o.fulfillments.push(f);
      o.fulfillmentStatus = 'FULFILLED';
      o.updatedAt = later(o.updatedAt);
      return toRestFulfillment(o, f);
    },
    cancelOrder(id) {
      const o = mustOrder(id);
      o.cancelledAt = nowIso();
      o.updatedAt = later(o.updatedAt);
      return toRestOrder(o);
    },
    webhook,
    async deliver(topic, payload, opts = {}) {
      const eventId = opts.eventId ?? crypto.randomUUID();
      const subs = shop.subscriptions.filter((s) => s.topic === enumTopic(restTopic(topic)));
      return Promise.all(subs.map((s) => send(webhook(topic, payload, { ...opts, eventId }), s.uri)));
    },
    send,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
