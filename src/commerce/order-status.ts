// The order state machine: which status may follow which. Every status change goes through `canMove`.
import type { OrderStatus } from './order-schema.js';

const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['APPROVED', 'DECLINED', 'PAYMENT_FAILED', 'CANCELLED', 'EXPIRED'],
  APPROVED: ['PAID', 'PAYMENT_FAILED'],
  PAID: ['FULFILLED', 'SHIPPED', 'DELIVERED', 'CANCELLED'],
  FULFILLED: ['SHIPPED', 'DELIVERED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  DECLINED: [],
  PAYMENT_FAILED: [],
  CANCELLED: [],
  EXPIRED: [],
};

export const canMove = (from: OrderStatus, to: OrderStatus) => NEXT[from].includes(to);

export const nextStatuses = (from: OrderStatus) => NEXT[from];

/** Statuses where the order's stock is no longer held. */
export const RELEASES_STOCK: readonly OrderStatus[] = ['DECLINED', 'PAYMENT_FAILED', 'CANCELLED', 'EXPIRED'];

/** Orders in these statuses count toward spending limits (money moved or may still move). */
export const SPENDING: readonly OrderStatus[] = [
  'PENDING',
  'APPROVED',
  'PAID',
  'FULFILLED',
  'SHIPPED',
  'DELIVERED',
];

/** The integrator hears of these by order_followup; the others are their own answers (approve, charge). */
export const FOLLOWED_UP: readonly OrderStatus[] = [
  'FULFILLED',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
  'EXPIRED',
];

/** An order can be cancelled before money moves, or once paid until the merchant ships it (a refund follows). */
export const CANCELLABLE: readonly OrderStatus[] = ['PENDING', 'PAID'];
