// Syncing a connected store into the catalog through the same upsert path as file imports. A run is recorded page
// by page (cursor, counts, heartbeat), so a run whose process died is resumed where it stopped, and re-reading a
// page never duplicates anything (upserts are keyed by the store's ids). A full sync then removes products the store
// no longer has; a reconciliation asks only for what changed since the last one (what webhooks missed).
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import type { Metrics } from '../../metrics.js';
import { AppError } from '../../errors.js';
import { checkRecord, emptySummary, writeRecords, type ImportSummary } from '../import-file.js';
import type { ProductRecord } from '../import-format.js';
import { indexWritten, syncProducts } from '../index-sync.js';
import { getMerchant } from '../merchants.js';
import { products } from '../schema.js';
import type { SearchIndex } from '../search/port.js';
import { deleteProducts } from '../upsert.js';
import { connectorFor, getConnection, type Connectors } from './connections.js';
import type { ProductPage } from './connector.js';
import { merchantConnections, syncRuns, type SyncRunRow } from './schema.js';
import type { Sealer } from './secrets.js';

export type SyncDeps = {
  db: Db;
  index: SearchIndex;
  connectors: Connectors;
  sealer: Sealer;
  logger: Logger;
  /** Counts runs and products synced; optional (tests build deps without it). */
  metrics?: Metrics;
};

/** A running run whose heartbeat is older than this belonged to a process that died: it may be resumed. */
const ABANDONED_MS = 60_000;
/** A failed run younger than this is resumed from its cursor by the next sync of the same kind. */
const RESUME_FAILED_MS = 60 * 60_000;
/** Reconciliation overlaps the previous one by this much: clocks differ, and edits land mid-run. */
const OVERLAP_MS = 5 * 60_000;

async function claimRun(db: Db, merchantId: string, kind: SyncRunRow['kind'], since: Date | null) {
  const [running] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.merchantId, merchantId), eq(syncRuns.status, 'running')))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1);
  if (running) {
    if (Date.now() - running.heartbeatAt.getTime() < ABANDONED_MS) {
      throw new AppError(
        'conflict',
        `A ${running.kind} sync of this store is already running (${running.id}).`,
        {
          code: 'sync_running',
          retryable: true,
        },
      );
    }
    if (running.kind === kind) {
      // Take over the dead run, guarded so two resumers cannot both take it.
      const [taken] = await db
        .update(syncRuns)
        .set({ heartbeatAt: new Date() })
        .where(and(eq(syncRuns.id, running.id), eq(syncRuns.heartbeatAt, running.heartbeatAt)))
        .returning();
      if (taken) return { run: taken, resumed: true };
    } else {
      await db
        .update(syncRuns)
        .set({
          status: 'failed',
          finishedAt: new Date(),
          errors: sql`${syncRuns.errors} || '["abandoned"]'::jsonb`,
        })
        .where(eq(syncRuns.id, running.id));
    }
  }
  // A run that failed recently (the store was down) picks up where it stopped rather than from page one.
  const [failed] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.merchantId, merchantId), eq(syncRuns.kind, kind)))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1);
  if (
    failed?.status === 'failed' &&
    failed.cursor &&
    Date.now() - failed.heartbeatAt.getTime() < RESUME_FAILED_MS
  ) {
    const [reopened] = await db
      .update(syncRuns)
      .set({ status: 'running', finishedAt: null, heartbeatAt: new Date() })
      .where(and(eq(syncRuns.id, failed.id), eq(syncRuns.status, 'failed')))
      .returning();
    if (reopened) return { run: reopened, resumed: true };
  }
  const [run] = await db.insert(syncRuns).values({ merchantId, kind, since }).returning();
  return { run: run!, resumed: false };
}

