// For an in-process index on a shared Postgres: picks up products that other processes (another node, the CLI)
// changed, by polling updated_at. The window overlaps, because a row's timestamp is taken before its transaction commits.
import { gt } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { syncProducts } from './index-sync.js';
import { products } from './schema.js';
import type { SearchIndex } from './search/port.js';

const OVERLAP_MS = 60_000;

export function startIndexRefresher(
  db: Db,
  index: SearchIndex,
  options: { intervalMs: number; logger: Logger },
) {
  let watermark = new Date();
  const synced = new Map<string, number>();
  let running = false;

  async function tick() {
    if (running) return;
    running = true;
    try {
      const since = new Date(watermark.getTime() - OVERLAP_MS);
      const rows = await db
        .select({ id: products.id, updatedAt: products.updatedAt })
        .from(products)
        .where(gt(products.updatedAt, since));
      const changed = rows.filter((r) => synced.get(r.id) !== r.updatedAt.getTime());
      if (changed.length)
        await syncProducts(
          db,
          index,
          changed.map((r) => r.id),
        );
      for (const r of changed) {
        synced.set(r.id, r.updatedAt.getTime());
        if (r.updatedAt > watermark) watermark = r.updatedAt;
      }
      // Forget what has left the window.
      for (const [id, t] of synced) if (t < since.getTime()) synced.delete(id);
    } catch (err) {
      options.logger.warn({ err }, 'search index refresh failed; retrying');
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
