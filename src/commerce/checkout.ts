// Checkout: quote -> the shopper's yes -> reserve stock and place the order (one transaction, with its
// balance_check in the outbox) -> balance_check -> charge -> PAID -> merchants. The webhooks are delivered at once by
// the process that placed the order; if it dies, the outbox worker finishes the job under the same event ids.
import { and, eq, gt, gte, inArray, ne, sql } from 'drizzle-orm';
import { variants } from '../catalog/schema.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { newSecret } from '../ids.js';
import { fromMinor, toMinor } from '../money.js';
import { enqueueEvent, newLeaseToken } from '../webhooks/outbox.js';
import { balanceCheckPayload } from '../webhooks/payloads.js';
import { leaseMs, processDelivery, type BalanceAnswer, type DeliveryDeps } from '../webhooks/process.js';
import type { DeliveryRow } from '../webhooks/schema.js';
import { orderEvents, orderItems, orders, quotes, type QuotedLine, type QuoteRow } from './order-schema.js';
import { CANCELLABLE, SPENDING } from './order-status.js';
import { itemsOf, moveOrder, orderNotFound, touchProducts, type Move } from './orders.js';
import { toOrderView, type OrderView, type Quote } from './order-views.js';
import { itemViews, normalizeLines, priceLines, shippingAddress, type Priced } from './quotes.js';
import type { CompanyRow, UserRow } from './schema.js';
import { users } from './schema.js';

export const BUY_STATUSES = [
  'quote',
  'placed',
  'processing',
  'declined',
  'payment_failed',
  'price_changed',
  'out_of_stock',
  'quote_expired',
  'not_confirmed',
] as const;

export type BuyResult = {
  status: (typeof BUY_STATUSES)[number];
  message: string;
  quote: Quote | null;
  order: OrderView | null;
};

export type CheckoutDeps = DeliveryDeps & { config: Pick<Config, 'webhooks' | 'checkout'> };

export type Checkout = ReturnType<typeof createCheckout>;