/** A promise awaited later, perhaps after another failed first: its rejection must not count as unhandled meanwhile. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

export async function runSync(
  deps: SyncDeps,
  merchantId: string,
  kind: SyncRunRow['kind'],
  onProgress?: (run: SyncRunRow) => void,
  onStart?: (run: SyncRunRow) => void,
): Promise<SyncRunRow> {
  const { db } = deps;
  const conn = await getConnection(db, deps.sealer, merchantId);
  const connector = connectorFor(deps.connectors, conn.platform);
  const [state] = await db
    .select()
    .from(merchantConnections)
    .where(eq(merchantConnections.merchantId, merchantId));
  const last = state?.lastReconciledAt ?? state?.lastFullSyncAt ?? null;
  const since = kind === 'reconcile' && last ? new Date(last.getTime() - OVERLAP_MS) : null;
  const { run: claimed, resumed } = await claimRun(db, merchantId, kind, since);
  let run = claimed;
  onStart?.(run);
  deps.logger.info({ merchant: merchantId, run: run.id, kind, resumed }, 'store sync started');

  let writing: Promise<void> = Promise.resolve();
  let indexing: Promise<void> = Promise.resolve();
  const index = (work: () => Promise<void>) => (indexing = quiet(indexing.then(work)));
  try {
    const fetchFrom = (cursor: string | null) =>
      quiet(connector.fetchPage(conn, { cursor, since: run.since }));
    // Pages are written one at a time, in order, each with its cursor. The next page is fetched and checked while this
    // one is written, and the index takes a page's products while the next one is written: the store's time, our CPU
    // and Postgres's overlap.
    let pending = fetchFrom(run.cursor);
    // A full read from the first page, where the connector's pages miss nothing, lists the store as it goes.
    const seen =
      kind === 'full' && run.cursor === null && connector.fullReadSeesAll ? new Set<string>() : null;
    let lines = run.fetched;

    // A full read that meets each product once (the connector says so) has disjoint pages: two may be written at once,
    // each in its own transaction, so our CPU and Postgres's overlap further. Each page's run update still waits for
    // the page before it: the cursor only ever advances past pages that are in.
    const twoAtOnce = kind === 'full' && connector.fullReadSeesAll === true;
    const writePage = async (
      page: ProductPage,
      records: ProductRecord[],
      summary: ImportSummary,
      before: Promise<void>,
    ) => {
      const written = await writeRecords(db, merchantId, records, summary);
      if (written.length) {
        const merchant = await getMerchant(db, merchantId);
        index(() => indexWritten(deps.index, merchant, written));
      }
      const removed = page.deleted?.length ? await deleteProducts(db, merchantId, page.deleted) : [];
      if (removed.length) index(() => syncProducts(db, deps.index, removed));
      await before;
      const [next] = await db
        .update(syncRuns)
        .set({
          cursor: page.next,
          fetched: sql`${syncRuns.fetched} + ${page.records.length}`,
          created: sql`${syncRuns.created} + ${summary.created}`,
          updated: sql`${syncRuns.updated} + ${summary.updated}`,
          unchanged: sql`${syncRuns.unchanged} + ${summary.unchanged + summary.stale}`,
          deleted: sql`${syncRuns.deleted} + ${removed.length}`,
          rejected: sql`${syncRuns.rejected} + ${summary.rejected.length}`,
          errors: summary.rejected.length
            ? sql`${syncRuns.errors} || ${JSON.stringify(summary.rejected.slice(0, 20).map((r) => `${r.source_id ?? r.line}: ${r.reason}`))}::jsonb`
            : undefined,
          heartbeatAt: new Date(),
        })
        .where(eq(syncRuns.id, run.id))
        .returning();
      run = next!;
      for (const [result, n] of Object.entries({
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged + summary.stale,
        deleted: removed.length,
        rejected: summary.rejected.length,
      }))
        if (n) deps.metrics?.storeSyncProducts.inc({ platform: conn.platform, kind, result }, n);
      onProgress?.(run);
    };

    for (;;) {
      const page = await pending;
      if (page.next) pending = fetchFrom(page.next);
      if (seen) for (const r of page.records) seen.add(r.source_id);
      const summary = emptySummary();
      const records: ProductRecord[] = [];
      const firstSeen = new Map<string, number>();
      for (const [i, value] of page.records.entries()) {
        const checked = checkRecord({ line: lines + i + 1, value }, firstSeen);
        if ('rejected' in checked) summary.rejected.push(checked.rejected);
        else records.push(checked.record);
      }
      lines += page.records.length;
      const before = writing;
      if (!twoAtOnce) await before;
      writing = quiet(writePage(page, records, summary, before));
      if (twoAtOnce) await before;
      if (!page.next) break;
    }
    await writing;
    await indexing;
    if (kind === 'full') {
      const present = seen ?? (await connector.listSourceIds(conn));
      const held = await db
        .select({ sourceId: products.sourceId, updatedAt: products.updatedAt })
        .from(products)
        .where(and(eq(products.merchantId, merchantId), ne(products.status, 'deleted')));
      // What the read met is as old as the run: a product a webhook wrote since (created after its page, or after the
      // bulk file) is not gone.
      const gone = held
        .filter((p) => !present.has(p.sourceId) && !(seen && p.updatedAt >= run.startedAt))
        .map((p) => p.sourceId);
      const removed = await deleteProducts(db, merchantId, gone);
      if (removed.length) {
        deps.metrics?.storeSyncProducts.inc(
          { platform: conn.platform, kind, result: 'deleted' },
          removed.length,
        );
        await syncProducts(db, deps.index, removed);
      }
      [run] = (await db
        .update(syncRuns)
        .set({ deleted: sql`${syncRuns.deleted} + ${removed.length}` })
        .where(eq(syncRuns.id, run.id))
        .returning()) as [SyncRunRow];
    }
    [run] = (await db
      .update(syncRuns)
      .set({ status: 'succeeded', finishedAt: new Date(), heartbeatAt: new Date() })
      .where(eq(syncRuns.id, run.id))
      .returning()) as [SyncRunRow];
    await db
      .update(merchantConnections)
      .set(
        kind === 'full'
          ? { lastFullSyncAt: run.startedAt, lastReconciledAt: run.startedAt }
          : { lastReconciledAt: run.startedAt },
      )
      .where(eq(merchantConnections.merchantId, merchantId));
    deps.metrics?.storeSyncRuns.inc({ platform: conn.platform, kind, status: 'succeeded' });
    deps.logger.info(
      {
        merchant: merchantId,
        run: run.id,
        fetched: run.fetched,
        created: run.created,
        updated: run.updated,
        deleted: run.deleted,
      },
      'store sync finished',
    );
    return run;
  } catch (err) {
    // A page still being written or indexed when another step failed finishes first: nothing touches the run after
    // it is marked failed (a late heartbeat would make it look alive).
    await Promise.allSettled([writing, indexing]);
    await db
      .update(syncRuns)
      .set({
        status: 'failed',
        finishedAt: new Date(),
        errors: sql`${syncRuns.errors} || ${JSON.stringify([(err as Error).message])}::jsonb`,
      })
      .where(eq(syncRuns.id, run.id));
    deps.metrics?.storeSyncRuns.inc({ platform: conn.platform, kind, status: 'failed' });
    deps.logger.error({ err, merchant: merchantId, run: run.id }, 'store sync failed');
    throw err;
  }
}

export async function listSyncRuns(db: Db, merchantId: string, limit = 20): Promise<SyncRunRow[]> {
  return db
    .select()
    .from(syncRuns)
    .where(eq(syncRuns.merchantId, merchantId))
    .orderBy(desc(syncRuns.startedAt))
    .limit(limit);
}

export function syncRunView(r: SyncRunRow) {
  return {
    id: r.id,
    merchant_id: r.merchantId,
    kind: r.kind,
    status: r.status,
    fetched: r.fetched,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    deleted: r.deleted,
    rejected: r.rejected,
    errors: r.errors,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}

/** Runs a reconciliation of every connected store due one; called on a timer by the server. */
export async function reconcileDue(deps: SyncDeps, intervalSeconds: number): Promise<void> {
  const due = await deps.db
    .select({ merchantId: merchantConnections.merchantId })
    .from(merchantConnections)
    .where(
      sql`coalesce(${merchantConnections.lastReconciledAt}, 'epoch'::timestamptz) < now() - ${intervalSeconds} * interval '1 second'`,
    );
  for (const { merchantId } of due) {
    await runSync(deps, merchantId, 'reconcile').catch((err: Error) =>
      deps.logger.warn({ err: err.message, merchant: merchantId }, 'reconciliation skipped'),
    );
  }
}
