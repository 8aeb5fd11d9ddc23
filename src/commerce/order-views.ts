// How quotes and orders look on the wire (tools, REST, chat), in the reference's shapes. The checkout service that
// fills them arrives with the payments work; the shapes are fixed here so the tool surface is stable.
import { z } from 'zod';
import { addressViewSchema } from './addresses.js';

const money = z.string().describe('Decimal string, e.g. "129.99".');

export const orderItemSchema = z.object({
  product_id: z.string(),
  variant_id: z.string(),
  product: z.string().describe('Product title (the reference\'s "product").'),
  variant: z.string().describe('Variant title (the reference\'s "variant").'),
  product_title: z.string(),
  variant_title: z.string(),
  merchant: z.string(),
  qty: z.number().int().describe('Same as quantity (the reference uses both).'),
  quantity: z.number().int(),
  price: money.describe('Unit price.'),
  line_total: money,
});

export const quoteSchema = z.object({
  confirmation_token: z
    .string()
    .describe('Pass back to buy_product, with the same items, once the shopper has said yes to this quote.'),
  expires_at: z.string().describe('ISO 8601; after this, ask for a new quote.'),
  items: z.array(orderItemSchema),
  shipping_address: addressViewSchema,
  subtotal: money,
  shipping: money,
  total: money,
  currency: z.string(),
});

export const orderSchema = z.object({
  id: z.string().describe('Order id ("ord_…").'),
  status: z
    .string()
    .describe(
      'PENDING, APPROVED, PAID, FULFILLED, SHIPPED, DELIVERED, DECLINED, PAYMENT_FAILED, CANCELLED or EXPIRED.',
    ),
  amount: money,
  currency: z.string(),
  items: z.array(orderItemSchema),
  shipping_address: addressViewSchema.nullable(),
  created_at: z.string(),
});

export type Quote = z.infer<typeof quoteSchema>;
export type OrderView = z.infer<typeof orderSchema>;
