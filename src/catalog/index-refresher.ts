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

  // What this process wrote, it indexed as it wrote (a store sync, an import): the index already holds that version,
  // or holds nothing for a product that is not active. Indexing it again doubled the CPU of a sync.
  const upToDate = (r: { id: string; updatedAt: Date; status: string }) => {
    if (!index.document) return false;
    const held = index.document(r.id);
    return held ? held.updatedAt === r.updatedAt.getTime() : r.status !== 'active';
  };

  async function tick() {
    if (running) return;
    running = true;
    try {
      const since = new Date(watermark.getTime() - OVERLAP_MS);
      const rows = await db
        .select({ id: products.id, updatedAt: products.updatedAt, status: products.status })
        .from(products)
        .where(gt(products.updatedAt, since));
      const changed = rows.filter((r) => synced.get(r.id) !== r.updatedAt.getTime() && !upToDate(r));
      if (changed.length)
        await syncProducts(
          db,
          index,
          changed.map((r) => r.id),
        );
      for (const r of rows) {
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
