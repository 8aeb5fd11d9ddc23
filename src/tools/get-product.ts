// get_product: one product with its full description and every variant, by id from search results.
import { z } from 'zod';
import { productCardSchema } from '../catalog/products.js';
import { defineTool, READ_ONLY } from './tool.js';
import { renderProductLine, renderVariant } from './render.js';

export const getProduct = defineTool({
  name: 'get_product',
  title: 'Get product details',
  description:
    'Get one product by its id (prod_…, from search_products): full description, image, link, and every variant ' +
    'with its options, price and stock. Use it before recommending sizes or colours, and before buying, to pick the ' +
    'exact variant id. Variants with in_stock: false are sold out and cannot be bought.',
  input: z.object({
    product_id: z
      .string()
      .trim()
      .regex(/^prod_[0-9a-z]+$/, 'a product id such as "prod_01jd…"')
      .describe('The product id.'),
  }),
  output: z.object({ product: productCardSchema }),
  annotations: READ_ONLY,
  async run(ctx, input) {
    return { product: await ctx.services.catalog.getProduct(input.product_id) };
  },
  render({ product }) {
    return [
      renderProductLine(product),
      product.description,
      ...product.variants.map((v) => `- ${renderVariant(v)}`),
    ].join('\n');
  },
});
