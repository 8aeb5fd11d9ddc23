import { describe, expect, it } from 'vitest';
import { analyze, synonymsOf } from '../../../src/catalog/search/analyzer.js';
import {
  categoryKeys,
  normalizeSize,
  productMatches,
  variantColors,
  variantMatches,
  variantSizes,
} from '../../../src/catalog/search/filters.js';

describe('analyze', () => {
  it('normalises, drops stop words, stems, and joins compound words', () => {
    expect(analyze("Men's T-Shirts for running")).toEqual(['men', 'tshirt', 'run']);
    expect(analyze('tee')).toEqual(['tshirt']);
    expect(analyze('In-Ear Headphones')).toEqual(['inear', 'headphon']);
    expect(analyze('Crème Brûlée')).toEqual(analyze('creme brulee'));
    expect(analyze('size 10.5')).toEqual(['size', '10.5']);
  });

  it('knows commerce synonyms in both directions', () => {
    expect(synonymsOf(analyze('sneakers')[0]!)).toContain(analyze('trainers')[0]);
    expect(synonymsOf(analyze('trainers')[0]!)).toContain(analyze('sneakers')[0]);
    expect(synonymsOf(analyze('hoodie')[0]!)).toContain(analyze('sweatshirt')[0]);
    expect(synonymsOf(analyze('skillet')[0]!)).toContain(analyze('pan')[0]);
    expect(synonymsOf('zzz')).toEqual([]);
  });
});

const shoe = {
  merchantId: 'mer_1',
  merchantSlug: 'pace',
  category: 'Footwear > Running Shoes',
  productType: 'Road Running Shoes',
  title: 'Pacer 3',
  tags: ['men'],
};
const v = (options: Record<string, string>, priceMinor = 12999, availableQty = 3) => ({
  options,
  priceMinor,
  availableQty,
});

describe('filters', () => {
  it('normalises sizes', () => {
    expect(['US 10.0', '10', 'Size 10'].map(normalizeSize)).toEqual(['10', '10', '10']);
    expect(['Medium', 'M', 'm', 'X-Large', 'XL', '2XL'].map(normalizeSize)).toEqual([
      'm',
      'm',
      'm',
      'xl',
      'xl',
      'xxl',
    ]);
  });

  it('matches one variant at a time: price, stock, size and colour together', () => {
    const black10 = v({ Color: 'Black/White', Size: '10' });
    const f = { maxPriceMinor: 15000, size: '10', color: 'black', inStock: true };
    expect(variantMatches(shoe, black10, f)).toBe(true);
    expect(variantMatches(shoe, v({ Color: 'Black', Size: '10' }, 16000), f)).toBe(false);
    expect(variantMatches(shoe, v({ Color: 'Black', Size: '10' }, 12000, 0), f)).toBe(false);
    expect(variantMatches(shoe, v({ Color: 'Black', Size: '11' }), f)).toBe(false);
    expect(variantMatches(shoe, v({ Color: 'Blue', Size: '10' }), f)).toBe(false);
    expect(variantMatches(shoe, v({ Color: 'Gray', Size: '10' }), { color: 'grey' })).toBe(true);
  });

  it("takes the colour from the product's title when variants have no colour option", () => {
    const mug = { ...shoe, title: 'Black Enamel Camp Mug', tags: [] };
    expect(variantColors(mug, v({}))).toEqual(['black']);
    expect(variantMatches(mug, v({}), { color: 'black' })).toBe(true);
    expect(variantMatches(mug, v({}), { color: 'red' })).toBe(false);
    expect(variantSizes(v({ 'Shoe Size': '9.5', Width: 'Wide' }))).toEqual(['9.5']);
  });

  it('filters by merchant and by category level or product type', () => {
    expect(categoryKeys(shoe)).toEqual([
      'footwear > running shoes',
      'footwear',
      'running shoes',
      'road running shoes',
    ]);
    expect(productMatches(shoe, { category: 'Footwear' })).toBe(true);
    expect(productMatches(shoe, { category: 'running shoes' })).toBe(true);
    expect(productMatches(shoe, { category: 'Apparel' })).toBe(false);
    expect(productMatches(shoe, { merchant: 'pace' })).toBe(true);
    expect(productMatches(shoe, { merchant: 'mer_1' })).toBe(true);
    expect(productMatches(shoe, { merchant: 'other' })).toBe(false);
  });
});
