// The shape of the hand-written demo catalog data (scripts/demo-catalog/<merchant>.ts) and the deterministic rules
// that turn it into canonical catalog records: variant grids, SKUs, sale prices, stock levels, image and product URLs.
// Nothing here is random: stock levels come from a PRNG seeded with the product's source_id.
import type { ProductRecord, VariantRecord } from '../../src/catalog/import-format.js';

export interface Merchant {
  slug: string;
  name: string;
  store_url: string;
  description: string;
}

/** One option axis of a product, e.g. Color or Size. A value may carry its own regular price (e.g. a bigger size). */
export interface Dim {
  name: string;
  values: (string | [value: string, price: number])[];
}

export type Gender = 'men' | 'women' | 'unisex';

/** The variant grid a family uses unless an item gives `dims` itself. */
export type Scheme =
  | 'single' // one variant, options {}
  | 'color' // Color only
  | 'apparel' // Color x Size (XS-XXL unless the item gives sizes)
  | 'shoes' // Color x US size, by gender (men 7-13, women 6-11, unisex 6-13)
  | 'socks'; // Color x sock size S-XL

export interface Item {
  vendor: string;
  /** Title without the brand; the record's title is `${vendor} ${name}`. */
  name: string;
  /** Regular price in dollars (the price before any sale). */
  price: number;
  /** 2-4 sentences, plain text. */
  desc: string;
  tags?: string[];
  colors?: string[];
  sizes?: string[];
  /** Shoes: offer half sizes (default: the family's setting). */
  half?: boolean;
  /** Shoes: also offer a Wide width. */
  wide?: boolean;
  dims?: Dim[];
  type?: string;
  category?: string;
  gender?: Gender;
  /** Percent off; the variant price becomes the sale price and compare_at_price the regular price. */
  sale?: number;
  /** Only variants with one of these option values are on sale. */
  saleOnly?: string[];
  /** Every variant has available_qty 0. */
  soldOut?: boolean;
  status?: 'draft' | 'archived';
}

export interface Family {
  /** Product source ids are `${prefix}-${base + index + 1}`: append new items at the end to keep ids stable. */
  base: number;
  type: string;
  category: string;
  tags: string[];
  scheme: Scheme;
  /** Apparel and footwear: tag and size by gender. */
  gendered?: boolean;
  half?: boolean;
  /** Typical units in stock per variant when in stock. */
  stock?: [min: number, max: number];
  items: Item[];
}

export interface MerchantCatalog {
  merchant: Merchant;
  prefix: string;
  families: Family[];
}

export const XS_XXL = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
export const S_XXL = ['S', 'M', 'L', 'XL', 'XXL'];
export const XS_XL = ['XS', 'S', 'M', 'L', 'XL'];
export const SOCK_SIZES = ['S', 'M', 'L', 'XL'];
export const ONE_SIZE = ['One Size'];

/** US shoe sizes from..to, optionally with half sizes (no half size above 12, as most brands do). */
export function usSizes(from: number, to: number, half: boolean): string[] {
  const out: string[] = [];
  for (let s = from; s <= to; s += 0.5) {
    if (!Number.isInteger(s) && (!half || s > 12)) continue;
    out.push(String(s));
  }
  return out;
}

// --- deterministic helpers -------------------------------------------------------------------------------------

/** FNV-1a, 32 bit. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’"]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const toCents = (dollars: number) => Math.round(dollars * 100);
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** Sale price in cents: the regular price less pct, ending in .99 like the regular prices do. */
function salePrice(regular: number, pct: number): number {
  let cents = Math.floor((regular * (100 - pct)) / 100 / 100) * 100 + 99;
  if (regular % 100 === 0) cents -= 99; // whole-dollar prices stay whole
  while (cents >= regular) cents -= 100;
  return Math.max(cents, 99);
}

/** A short SKU code for an option value: the first three letters of each word, or the value itself for sizes. */
function code(value: string): string {
  if (/^[\d.]+$/.test(value) || /^[A-Z]{1,3}$/.test(value)) return value;
  return value
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => (/^\d/.test(w) ? w : w.slice(0, 3)))
    .join('')
    .toUpperCase()
    .slice(0, 9);
}

/** SKU codes for every value of one option, lengthened where two values would share a code (Charcoal, Chalk). */
function codesFor(dim: Dim): Map<string, string> {
  const values = dim.values.map((v) => (typeof v === 'string' ? v : v[0]));
  const codes = new Map(values.map((v) => [v, code(v)]));
  for (const v of values) {
    const clash = values.filter((w) => codes.get(w) === codes.get(v));
    if (clash.length > 1) {
      clash.forEach((w) =>
        codes.set(
          w,
          w
            .toUpperCase()
            .replace(/[^A-Z0-9]+/g, '')
            .slice(0, 12),
        ),
      );
    }
  }
  if (new Set(codes.values()).size !== values.length)
    throw new Error(`${dim.name}: SKU codes are not unique`);
  return codes;
}

