// The outbox worker: claims due events (several workers on several nodes share the work through SKIP LOCKED),
// delivers them, and keeps house: expires orders stuck in PENDING, drops old idempotency keys and quotes.
import { and, eq, lt, sql } from 'drizzle-orm';
import { orders, quotes } from '../commerce/order-schema.js';
import { moveOrder } from '../commerce/orders.js';
import type { Config } from '../config.js';
import { idempotencyKeys } from '../transport/rest/idempotency-schema.js';
import { claimDueEvents, newLeaseToken } from './outbox.js';
import { leaseMs, processDelivery, type DeliveryDeps } from './process.js';

export type OutboxWorker = {
  /** Look for due events now instead of at the next poll. */
  kick(): void;
  /** Expires stale orders and delivers everything due now, then returns. */
  drain(): Promise<number>;
  stop(): Promise<void>;
};

const BATCH = 20;
const HOUSEKEEPING_MS = 30_000;

export function startOutboxWorker(
  deps: DeliveryDeps & { config: Pick<Config, 'webhooks' | 'outbox' | 'checkout'> },
  options: { autostart?: boolean } = {},
): OutboxWorker {
  const { db, config, logger } = deps;
  let running = options.autostart !== false;
  let wake: (() => void) | null = null;
  let lastHousekeeping = 0;
  let busy: Promise<number> = Promise.resolve(0);
  /** Set by stop(): the batch in flight is finished, nothing more is claimed. */
  let stopping = false;

  async function deliverDue(): Promise<number> {
    let total = 0;
    for (;;) {
      if (stopping) return total;
      const token = newLeaseToken();
      const rows = await claimDueEvents(db, { limit: BATCH, leaseMs: leaseMs(config), token });
      if (rows.length === 0) return total;
      total += rows.length;
      await Promise.all(
        rows.map(async (row) => {
          const queue = [row];
          while (queue.length) queue.push(...(await processDelivery(deps, queue.shift()!)).next);
        }),
      );
    }
  }

  async function housekeeping() {
    const settings = { followupAttempts: config.webhooks.maxAttempts };
    const stale = await db
      .select({ id: orders.id })
      .from(orders)
      .where(
        and(
          eq(orders.status, 'PENDING'),
          lt(orders.createdAt, sql`now() - ${config.checkout.pendingTimeoutSeconds} * interval '1 second'`),
        ),
      )
      .limit(100);
    for (const { id } of stale) {
      const moved = await db.transaction((tx) =>
        moveOrder(
          tx,
          id,
          {
            to: 'EXPIRED',
            from: ['PENDING'],
            actor: 'system',
            reason: 'The balance check never completed; nothing was charged.',
          },
          settings,
        ),
      );
      if (moved.restocked.length) deps.onStockChange?.(moved.restocked);
    }
    await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, sql`now() - interval '24 hours'`));
    await db.delete(quotes).where(lt(quotes.expiresAt, sql`now() - interval '7 days'`));
  }

  async function round(): Promise<number> {
    const n = await deliverDue();
    if (Date.now() - lastHousekeeping > HOUSEKEEPING_MS) {
      lastHousekeeping = Date.now();
      await housekeeping();
    }
    return n;
  }

  async function loop() {
    while (running) {
      busy = round().catch((err: Error) => {
        logger.error({ err }, 'outbox worker round failed');
        return 0;
      });
      await busy;
      if (!running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.outbox.pollMs);
        timer.unref();
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  if (running) void loop();

  return {
    kick: () => wake?.(),
    async drain() {
      await busy;
      await housekeeping();
      return deliverDue();
    },
    async stop() {
      stopping = true;
      running = false;
      wake?.();
      await busy;
    },
  };
}
