// /api/v1/products/: catalog search and product details, for integrators who build their own UI.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { productCardSchema } from '../../../catalog/products.js';
import type { Catalog } from '../../../catalog/service.js';
import { errorBodySchema } from '../errors.js';
import { pageEnvelope, pageOf, pageQuerySchema } from '../pagination.js';

const money = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'must be a decimal amount such as "150" or "149.99"');
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const searchQuery = pageQuerySchema.extend({
  q: z
    .string()
    .max(500)
    .default('')
    .describe('What to look for, in natural language: "running shoes under $150 in size 10".'),
  min_price: money.optional(),
  max_price: money.optional(),
  in_stock: bool.optional().describe('true = only products with a variant in stock.'),
  merchant: z.string().max(100).optional().describe('Merchant id or slug.'),
  category: z.string().max(100).optional().describe('A category level or product type, e.g. "Footwear".'),
  size: z.string().max(40).optional(),
  color: z.string().max(40).optional(),
  sort: z.enum(['relevance', 'price_asc', 'price_desc', 'newest']).optional(),
});

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const security = [{ clientId: [], secretKey: [] }];
const tags = ['products'];

export const productRoutes: FastifyPluginAsyncZod<{ catalog: Catalog }> = async (app, { catalog }) => {
  app.get(
    '/products/',
    {
      schema: {
        tags,
        summary: 'Search products',
        description:
          'Searches every merchant. Prices, sizes, colours and "in stock" written in `q` are applied as filters; the ' +
          'explicit parameters override them. Each product lists its variants that match the filters.',
        security,
        querystring: searchQuery,
        response: {
          200: pageOf(productCardSchema).extend({
            understood: z
              .object({
                text: z.string(),
                filters: z.record(z.string(), z.union([z.string(), z.boolean()])),
                sort: z.string(),
              })
              .describe('How the query was read.'),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { q, page, page_size, ...filters } = request.query;
      const result = await catalog.search({ query: q, page, limit: page_size, ...filters });
      const params = Object.fromEntries(
        Object.entries(request.query)
          .filter(([k, v]) => v !== undefined && v !== '' && k !== 'page' && k !== 'page_size')
          .map(([k, v]) => [k, String(v)]),
      );
      const envelope = pageEnvelope(
        '/api/v1/products/',
        request.query,
        result.total,
        result.products,
        params,
      );
      return { ...envelope, understood: result.understood };
    },
  );

  app.get(
    '/products/:product_id/',
    {
      schema: {
        tags,
        summary: 'Get a product',
        description: 'The product with every live variant. 404 when it is unknown, unpublished or deleted.',
        security,
        params: z.object({ product_id: z.string().min(1) }),
        response: { 200: productCardSchema, ...errors },
      },
    },
    async (request) => catalog.getProduct(request.params.product_id),
  );
};