function genderOf(item: Item, family: Family): Gender | undefined {
  if (!family.gendered) return item.gender;
  if (item.gender) return item.gender;
  if (/\bWomen's\b/.test(item.name)) return 'women';
  if (/\bMen's\b/.test(item.name)) return 'men';
  return 'unisex';
}

function dimsOf(item: Item, family: Family, gender: Gender | undefined): Dim[] {
  if (item.dims) return item.dims;
  const colors: Dim[] = item.colors ? [{ name: 'Color', values: item.colors }] : [];
  switch (family.scheme) {
    case 'single':
      return colors;
    case 'color':
      if (!item.colors) throw new Error(`${item.name}: the color scheme needs colors`);
      return colors;
    case 'apparel':
      return [...colors, { name: 'Size', values: item.sizes ?? XS_XXL }];
    case 'socks':
      return [...colors, { name: 'Size', values: item.sizes ?? SOCK_SIZES }];
    case 'shoes': {
      const half = item.half ?? family.half ?? false;
      const sizes =
        item.sizes ??
        (gender === 'women'
          ? usSizes(6, 11, half)
          : gender === 'men'
            ? usSizes(7, 13, half)
            : usSizes(6, 13, half));
      const dims: Dim[] = [...colors, { name: 'Size', values: sizes }];
      if (item.wide) dims.push({ name: 'Width', values: ['Standard', 'Wide'] });
      return dims;
    }
  }
}

interface Combo {
  options: Record<string, string>;
  price: number;
}

function combos(dims: Dim[], basePrice: number): Combo[] {
  let out: Combo[] = [{ options: {}, price: basePrice }];
  for (const dim of dims) {
    const next: Combo[] = [];
    for (const c of out) {
      for (const v of dim.values) {
        const [value, price] = typeof v === 'string' ? [v, undefined] : v;
        next.push({ options: { ...c.options, [dim.name]: value }, price: price ? toCents(price) : c.price });
      }
    }
    out = next;
  }
  return out;
}

/** Units in stock for one variant. Extreme shoe sizes and big-ticket items sell out more often. */
function stockFor(rand: () => number, family: Family, options: Record<string, string>): number {
  const [min, max] = family.stock ?? [4, 60];
  const size = Number(options.Size);
  const edgeSize = family.scheme === 'shoes' && (size <= 6.5 || size >= 12.5);
  const r = rand();
  if (r < (edgeSize ? 0.22 : 0.08)) return 0;
  if (r < 0.2) return 1 + Math.floor(rand() * 3);
  return min + Math.floor(rand() * (max - min + 1));
}

export const CDN = 'https://cdn.aisle-demo.example/images';

export function buildRecords(catalog: MerchantCatalog): ProductRecord[] {
  const { merchant, prefix } = catalog;
  const records: ProductRecord[] = [];
  for (const family of catalog.families) {
    family.items.forEach((item, index) => {
      const sourceId = `${prefix}-${family.base + index + 1}`;
      const rand = prng(hash(sourceId));
      const gender = genderOf(item, family);
      const title = `${item.vendor} ${item.name}`;
      const dims = dimsOf(item, family, gender);
      const regular = toCents(item.price);
      const skuBase = `${code(item.vendor).slice(0, 3)}-${family.base + index + 1}`;

      const codes = new Map(dims.map((d) => [d.name, codesFor(d)]));
      const variants: VariantRecord[] = combos(dims, regular).map((c, i) => {
        const values = Object.values(c.options);
        const onSale =
          item.sale !== undefined && (!item.saleOnly || values.some((v) => item.saleOnly?.includes(v)));
        const price = onSale ? salePrice(c.price, item.sale ?? 0) : c.price;
        return {
          source_id: `${sourceId}-${String(i + 1).padStart(2, '0')}`,
          sku: [
            skuBase,
            ...Object.entries(c.options).map(([name, value]) => codes.get(name)?.get(value)),
          ].join('-'),
          title: values.length ? values.join(' / ') : 'Default',
          options: c.options,
          price: money(price),
          compare_at_price: onSale ? money(c.price) : null,
          currency: 'USD',
          available_qty: item.soldOut ? 0 : stockFor(rand, family, c.options),
        };
      });
      // Only products marked soldOut are sold out entirely; give anything else at least one variant in stock.
      if (!item.soldOut && variants.every((v) => v.available_qty === 0)) {
        const v = variants[Math.floor(rand() * variants.length)];
        if (v) v.available_qty = 2 + Math.floor(rand() * 10);
      }

      const tags = [...new Set([...(gender ? [gender] : []), ...family.tags, ...(item.tags ?? [])])];
      const images = 1 + (hash(`${sourceId}:images`) % 3);
      records.push({
        source_id: sourceId,
        title,
        description: item.desc,
        vendor: item.vendor,
        product_type: item.type ?? family.type,
        category: item.category ?? family.category,
        tags,
        image_urls: Array.from(
          { length: images },
          (_, n) => `${CDN}/${merchant.slug}/${sourceId}-${n + 1}.jpg`,
        ),
        product_url: `${merchant.store_url}/products/${slugify(title)}`,
        status: item.status ?? 'active',
        variants,
      });
    });
  }
  return records;
}
