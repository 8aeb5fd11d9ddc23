// Pricing a purchase: the variants' current price and stock, the shipping address, the total, and a hash over all
// of it. A confirmation is accepted only when the purchase still hashes the same: never a different amount.
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { merchants, products, variants } from '../catalog/schema.js';
import { AppError } from '../errors.js';
import { fromMinor, toMinor } from '../money.js';
import type { Queryable } from '../webhooks/outbox.js';
import type { QuotedLine, ShippingSnapshot } from './order-schema.js';
import { lineTotal, toItemView, type OrderItemView } from './order-views.js';
import { addresses, type AddressRow } from './schema.js';

export const MAX_LINES = 20;

export type PricedLine = {
  merchantId: string;
  merchantName: string;
  productId: string;
  productTitle: string;
  variantId: string;
  variantTitle: string;
  sku: string;
  quantity: number;
  unitPrice: string;
  currency: string;
  availableQty: number;
};

export type Priced = {
  lines: PricedLine[];
  address: ShippingSnapshot;
  subtotal: string;
  shipping: string;
  total: string;
  currency: string;
  hash: string;
  /** Lines asking for more than is in stock. */
  shortages: { variantId: string; title: string; wanted: number; available: number }[];
};

/** Same variant twice = one line with the quantities added; a stable order so equal purchases hash equal. */
export function normalizeLines(lines: QuotedLine[]): QuotedLine[] {
  const byVariant = new Map<string, number>();
  for (const l of lines) byVariant.set(l.variant_id, (byVariant.get(l.variant_id) ?? 0) + l.quantity);
  if (byVariant.size > MAX_LINES) {
    throw new AppError('bad_request', `One order holds at most ${MAX_LINES} different variants.`, {
      code: 'too_many_items',
    });
  }
  return [...byVariant].map(([variant_id, quantity]) => ({ variant_id, quantity })).sort(byVariantId);
}

const byVariantId = (a: { variant_id: string }, b: { variant_id: string }) =>
  a.variant_id < b.variant_id ? -1 : a.variant_id > b.variant_id ? 1 : 0;

export function snapshotOf(a: AddressRow): ShippingSnapshot {
  return {
    id: a.id,
    label: a.label,
    recipient_name: a.recipientName,
    line1: a.line1,
    line2: a.line2,
    city: a.city,
    state: a.state,
    zip: a.zip,
    country: a.country,
    phone: a.phone,
  };
}

/** The address to ship to: the one named, else the user's default. */
export async function shippingAddress(
  q: Queryable,
  companyId: string,
  userId: string,
  addressId: string | undefined,
): Promise<AddressRow> {
  const [row] = await q
    .select()
    .from(addresses)
    .where(
      and(
        eq(addresses.companyId, companyId),
        eq(addresses.userId, userId),
        addressId ? eq(addresses.id, addressId) : eq(addresses.isDefault, true),
      ),
    )
    .limit(1);
  if (row) return row;
  throw addressId
    ? new AppError('not_found', `The shopper has no address "${addressId}"; list them with get_addresses.`, {
        code: 'address_not_found',
      })
    : new AppError(
        'bad_request',
        'The shopper has no saved shipping address. Ask where to ship and save it with add_address first.',
        { code: 'address_required' },
      );
}

/**
 * Prices `lines` for shipping to `address`. With `lock`, the variant rows stay locked until the caller's
 * transaction ends, so the stock and prices read are the ones an order is placed with.
 */
export async function priceLines(
  q: Queryable,
  scope: { companyId: string; userId: string },
  lines: QuotedLine[],
  address: AddressRow,
  options: { lock?: boolean } = {},
): Promise<Priced> {
  const normalized = normalizeLines(lines);
  const ids = normalized.map((l) => l.variant_id);
  const query = q
    .select({ variant: variants, product: products, merchant: merchants })
    .from(variants)
    .innerJoin(products, eq(variants.productId, products.id))
    .innerJoin(merchants, eq(products.merchantId, merchants.id))
    .where(inArray(variants.id, ids))
    .orderBy(asc(variants.id));
  const rows = options.lock ? await query.for('update', { of: variants }) : await query;
  const found = new Map(rows.map((r) => [r.variant.id, r]));
  const priced: PricedLine[] = normalized.map((line) => {
    const r = found.get(line.variant_id);
    if (!r) {
      throw new AppError('not_found', `No variant "${line.variant_id}"; find one with search_products.`, {
        code: 'variant_not_found',
      });
    }
    if (r.variant.deletedAt || r.product.status !== 'active' || r.merchant.status !== 'active') {
      throw new AppError(
        'conflict',
        `"${r.product.title}" (${r.variant.title}) is no longer sold. Search for an alternative.`,
        { code: 'not_for_sale' },
      );
    }
    return {
      merchantId: r.merchant.id,
      merchantName: r.merchant.name,
      productId: r.product.id,
      productTitle: r.product.title,
      variantId: r.variant.id,
      variantTitle: r.variant.title,
      sku: r.variant.sku,
      quantity: line.quantity,
      unitPrice: r.variant.price,
      currency: r.variant.currency,
      availableQty: r.variant.availableQty,
    };
  });
  const currencies = [...new Set(priced.map((l) => l.currency))];
  if (currencies.length > 1) {
    throw new AppError(
      'bad_request',
      `These items are priced in different currencies (${currencies.join(', ')}); buy them in separate orders.`,
      { code: 'mixed_currencies' },
    );
  }
  const subtotalMinor = priced.reduce((sum, l) => sum + toMinor(l.unitPrice) * l.quantity, 0);
  const shipping = '0.00';
  const total = fromMinor(subtotalMinor + toMinor(shipping));
  const snapshot = snapshotOf(address);
  const currency = currencies[0]!;
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        company: scope.companyId,
        user: scope.userId,
        lines: priced.map((l) => [
          l.merchantId,
          l.productId,
          l.variantId,
          l.quantity,
          l.unitPrice,
          l.currency,
        ]),
        address: snapshot,
        shipping,
        total,
        currency,
      }),
    )
    .digest('hex');
  return {
    lines: priced,
    address: snapshot,
    subtotal: fromMinor(subtotalMinor),
    shipping,
    total,
    currency,
    hash,
    shortages: priced
      .filter((l) => l.availableQty < l.quantity)
      .map((l) => ({
        variantId: l.variantId,
        title: `${l.productTitle} (${l.variantTitle})`,
        wanted: l.quantity,
        available: l.availableQty,
      })),
  };
}

export const itemViews = (p: Priced): OrderItemView[] =>
  p.lines.map((l) => toItemView({ ...l, lineTotal: lineTotal(l.unitPrice, l.quantity) }));
