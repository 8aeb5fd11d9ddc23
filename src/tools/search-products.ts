// search_products: find products across every merchant from a shopper's words, with optional explicit filters.
import { z } from 'zod';
import { productCardSchema } from '../catalog/products.js';
import { defineTool, READ_ONLY } from './tool.js';
import { renderProductLine, renderVariant } from './render.js';

const money = z.string().regex(/^\d{1,10}(\.\d{1,2})?$/, 'a decimal amount such as "150" or "149.99"');

export const searchProducts = defineTool({
  name: 'search_products',
  title: 'Search products',
  description:
    'Search the catalog of every connected store. Pass what the shopper asked for in their own words as `query` ' +
    '(e.g. "running shoes under $150 in size 10"): prices, sizes, colours, "in stock" and store names in it are ' +
    'applied as filters, and synonyms are understood (sneakers = trainers, hoodie = sweatshirt). Use the explicit ' +
    'filter fields only to override or add to that. Returns product cards with their matching variants (id, title, ' +
    'price, stock); variants marked in_stock: false are sold out and must not be offered. Use get_product for all ' +
    "of a product's variants and its full description. Never buys anything.",
  input: z.object({
    query: z.string().trim().max(500).default('').describe("The shopper's request in natural language."),
    min_price: money.optional().describe('Lowest variant price to include.'),
    max_price: money.optional().describe('Highest variant price to include.'),
    in_stock: z.boolean().optional().describe('true = only variants that can be bought now.'),
    size: z.string().trim().max(40).optional().describe('A size, e.g. "10", "10.5" or "M".'),
    color: z.string().trim().max(40).optional().describe('A colour, e.g. "black".'),
    category: z
      .string()
      .trim()
      .max(100)
      .optional()
      .describe('A category or product type, e.g. "Footwear" or "Tents".'),
    merchant: z
      .string()
      .trim()
      .max(100)
      .optional()
      .describe('A store, by the merchant id or slug from earlier results.'),
    sort: z
      .enum(['relevance', 'price_asc', 'price_desc', 'newest'])
      .optional()
      .describe('Order of results; relevance unless the shopper asked otherwise.'),
    page: z.number().int().min(1).max(100).default(1).describe('Page of results, from 1.'),
    limit: z.number().int().min(1).max(20).default(8).describe('Products per page (1-20).'),
  }),
  output: z.object({
    total: z.number().int().describe('Products matching in all.'),
    page: z.number().int(),
    understood: z
      .object({
        text: z.string().describe('The words searched after filters were taken out.'),
        filters: z.record(z.string(), z.union([z.string(), z.boolean()])),
        sort: z.string(),
      })
      .describe('How the query was read; tell the shopper if a filter looks wrong.'),
    products: z.array(productCardSchema),
  }),
  annotations: READ_ONLY,
  async run(ctx, input) {
    const { query, limit, ...rest } = input;
    const result = await ctx.services.catalog.search({ query, limit, ...rest });
    return {
      total: result.total,
      page: result.page,
      understood: result.understood,
      products: result.products,
    };
  },
  render(out) {
    if (out.products.length === 0) {
      const filters = Object.entries(out.understood.filters).map(([k, v]) => `${k}=${v}`);
      return `No products found for "${out.understood.text}"${filters.length ? ` with ${filters.join(', ')}` : ''}. Try fewer filters or other words.`;
    }
    const lines = out.products.flatMap((p, i) => [
      renderProductLine(p, i + 1),
      ...p.variants.map((v) => `   - ${renderVariant(v)}`),
    ]);
    return [`${out.total} products found; showing page ${out.page}.`, ...lines].join('\n');
  },
});
