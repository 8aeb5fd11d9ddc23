// order_history: the shopper's orders, newest first.
import { z } from 'zod';
import { listUserOrders } from '../commerce/orders.js';
import { orderSchema } from '../commerce/order-views.js';
import { actingUser, defineTool, READ_ONLY, userIdInput } from './tool.js';

export const orderHistory = defineTool({
  name: 'order_history',
  title: 'Order history',
  description:
    "List the shopper's orders, newest first, with their status (PAID, SHIPPED, DELIVERED…), items and amounts. " +
    'Use it to answer "where is my order" or "what did I buy".',
  input: z.object({
    user_id: userIdInput,
    limit: z.number().int().min(1).max(50).default(10).describe('How many orders, newest first.'),
  }),
  output: z.object({ orders: z.array(orderSchema) }),
  annotations: READ_ONLY,
  actsForUser: true,
  async run(ctx, input) {
    const user = await actingUser(ctx, input.user_id);
    return { orders: await listUserOrders(ctx.services.db, user.id, input.limit) };
  },
  render: ({ orders }) =>
    orders.length
      ? orders
          .map(
            (o) =>
              `- ${o.id}: ${o.status}, ${o.amount} ${o.currency}, ${o.items.map((i) => `${i.quantity} x ${i.product}`).join(', ')}, ${o.created_at}`,
          )
          .join('\n')
      : 'No orders yet.',
});