export function createCheckout(deps: CheckoutDeps) {
  const { db, config } = deps;
  const settings = { followupAttempts: config.webhooks.maxAttempts };

  function requireWebhook(company: CompanyRow) {
    if (!company.webhookUrl) {
      throw new AppError(
        'unavailable',
        'Payments are not set up for this shop yet (it has no webhook URL), so nothing can be bought or ' +
          'balance-checked. Tell the shopper; searching and saving addresses still work.',
        { code: 'payments_not_configured', title: 'Payments not configured', retryable: false },
      );
    }
  }

  async function storeQuote(company: CompanyRow, user: UserRow, lines: QuotedLine[], priced: Priced) {
    const token = newSecret('cq', 24);
    const expiresAt = new Date(Date.now() + config.checkout.quoteTtlSeconds * 1000);
    await db.insert(quotes).values({
      id: token,
      companyId: company.id,
      userId: user.id,
      hash: priced.hash,
      lines: normalizeLines(lines),
      addressId: priced.address.id,
      total: priced.total,
      currency: priced.currency,
      expiresAt,
      // This process's clock, like the chat turn's start it is compared with (confirmation_needs_shopper).
      createdAt: new Date(),
    });
    return {
      confirmation_token: token,
      expires_at: expiresAt.toISOString(),
      items: itemViews(priced),
      shipping_address: priced.address,
      subtotal: priced.subtotal,
      shipping: priced.shipping,
      total: priced.total,
      currency: priced.currency,
    } satisfies Quote;
  }

  /** What is still in stock of the short lines, as a fresh quote; null when nothing is. */
  async function availableQuote(company: CompanyRow, user: UserRow, priced: Priced) {
    const lines = priced.lines
      .map((l) => ({ variant_id: l.variantId, quantity: Math.min(l.quantity, l.availableQty) }))
      .filter((l) => l.quantity > 0);
    if (lines.length === 0) return null;
    const address = await shippingAddress(db, company.id, user.id, priced.address.id);
    const again = await priceLines(db, { companyId: company.id, userId: user.id }, lines, address);
    return again.shortages.length ? null : storeQuote(company, user, lines, again);
  }

  async function shortageMessage(priced: Priced) {
    const parts = [];
    for (const s of priced.shortages) {
      const alternatives = await db
        .select({ id: variants.id, title: variants.title, qty: variants.availableQty })
        .from(variants)
        .where(
          and(
            eq(variants.productId, priced.lines.find((l) => l.variantId === s.variantId)!.productId),
            ne(variants.id, s.variantId),
            gt(variants.availableQty, 0),
            sql`${variants.deletedAt} is null`,
          ),
        )
        .limit(5);
      parts.push(
        `${s.title} ${s.available === 0 ? 'is sold out' : `has only ${s.available} left (asked for ${s.wanted})`}` +
          (alternatives.length
            ? `; ${alternatives.length} other variant(s) are in stock: ${alternatives.map((a) => `${a.title} (${a.id})`).join(', ')}`
            : ''),
      );
    }
    return `${parts.join('. ')}.`;
  }

  /** `fresh`: the user row as read now (limits may have changed since the session bound the user). */
  async function checkLimits(q: Pick<Db, 'select'>, fresh: UserRow, total: string) {
    const perOrder = fresh.spendLimitPerOrder;
    const perDay = fresh.spendLimitPerDay;
    if (perOrder && toMinor(total) > toMinor(perOrder)) {
      throw new AppError(
        'forbidden',
        `This order (${total}) is over the shopper's limit of ${perOrder} per order, set by the shop. ` +
          'Suggest fewer items or a cheaper variant.',
        { code: 'spending_limit_exceeded', title: 'Spending limit exceeded' },
      );
    }
    if (perDay) {
      const [spent] = await q
        .select({ sum: sql<string>`coalesce(sum(${orders.amount}), 0)::text` })
        .from(orders)
        .where(
          and(
            eq(orders.userId, fresh.id),
            inArray(orders.status, [...SPENDING]),
            gte(orders.createdAt, sql`now() - interval '24 hours'`),
          ),
        );
      const already = toMinor(Number(spent?.sum ?? '0').toFixed(2));
      if (already + toMinor(total) > toMinor(perDay)) {
        throw new AppError(
          'forbidden',
          `This order (${total}) would take the shopper over their limit of ${perDay} per 24 hours, set by the shop ` +
            `(${fromMinor(already)} already spent).`,
          { code: 'spending_limit_exceeded', title: 'Spending limit exceeded' },
        );
      }
    }
  }

  /** Delivers events claimed by this process, and the ones they lead to (balance_check -> charge). */
  async function deliverNow(
    rows: DeliveryRow[],
    company?: CompanyRow,
  ): Promise<{ balance?: BalanceAnswer | null; error?: string | null }> {
    let last: { balance?: BalanceAnswer | null; error?: string | null } = {};
    const queue = [...rows];
    while (queue.length) {
      const result = await processDelivery(deps, queue.shift()!, { company });
      last = result;
      queue.push(...result.next);
    }
    return last;
  }

  async function orderView(orderId: string): Promise<OrderView> {
    const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
    const items = await itemsOf(db, [orderId]);
    return toOrderView(order!, items.get(orderId) ?? []);
  }

  function resultFor(order: OrderView, repeated = false): BuyResult {
    const again = repeated ? 'This quote was already confirmed: ' : '';
    const what = `order ${order.id} for ${order.amount} ${order.currency}`;
    switch (order.status) {
      case 'PAID':
      case 'FULFILLED':
      case 'SHIPPED':
      case 'DELIVERED':
        return { status: 'placed', message: `${again}Placed and paid: ${what}.`, quote: null, order };
      case 'DECLINED':
        return {
          status: 'declined',
          message: `${again}The shop declined ${what}: ${sentence(order.status_reason ?? 'no reason given')}`,
          quote: null,
          order,
        };
      case 'PAYMENT_FAILED':
      case 'EXPIRED':
      case 'CANCELLED':
        return {
          status: 'payment_failed',
          message: `${again}${what} was not paid: ${sentence(order.status_reason ?? order.status)}`,
          quote: null,
          order,
        };
      default:
        return {
          status: 'processing',
          message:
            `${again}${what} is placed and its payment is being confirmed (${order.status}). ` +
            'Check order_history in a moment; do not place it again.',
          quote: null,
          order,
        };
    }
  }

  return {
    deliverNow,

    /** Step one: price the purchase and store a quote the shopper must confirm. Places nothing. */
    async quote(
      company: CompanyRow,
      user: UserRow,
      input: { lines: QuotedLine[]; addressId?: string },
    ): Promise<BuyResult> {
      requireWebhook(company);
      const address = await shippingAddress(db, company.id, user.id, input.addressId);
      const priced = await priceLines(db, { companyId: company.id, userId: user.id }, input.lines, address);
      if (priced.shortages.length) {
        return {
          status: 'out_of_stock',
          message: await shortageMessage(priced),
          quote: await availableQuote(company, user, priced),
          order: null,
        };
      }
      const [fresh] = await db.select().from(users).where(eq(users.id, user.id));
      await checkLimits(db, fresh ?? user, priced.total);
      const quote = await storeQuote(company, user, input.lines, priced);
      const items = quote.items
        .map((i) => `${i.quantity} x ${i.product} (${i.variant}) at ${i.price}`)
        .join('; ');
      return {
        status: 'quote',
        message:
          `Quote: ${items}; shipping ${quote.shipping}; total ${quote.total} ${quote.currency}, to ` +
          `${priced.address.line1}, ${priced.address.city}. Ask the shopper to confirm; valid until ${quote.expires_at}.`,
        quote,
        order: null,
      };
    },

    /** Step two, on the shopper's yes: place exactly the quoted purchase, then take the payment. */
    async confirm(
      company: CompanyRow,
      user: UserRow,
      input: { token: string; lines?: QuotedLine[]; addressId?: string; quotedBefore?: Date },
    ): Promise<BuyResult> {
      requireWebhook(company);
      const [quote] = await db
        .select()
        .from(quotes)
        .where(and(eq(quotes.id, input.token), eq(quotes.companyId, company.id), eq(quotes.userId, user.id)));
      if (!quote) {
        throw new AppError(
          'not_found',
          'This confirmation token is unknown, or belongs to another shopper. Ask for a new quote.',
          { code: 'invalid_confirmation' },
        );
      }
      assertSamePurchase(quote, input);
      if (input.quotedBefore && quote.createdAt >= input.quotedBefore) {
        throw new AppError(
          'conflict',
          'This quote was made during the current message. Show it to the shopper and place the order only after ' +
            'they say yes in their next message.',
          { code: 'confirmation_needs_shopper' },
        );
      }
      const [existing] = await db.select({ id: orders.id }).from(orders).where(eq(orders.quoteId, quote.id));
      if (existing) return resultFor(await orderView(existing.id), true);

      const address = await shippingAddress(db, company.id, user.id, quote.addressId);
      if (quote.expiresAt.getTime() < Date.now()) {
        const fresh = await this.quote(company, user, { lines: quote.lines, addressId: quote.addressId });
        return fresh.status === 'quote'
          ? { ...fresh, status: 'quote_expired', message: `That quote expired. New ${fresh.message}` }
          : fresh;
      }

      const token = newLeaseToken();
      const placed = await db.transaction(async (tx) => {
        const priced = await priceLines(
          tx,
          { companyId: company.id, userId: user.id },
          quote.lines,
          address,
          {
            lock: true,
          },
        );
        if (priced.hash !== quote.hash) return { kind: 'changed' as const, priced };
        if (priced.shortages.length) return { kind: 'short' as const, priced };
        // The user's row lock serialises their concurrent orders, so a daily limit cannot be overrun in parallel.
        const [locked] = await tx.select().from(users).where(eq(users.id, user.id)).for('update');
        await checkLimits(tx, locked ?? user, priced.total);
        const [order] = await tx
          .insert(orders)
          .values({
            companyId: company.id,
            userId: user.id,
            quoteId: quote.id,
            amount: priced.total,
            currency: priced.currency,
            shippingAddress: priced.address,
          })
          .onConflictDoNothing({ target: orders.quoteId })
          .returning();
        if (!order) return { kind: 'repeated' as const };
        const items = await tx
          .insert(orderItems)
          .values(
            priced.lines.map((l, position) => ({
              orderId: order.id,
              position,
              merchantId: l.merchantId,
              merchantName: l.merchantName,
              productId: l.productId,
              variantId: l.variantId,
              productTitle: l.productTitle,
              variantTitle: l.variantTitle,
              sku: l.sku,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
            })),
          )
          .returning();
        for (const l of priced.lines) {
          // The rows are locked and were checked above; the condition is the last line of defence against oversell.
          const taken = await tx
            .update(variants)
            .set({ availableQty: sql`${variants.availableQty} - ${l.quantity}` })
            .where(and(eq(variants.id, l.variantId), gte(variants.availableQty, l.quantity)))
            .returning({ id: variants.id });
          if (taken.length !== 1) throw new AppError('conflict', 'Stock changed while ordering; try again.');
        }
        await touchProducts(tx, [...new Set(priced.lines.map((l) => l.productId))]);
        await tx.insert(orderEvents).values({
          orderId: order.id,
          status: 'PENDING',
          actor: 'checkout',
          note: 'confirmed by the shopper',
        });
        const check = await enqueueEvent(
          tx,
          {
            companyId: company.id,
            orderId: order.id,
            event: 'balance_check',
            payload: balanceCheckPayload(
              {
                userId: user.externalUserId,
                amount: order.amount,
                currency: order.currency,
                orderId: order.id,
              },
              items,
            ),
            maxAttempts: 1,
          },
          { token, leaseMs: leaseMs(config) },
        );
        return { kind: 'placed' as const, order, check, productIds: priced.lines.map((l) => l.productId) };
      });

      if (placed.kind === 'repeated') {
        const [order] = await db.select({ id: orders.id }).from(orders).where(eq(orders.quoteId, quote.id));
        return resultFor(await orderView(order!.id), true);
      }
      if (placed.kind === 'short') {
        return {
          status: 'out_of_stock',
          message: `${await shortageMessage(placed.priced)} Nothing was ordered.`,
          quote: await availableQuote(company, user, placed.priced),
          order: null,
        };
      }
      if (placed.kind === 'changed') {
        const fresh = placed.priced;
        if (fresh.shortages.length) {
          return {
            status: 'out_of_stock',
            message: `${await shortageMessage(fresh)} Nothing was ordered.`,
            quote: await availableQuote(company, user, fresh),
            order: null,
          };
        }
        const next = await storeQuote(company, user, quote.lines, fresh);
        return {
          status: 'price_changed',
          message:
            `The price changed since the quote: the total is now ${fresh.total} ${fresh.currency} ` +
            `(was ${quote.total} ${quote.currency}). Nothing was ordered; show the new quote and ask again.`,
          quote: next,
          order: null,
        };
      }
      deps.onStockChange?.(placed.productIds);
      await deliverNow([placed.check], company);
      return resultFor(await orderView(placed.order.id));
    },

    /** Asks the integrator (balance_check, no order) whether the shopper can pay an amount. Moves no money. */
    async checkBalance(company: CompanyRow, user: UserRow, amount: string, currency: string) {
      requireWebhook(company);
      const token = newLeaseToken();
      const row = await enqueueEvent(
        db,
        {
          companyId: company.id,
          event: 'balance_check',
          payload: balanceCheckPayload({ userId: user.externalUserId, amount, currency, orderId: null }),
          maxAttempts: 1,
        },
        { token, leaseMs: leaseMs(config) },
      );
      const { balance, error } = await deliverNow([row], company);
      if (!balance) {
        throw new AppError(
          'unavailable',
          `The shop's payment app did not answer the balance check (${error ?? 'no answer'}). Try again later.`,
          { code: 'payment_app_unavailable', retryable: true },
        );
      }
      return balance;
    },

    /** Cancels an order while it can be: before money moves, or paid and not yet shipped (the integrator refunds). */
    async cancel(companyId: string, orderId: string, actor: Move['actor'], reason?: string) {
      const result = await db.transaction(async (tx) => {
        const [order] = await tx
          .select()
          .from(orders)
          .where(and(eq(orders.companyId, companyId), eq(orders.id, orderId)))
          .for('update');
        if (!order) throw orderNotFound(orderId);
        if (!CANCELLABLE.includes(order.status)) {
          throw new AppError(
            'conflict',
            `Order ${orderId} is ${order.status} and can no longer be cancelled` +
              (order.status === 'APPROVED' ? ' (its payment is in progress; try again in a moment).' : '.'),
            { code: 'order_not_cancellable', retryable: order.status === 'APPROVED' },
          );
        }
        return moveOrder(
          tx,
          orderId,
          { to: 'CANCELLED', actor, reason: reason ?? `Cancelled by the ${actor}.` },
          settings,
        );
      });
      if (result.restocked.length) deps.onStockChange?.(result.restocked);
      return result.order;
    },

    /** Later status changes (fulfilment, shipping, delivery) from merchants or operators; tells the integrator. */
    async advance(companyId: string | null, orderId: string, move: Move) {
      return db.transaction(async (tx) => {
        const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
        if (!order || (companyId && order.companyId !== companyId)) throw orderNotFound(orderId);
        const result = await moveOrder(tx, orderId, move, settings);
        if (!result.moved) {
          throw new AppError(
            'conflict',
            `Order ${orderId} is ${result.previous}; it cannot become ${move.to}.`,
            {
              code: 'invalid_transition',
            },
          );
        }
        return result.order;
      });
    },
  };
}

/** A reason as a sentence that says nothing was charged, without saying it twice. */
const sentence = (reason: string) => {
  const s = /[.!?]$/.test(reason) ? reason : `${reason}.`;
  return /nothing was charged/i.test(s) ? s : `${s} Nothing was charged.`;
};

// jsonb does not keep key order, so lines compare by their values.
const lineKey = (lines: QuotedLine[]) => lines.map((l) => `${l.variant_id}x${l.quantity}`).join(',');

/** A confirmation must be for the quoted purchase; leaving items out means "the quoted ones". */
function assertSamePurchase(quote: QuoteRow, input: { lines?: QuotedLine[]; addressId?: string }) {
  const sameLines =
    !input.lines?.length || lineKey(normalizeLines(input.lines)) === lineKey(normalizeLines(quote.lines));
  const sameAddress = !input.addressId || input.addressId === quote.addressId;
  if (!sameLines || !sameAddress) {
    throw new AppError(
      'conflict',
      'This confirmation token is for a different purchase (other items, quantities or address). ' +
        'Ask for a new quote for what the shopper wants now, and have them confirm that one.',
      { code: 'quote_mismatch' },
    );
  }
}
