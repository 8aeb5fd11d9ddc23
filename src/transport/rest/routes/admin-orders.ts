// /api/admin/orders/: the operator's (and, until a store's connector reports it, the merchant's) view of an order and
// its later status changes: fulfilled, shipped, delivered, cancelled. Each change sends the integrator an
// order_followup.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Checkout } from '../../../commerce/checkout.js';
import { orders } from '../../../commerce/order-schema.js';
import { getOrderDetail, orderNotFound } from '../../../commerce/orders.js';
import { orderDetailSchema } from '../../../commerce/order-views.js';
import type { Db } from '../../../db/client.js';
import { eq } from 'drizzle-orm';
import { errorBodySchema } from '../errors.js';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const security = [{ adminToken: [] }];
const tags = ['admin'];
const params = z.object({ order_id: z.string().min(1) });

async function companyOfOrder(db: Db, orderId: string) {
  const [row] = await db.select({ companyId: orders.companyId }).from(orders).where(eq(orders.id, orderId));
  if (!row) throw orderNotFound(orderId);
  return row.companyId;
}

export const adminOrderRoutes: FastifyPluginAsyncZod<{ db: Db; checkout: Checkout }> = async (
  app,
  { db, checkout },
) => {
  app.get(
    '/orders/:order_id',
    {
      schema: {
        tags,
        summary: 'Get any order',
        security,
        params,
        response: { 200: orderDetailSchema, ...errors },
      },
    },
    async (request) =>
      getOrderDetail(db, await companyOfOrder(db, request.params.order_id), request.params.order_id),
  );

  app.post(
    '/orders/:order_id/status',
    {
      schema: {
        tags,
        summary: 'Move a paid order on (fulfilment, shipping, delivery) or cancel it',
        description:
          'Follows the order state machine (PAID -> FULFILLED/SHIPPED -> DELIVERED; PAID -> CANCELLED); anything ' +
          'else is 409 invalid_transition. The integrator gets an order_followup.',
        security,
        params,
        body: z
          .object({
            status: z.enum(['FULFILLED', 'SHIPPED', 'DELIVERED', 'CANCELLED']),
            note: z.string().trim().max(500).optional(),
            tracking: z
              .object({
                carrier: z.string().max(100).optional(),
                number: z.string().max(200).optional(),
                url: z.string().url().max(2048).optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
        response: { 200: orderDetailSchema, 409: errorBodySchema, ...errors },
      },
    },
    async (request) => {
      const { order_id } = request.params;
      const companyId = await companyOfOrder(db, order_id);
      const { status, note, tracking } = request.body;
      if (status === 'CANCELLED') {
        await checkout.cancel(companyId, order_id, 'admin', note);
      } else {
        await checkout.advance(companyId, order_id, { to: status, actor: 'admin', note, tracking });
      }
      return getOrderDetail(db, companyId, order_id);
    },
  );
};
