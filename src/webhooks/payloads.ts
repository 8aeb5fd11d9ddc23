// The JSON bodies of webhook events, in the reference's shape: both `event` and `type`, the integrator's user id,
// the amount as a decimal string. Fixed when the event is written, so a retry sends the same bytes.
import type { OrderItemRow, OrderRow } from '../commerce/order-schema.js';
import { lineTotal } from '../commerce/order-views.js';

type Base = { userId: string; amount: string; currency: string; orderId: string | null };

const base = (event: string, b: Base) => ({
  event,
  type: event,
  user_id: b.userId,
  amount: b.amount,
  currency: b.currency,
  order_id: b.orderId,
  timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
});

const items = (rows: OrderItemRow[]) =>
  rows.map((i) => ({
    product_id: i.productId,
    variant_id: i.variantId,
    sku: i.sku,
    product_title: i.productTitle,
    variant_title: i.variantTitle,
    merchant: i.merchantName,
    quantity: i.quantity,
    price: i.unitPrice,
    line_total: lineTotal(i.unitPrice, i.quantity),
  }));

export const balanceCheckPayload = (b: Base, rows: OrderItemRow[] = []) => ({
  ...base('balance_check', b),
  ...(rows.length ? { items: items(rows) } : {}),
});

/**
 * `charge` asks the integrator to take the payment. The reference's payment fields are present; `status` is
 * "pending" (the payment is theirs to make) and the wallet fields are null unless a payment rail fills them.
 */
export const chargePayload = (order: OrderRow, userId: string, rows: OrderItemRow[]) => ({
  ...base('charge', { userId, amount: order.amount, currency: order.currency, orderId: order.id }),
  status: 'pending',
  tx_hash: null,
  token: null,
  token_address: null,
  network: null,
  items: items(rows),
  shipping_address: order.shippingAddress,
});

export const followupPayload = (
  order: OrderRow,
  userId: string,
  rows: OrderItemRow[],
  previousStatus: string | null,
) => ({
  ...base('order_followup', { userId, amount: order.amount, currency: order.currency, orderId: order.id }),
  status: order.status,
  previous_status: previousStatus,
  reason: order.statusReason,
  transaction_id: order.transactionId,
  tracking: order.tracking ?? null,
  items: items(rows),
});

/** What a merchant is handed for its part of an order (its connector turns it into the store's own format). */
export const merchantOrderPayload = (order: OrderRow, merchantId: string, rows: OrderItemRow[]) => ({
  event: 'merchant_order',
  type: 'merchant_order',
  order_id: order.id,
  merchant_id: merchantId,
  currency: order.currency,
  items: items(rows.filter((r) => r.merchantId === merchantId)),
  shipping_address: order.shippingAddress,
  timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
});
