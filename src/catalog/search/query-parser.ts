// Query understanding: a shopper's sentence in, structured filters out, with what is left as the text query.
// "running shoes under $150 in size 10" -> text "running shoes", maxPrice 150.00, size "10".
import { COLORS, normalizeColor, normalizeSize, type SearchFilters, type SearchSort } from './filters.js';

export type ParsedQuery = { text: string; filters: SearchFilters; sort?: SearchSort };

// A number that reads as money: not "up to 4 people", "2 pack" or "20 oz".
const UNITS = String.raw`(?!\s*(?:people|persons?|person|pack|pcs|pieces|inch(?:es)?|mm|cm|m\b|l\b|lit(?:er|re)s?|qt|quarts?|oz|ounces?|lbs?|pounds?|kg|g\b|hours?|hrs?|days?|w\b|watts?|gb|tb|mah|ft|feet|degrees?|°|%|x\b|cups?|ml|piece))`;
const NUM = String.raw`\$?\s?(\d+(?:[.,]\d{1,2})?)(?!\d)\s?(k)?\s?(?:dollars|usd|bucks)?${UNITS}`;

function amount(digits: string, k?: string): number {
  const value = Number(digits.replace(',', '.'));
  return Math.round(value * (k ? 1000 : 1) * 100);
}

type Rule = { pattern: RegExp; apply: (m: RegExpExecArray, f: SearchFilters) => void };

const PRICE_RULES: Rule[] = [
  {
    pattern: new RegExp(String.raw`\b(?:between|from)\s+${NUM}\s+(?:and|to|-)\s+${NUM}`, 'i'),
    apply: (m, f) => {
      f.minPriceMinor = amount(m[1]!, m[2]);
      f.maxPriceMinor = amount(m[3]!, m[4]);
    },
  },
  {
    pattern: new RegExp(
      String.raw`\$\s?(\d+(?:\.\d{1,2})?)\s?(k)?\s?(?:-|to)\s?\$?\s?(\d+(?:\.\d{1,2})?)\s?(k)?`,
      'i',
    ),
    apply: (m, f) => {
      f.minPriceMinor = amount(m[1]!, m[2]);
      f.maxPriceMinor = amount(m[3]!, m[4]);
    },
  },
  {
    pattern: new RegExp(
      String.raw`(?:\b(?:under|below|less than|cheaper than|up to|max(?:imum)?|at most|no more than|within)|<=?)\s*${NUM}`,
      'i',
    ),
    apply: (m, f) => {
      f.maxPriceMinor = amount(m[1]!, m[2]);
    },
  },
  {
    pattern: new RegExp(String.raw`${NUM}\s+(?:or less|or under|and under|or below|max)\b`, 'i'),
    apply: (m, f) => {
      f.maxPriceMinor = amount(m[1]!, m[2]);
    },
  },
  {
    pattern: new RegExp(
      String.raw`(?:\b(?:over|above|more than|at least|min(?:imum)?|starting at)|>=?)\s*${NUM}`,
      'i',
    ),
    apply: (m, f) => {
      f.minPriceMinor = amount(m[1]!, m[2]);
    },
  },
  {
    pattern: new RegExp(String.raw`${NUM}\s+(?:or more|and up|and above|plus)\b`, 'i'),
    apply: (m, f) => {
      f.minPriceMinor = amount(m[1]!, m[2]);
    },
  },
];

const SIZE_PATTERN =
  /\b(?:in\s+(?:a\s+)?)?(?:size|sz)\s*:?\s*(?:us\s*)?(\d{1,2}(?:\.5)?|xxxl|xxl|xl|xs|xxs|s|m|l|2xl|3xl|small|medium|large|x-large|extra large|one size)\b/i;
const SIZE_WORD_PATTERN = /\bin\s+(?:a\s+)?(small|medium|large|x-large|extra large|xs|xl|xxl)\b/i;
const STOCK_PATTERN = /\b(?:in[\s-]stock|available(?:\s+now)?|ready to ship)\b/i;
// A colour word that names a product instead ("face cream", "rose gold") is left in the text.
const COLOR_PATTERN = new RegExp(
  String.raw`(?<!\b(?:face|eye|hand|night|day|body|shaving|hair|foot|lip|ice|sour|whipped)\s)\b(${COLORS.join('|')})\b(?!\s(?:cleanser|moisturizer|blush))`,
  'i',
);
const SORT_RULES: [RegExp, SearchSort][] = [
  [/\b(?:cheapest|lowest price|least expensive|budget)\b/i, 'price_asc'],
  [/\b(?:most expensive|priciest|highest price|premium)\b/i, 'price_desc'],
  [/\b(?:newest|latest|new arrivals?)\b/i, 'newest'],
];

function take(text: string, m: RegExpExecArray): string {
  return `${text.slice(0, m.index)} ${text.slice(m.index + m[0].length)}`;
}

/** Splits a natural-language query into filters and the remaining text. `merchants` are names to recognise. */
export function parseQuery(input: string, merchants: { slug: string; name: string }[] = []): ParsedQuery {
  let text = ` ${input.replace(/\s+/g, ' ')} `;
  const filters: SearchFilters = {};
  let sort: SearchSort | undefined;

  for (const rule of PRICE_RULES) {
    const m = rule.pattern.exec(text);
    if (m) {
      rule.apply(m, filters);
      text = take(text, m);
    }
  }
  const size = SIZE_PATTERN.exec(text) ?? SIZE_WORD_PATTERN.exec(text);
  if (size) {
    filters.size = normalizeSize(size[1]!);
    text = take(text, size);
  }
  const stock = STOCK_PATTERN.exec(text);
  if (stock) {
    filters.inStock = true;
    text = take(text, stock);
  }
  for (const [pattern, s] of SORT_RULES) {
    const m = pattern.exec(text);
    if (m) {
      sort = s;
      text = take(text, m);
      break;
    }
  }
  // Longest names first, so "Trail & Co Outdoor" wins over "Trail & Co".
  for (const merchant of [...merchants].sort((a, b) => b.name.length - a.name.length)) {
    const escaped = merchant.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(String.raw`(?:\b(?:from|at|by|in)\s+)?\b${escaped}\b`, 'i').exec(text);
    if (m) {
      filters.merchant = merchant.slug;
      text = take(text, m);
      break;
    }
  }
  const color = COLOR_PATTERN.exec(text);
  if (color) {
    filters.color = normalizeColor(color[1]!);
    text = take(text, color);
  }
  if (
    filters.minPriceMinor !== undefined &&
    filters.maxPriceMinor !== undefined &&
    filters.minPriceMinor > filters.maxPriceMinor
  ) {
    [filters.minPriceMinor, filters.maxPriceMinor] = [filters.maxPriceMinor, filters.minPriceMinor];
  }
  text = text
    .replace(/[$]/g, ' ')
    .replace(/\b(?:for|in|with|and|at|from|of|priced|costing|that costs?)\s*$/i, ' ')
    .replace(/^\s*(?:show me|find me|find|search for|looking for|i want|i need|get me|any|some)\b/i, ' ')
    .replace(/[,.;:!?]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { text, filters, ...(sort && { sort }) };
}
