import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/catalog/search/query-parser.js';

const merchants = [
  { slug: 'northloom', name: 'Northloom Apparel' },
  { slug: 'pace-and-path', name: 'Pace & Path Running Co.' },
];

describe('parseQuery', () => {
  it.each([
    ['Show me running shoes under $150', { text: 'running shoes', filters: { maxPriceMinor: 15000 } }],
    [
      'running shoes under $150 in size 10',
      { text: 'running shoes', filters: { maxPriceMinor: 15000, size: '10' } },
    ],
    [
      'headphones between 100 and 200',
      { text: 'headphones', filters: { minPriceMinor: 10000, maxPriceMinor: 20000 } },
    ],
    [
      'headphones between $200 and $100',
      { text: 'headphones', filters: { minPriceMinor: 10000, maxPriceMinor: 20000 } },
    ],
    ['tent $100-$300', { text: 'tent', filters: { minPriceMinor: 10000, maxPriceMinor: 30000 } }],
    ['moisturizer 50 or less', { text: 'moisturizer', filters: { maxPriceMinor: 5000 } }],
    ['jacket over $200', { text: 'jacket', filters: { minPriceMinor: 20000 } }],
    ['headphones under $99.99', { text: 'headphones', filters: { maxPriceMinor: 9999 } }],
    ['laptop stand under 1k', { text: 'laptop stand', filters: { maxPriceMinor: 100000 } }],
    [
      'black hoodie size M in stock',
      { text: 'hoodie', filters: { size: 'm', inStock: true, color: 'black' } },
    ],
    ['red dress in medium', { text: 'dress', filters: { size: 'm', color: 'red' } }],
    ['trail shoes size 10.5', { text: 'trail shoes', filters: { size: '10.5' } }],
    ['Gray socks', { text: 'socks', filters: { color: 'grey' } }],
    ['hoodies from Northloom Apparel', { text: 'hoodies', filters: { merchant: 'northloom' } }],
  ])('%s', (input, expected) => {
    expect(parseQuery(input, merchants)).toEqual(expected);
  });

  it('reads sort words', () => {
    expect(parseQuery('cheapest earbuds')).toEqual({ text: 'earbuds', filters: {}, sort: 'price_asc' });
    expect(parseQuery('newest sneakers').sort).toBe('newest');
  });

  it('does not mistake quantities for prices', () => {
    expect(parseQuery('tent for up to 4 people under $300')).toEqual({
      text: 'tent for up to 4 people',
      filters: { maxPriceMinor: 30000 },
    });
    expect(parseQuery('tent for up to 40 people').filters).toEqual({});
    expect(parseQuery('water bottle 20 oz').filters).toEqual({});
    expect(parseQuery('socks 3 pack').filters).toEqual({});
  });

  it('leaves colour words that name a product in the text', () => {
    expect(parseQuery('face cream')).toEqual({ text: 'face cream', filters: {} });
    expect(parseQuery('cream sweater')).toEqual({ text: 'sweater', filters: { color: 'cream' } });
  });

  it('keeps plain queries as they are', () => {
    expect(parseQuery('a gift for dad')).toEqual({ text: 'a gift for dad', filters: {} });
    expect(parseQuery('')).toEqual({ text: '', filters: {} });
  });
});
