// How quotes and orders look on the wire (tools, REST, chat), in the reference's shapes, and the row -> view mapping.
import { z } from 'zod';
import { fromMinor, toMinor } from '../money.js';
import type { OrderEventRow, OrderItemRow, OrderRow, ShippingSnapshot } from './order-schema.js';
import { ORDER_STATUSES } from './order-schema.js';

const money = z.string().describe('Decimal string, e.g. "129.99".');

export const orderItemSchema = z.object({
  product_id: z.string(),
  variant_id: z.string(),
  product: z.string().describe('Product title (the reference\'s "product").'),
  variant: z.string().describe('Variant title (the reference\'s "variant").'),
  product_title: z.string(),
  variant_title: z.string(),
  merchant: z.string(),
  merchant_id: z.string(),
  qty: z.number().int().describe('Same as quantity (the reference uses both).'),
  quantity: z.number().int(),
  price: money.describe('Unit price.'),
  line_total: money,
});

export const shippingAddressSchema = z
  .object({
    id: z.string().describe('The saved address it was taken from ("addr_…").'),
    label: z.string(),
    recipient_name: z.string(),
    line1: z.string(),
    line2: z.string(),
    city: z.string(),
    state: z.string(),
    zip: z.string(),
    country: z.string(),
    phone: z.string(),
  })
  .describe('The address as it was when the order was placed.');

export const quoteSchema = z.object({
  confirmation_token: z
    .string()
    .describe('Pass back to buy_product once the shopper has said yes to exactly this quote.'),
  expires_at: z.string().describe('ISO 8601; after this, ask for a new quote.'),
  items: z.array(orderItemSchema),
  shipping_address: shippingAddressSchema,
  subtotal: money,
  shipping: money,
  total: money,
  currency: z.string(),
});

export const orderStatusSchema = z
  .enum(ORDER_STATUSES)
  .describe(
    'PENDING (checking the balance), APPROVED (charging), PAID, FULFILLED, SHIPPED, DELIVERED; or it stopped: ' +
      'DECLINED, PAYMENT_FAILED, CANCELLED, EXPIRED.',
  );

export const orderSchema = z.object({
  id: z.string().describe('Order id ("ord_…").'),
  status: orderStatusSchema,
  status_reason: z.string().nullable().describe('Why it was declined, failed or cancelled, when it was.'),
  amount: money,
  currency: z.string(),
  items: z.array(orderItemSchema),
  shipping_address: shippingAddressSchema,
  transaction_id: z.string().nullable().describe("The integrator's payment id, once paid."),
  tracking: z
    .object({ carrier: z.string().optional(), number: z.string().optional(), url: z.string().optional() })
    .nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const orderEventSchema = z.object({
  status: orderStatusSchema,
  previous_status: orderStatusSchema.nullable(),
  actor: z.string().describe('checkout, integrator, merchant, admin or system.'),
  note: z.string(),
  at: z.string(),
});

export const orderDetailSchema = orderSchema.extend({
  user_id: z.string().describe("The shopper's external_user_id."),
  events: z.array(orderEventSchema).describe('The status history, oldest first.'),
});

export type Quote = z.infer<typeof quoteSchema>;
export type OrderItemView = z.infer<typeof orderItemSchema>;
export type OrderView = z.infer<typeof orderSchema>;
export type OrderDetail = z.infer<typeof orderDetailSchema>;

export function toItemView(item: {
  productId: string;
  variantId: string;
  productTitle: string;
  variantTitle: string;
  merchantName: string;
  merchantId: string;
  quantity: number;
  unitPrice: string;
  lineTotal: string;
}): OrderItemView {
  return {
    product_id: item.productId,
    variant_id: item.variantId,
    product: item.productTitle,
    variant: item.variantTitle,
    product_title: item.productTitle,
    variant_title: item.variantTitle,
    merchant: item.merchantName,
    merchant_id: item.merchantId,
    qty: item.quantity,
    quantity: item.quantity,
    price: item.unitPrice,
    line_total: item.lineTotal,
  };
}

export const lineTotal = (unitPrice: string, quantity: number) => fromMinor(toMinor(unitPrice) * quantity);

export function toOrderView(order: OrderRow, items: OrderItemRow[]): OrderView {
  return {
    id: order.id,
    status: order.status,
    status_reason: order.statusReason,
    amount: order.amount,
    currency: order.currency,
    items: items.map((i) => toItemView({ ...i, lineTotal: lineTotal(i.unitPrice, i.quantity) })),
    shipping_address: order.shippingAddress satisfies ShippingSnapshot,
    transaction_id: order.transactionId,
    tracking: order.tracking ?? null,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

export function toOrderDetail(
  order: OrderRow,
  items: OrderItemRow[],
  events: OrderEventRow[],
  externalUserId: string,
): OrderDetail {
  return {
    ...toOrderView(order, items),
    user_id: externalUserId,
    events: events.map((e) => ({
      status: e.status,
      previous_status: e.previousStatus,
      actor: e.actor,
      note: e.note,
      at: e.createdAt.toISOString(),
    })),
  };
}
