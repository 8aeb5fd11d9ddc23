// /api/v1 orders: a user's orders (the reference's list), one order with its history, and cancelling.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Checkout } from '../../../commerce/checkout.js';
import { getUser } from '../../../commerce/index.js';
import { getOrderDetail, listUserOrders } from '../../../commerce/orders.js';
import { orderDetailSchema, orderSchema } from '../../../commerce/order-views.js';
import type { Db } from '../../../db/client.js';
import { companyOf } from '../auth.js';
import { errorBodySchema } from '../errors.js';
import { userRefParams } from './users.js';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const security = [{ clientId: [], secretKey: [] }];
const tags = ['orders'];
const orderParams = z.object({ order_id: z.string().min(1).describe('Order id ("ord_…").') });

export const orderRoutes: FastifyPluginAsyncZod<{ db: Db; checkout: Checkout }> = async (
  app,
  { db, checkout },
) => {
  app.get(
    '/users/:user_id/orders/',
    {
      schema: {
        tags,
        summary: "List a user's orders",
        description:
          'Newest first: status, amount, currency, items (product_title, variant_title, quantity, price), ' +
          'shipping_address and created_at, as in the reference; a plain array.',
        security,
        params: userRefParams,
        querystring: z.object({
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(500)
            .default(100)
            .describe('At most this many, newest first.'),
        }),
        response: { 200: z.array(orderSchema), ...errors },
      },
    },
    async (request) => {
      const user = await getUser(db, companyOf(request).id, request.params.user_id);
      return listUserOrders(db, user.id, request.query.limit);
    },
  );

  app.get(
    '/orders/:order_id/',
    {
      schema: {
        tags,
        summary: 'Get an order',
        description: 'The order with its items, shipping address, payment and its status history.',
        security,
        params: orderParams,
        response: { 200: orderDetailSchema, ...errors },
      },
    },
    async (request) => getOrderDetail(db, companyOf(request).id, request.params.order_id),
  );

  app.post(
    '/orders/:order_id/cancel/',
    {
      schema: {
        tags,
        summary: 'Cancel an order',
        description:
          'Possible while the order is PENDING (nothing charged; the stock is released) or PAID and not yet ' +
          'fulfilled (you refund the shopper; an order_followup with status CANCELLED confirms). Otherwise 409 ' +
          'order_not_cancellable.',
        security,
        params: orderParams,
        body: z
          .object({ reason: z.string().trim().min(1).max(500).optional().describe('Shown to the shopper.') })
          .strict()
          .nullish(),
        response: { 200: orderDetailSchema, 409: errorBodySchema, ...errors },
      },
    },
    async (request) => {
      const companyId = companyOf(request).id;
      await checkout.cancel(companyId, request.params.order_id, 'integrator', request.body?.reason);
      return getOrderDetail(db, companyId, request.params.order_id);
    },
  );
};
