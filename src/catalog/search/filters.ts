// Structured search filters and the one predicate that decides whether a variant matches them, used by every engine
// and by the catalog service, so "size 10 under $150 in stock" means the same everywhere.
import { normalizeText } from './analyzer.js';

export type SearchFilters = {
  /** Inclusive bounds on a variant's price, in minor units. */
  minPriceMinor?: number;
  maxPriceMinor?: number;
  /** Only variants with stock. */
  inStock?: boolean;
  /** Merchant slug or id. */
  merchant?: string;
  /** A category level or the product type, any case: "Footwear", "Running Shoes" or "Footwear > Running Shoes". */
  category?: string;
  size?: string;
  color?: string;
};

export type SearchSort = 'relevance' | 'price_asc' | 'price_desc' | 'newest';

export type FilterableVariant = { options: Record<string, string>; priceMinor: number; availableQty: number };
export type FilterableProduct = {
  merchantId: string;
  merchantSlug: string;
  category: string;
  productType: string;
  title: string;
  tags: string[];
};

const SIZE_WORDS: Record<string, string> = {
  'extra small': 'xs',
  xsmall: 'xs',
  'x-small': 'xs',
  small: 's',
  medium: 'm',
  med: 'm',
  large: 'l',
  'extra large': 'xl',
  xlarge: 'xl',
  'x-large': 'xl',
  'xx-large': 'xxl',
  xxlarge: 'xxl',
  '2xl': 'xxl',
  '3xl': 'xxxl',
  'xxx-large': 'xxxl',
  'one size': 'os',
  'one size fits all': 'os',
};

/** "US 10.0" -> "10", "Medium" -> "m", "X-Large" -> "xl". */
export function normalizeSize(value: string): string {
  let v = value
    .trim()
    .toLowerCase()
    .replace(/^(us|eu|uk)\s*/, '')
    .replace(/^size\s*/, '');
  v = SIZE_WORDS[v] ?? v;
  if (/^\d+(\.\d+)?$/.test(v)) v = String(Number(v));
  return v;
}

const isSizeOption = (name: string) => /size/i.test(name);
const isColorOption = (name: string) => /colou?r|shade|finish/i.test(name);

const COLOR_EQUIVALENTS: Record<string, string> = { gray: 'grey', 'navy blue': 'navy', sand: 'beige' };
export const COLORS = [
  'black',
  'white',
  'grey',
  'gray',
  'red',
  'blue',
  'navy',
  'green',
  'olive',
  'brown',
  'tan',
  'beige',
  'cream',
  'pink',
  'purple',
  'yellow',
  'orange',
  'silver',
  'gold',
  'teal',
  'burgundy',
  'charcoal',
  'khaki',
  'ivory',
];
const COLOR_WORDS = new Set(COLORS);

/** The one spelling a colour is compared in: "Gray" -> "grey". */
export const normalizeColor = (color: string) => {
  const c = color.trim().toLowerCase();
  return COLOR_EQUIVALENTS[c] ?? c;
};

function colorWords(text: string): string[] {
  const words = normalizeText(text).split(/[^a-z0-9]+/);
  return words.filter((w) => COLOR_WORDS.has(w)).map(normalizeColor);
}

/** The normalised sizes a variant comes in (usually one). */
export function variantSizes(v: Pick<FilterableVariant, 'options'>): string[] {
  return Object.entries(v.options)
    .filter(([k]) => isSizeOption(k))
    .map(([, value]) => normalizeSize(value));
}

/** The colours a variant is: its colour option's words, or, with no colour option, the colours its product names. */
export function variantColors(
  p: Pick<FilterableProduct, 'title' | 'tags'>,
  v: Pick<FilterableVariant, 'options'>,
): string[] {
  const options = Object.entries(v.options).filter(([k]) => isColorOption(k));
  const found = options.length
    ? options.flatMap(([, value]) => colorWords(value))
    : colorWords(`${p.title} ${p.tags.join(' ')}`);
  return [...new Set(found)];
}

/** The names a category filter may equal: the whole path, each of its levels, and the merchant's product type. */
export function categoryKeys(p: Pick<FilterableProduct, 'category' | 'productType'>): string[] {
  const levels = p.category.split('>').map((s) => s.trim());
  return [
    ...new Set(
      [p.category.trim(), ...levels, p.productType.trim()].filter(Boolean).map((s) => s.toLowerCase()),
    ),
  ];
}

/** Whether the product passes the product-level filters (merchant, category). */
export function productMatches(p: FilterableProduct, f: SearchFilters): boolean {
  if (f.merchant && f.merchant !== p.merchantSlug && f.merchant !== p.merchantId) return false;
  if (f.category && !categoryKeys(p).includes(f.category.trim().toLowerCase())) return false;
  return true;
}

/** A variant as the variant-level filters see it; engines work it out once, at indexing. */
export type VariantFacets = { priceMinor: number; inStock: boolean; sizes: string[]; colors: string[] };

export function variantFacets(
  p: Pick<FilterableProduct, 'title' | 'tags'>,
  v: FilterableVariant,
): VariantFacets {
  return {
    priceMinor: v.priceMinor,
    inStock: v.availableQty > 0,
    sizes: variantSizes(v),
    colors: variantColors(p, v),
  };
}

/** Whether a variant passes the variant-level filters; `size` and `color` already normalised. */
export function variantPasses(v: VariantFacets, f: SearchFilters, size?: string, color?: string): boolean {
  return (
    (f.minPriceMinor === undefined || v.priceMinor >= f.minPriceMinor) &&
    (f.maxPriceMinor === undefined || v.priceMinor <= f.maxPriceMinor) &&
    (!f.inStock || v.inStock) &&
    (size === undefined || v.sizes.includes(size)) &&
    (color === undefined || v.colors.includes(color))
  );
}

/** Whether one variant of `p` passes the variant-level filters (price, stock, size, colour). */
export function variantMatches(p: FilterableProduct, v: FilterableVariant, f: SearchFilters): boolean {
  const size = f.size ? normalizeSize(f.size) : undefined;
  const color = f.color ? normalizeColor(f.color) : undefined;
  return variantPasses(variantFacets(p, v), f, size, color);
}

export const hasVariantFilters = (f: SearchFilters) =>
  f.minPriceMinor !== undefined || f.maxPriceMinor !== undefined || !!f.inStock || !!f.size || !!f.color;
