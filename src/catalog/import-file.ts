// Imports a catalog file (JSON array, {"products": [...]}, or JSONL) for one merchant: every record is validated,
// bad ones are rejected with their line and reason, and the rest is upserted in batches and indexed.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Db } from '../db/client.js';
import { productRecordSchema, type ProductRecord } from './import-format.js';
import { indexWritten } from './index-sync.js';
import { getMerchant } from './merchants.js';
import type { SearchIndex } from './search/port.js';
import { upsertProducts, type WrittenProduct } from './upsert.js';

export type RawRecord = { line: number; value: unknown } | { line: number; error: string };
export type Rejection = { line: number; source_id?: string; reason: string };
export type ImportSummary = {
  created: number;
  updated: number;
  unchanged: number;
  stale: number;
  rejected: Rejection[];
};

function parseLine(text: string, line: number): RawRecord {
  try {
    return { line, value: JSON.parse(text) };
  } catch (err) {
    return { line, error: `not valid JSON: ${(err as Error).message}` };
  }
}

/** JSONL unless it reads as a JSON array or {"products": [...]}. */
function looksLikeJsonLines(head: string, name = ''): boolean {
  const start = head.trimStart();
  return /\.(jsonl|ndjson)$/i.test(name) || (start.startsWith('{') && !/^\{\s*"products"\s*:/.test(start));
}

function* recordsOfJsonDocument(text: string): Generator<RawRecord> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    yield { line: 1, error: `the file is not valid JSON: ${(err as Error).message}` };
    return;
  }
  const list = Array.isArray(doc) ? doc : (doc as { products?: unknown } | null)?.products;
  if (!Array.isArray(list)) {
    yield {
      line: 1,
      error: 'expected a JSON array of products, {"products": [...]}, or one product per line (JSONL)',
    };
    return;
  }
  // In a JSON array, "line" is the record's position (1-based).
  for (const [i, value] of list.entries()) yield { line: i + 1, value };
}

/** The records of catalog text already in memory (an upload). */
export function* readCatalogText(text: string): Generator<RawRecord> {
  if (!looksLikeJsonLines(text.slice(0, 4096))) {
    yield* recordsOfJsonDocument(text);
    return;
  }
  for (const [i, line] of text.split(/\r?\n/).entries()) if (line.trim()) yield parseLine(line, i + 1);
}

/** The records of a file with their line numbers; JSONL is streamed, so files of any size fit. */
export async function* readCatalogFile(file: string): AsyncGenerator<RawRecord> {
  const handle = await fs.open(file, 'r');
  const { buffer, bytesRead } = await handle
    .read(Buffer.alloc(4096), 0, 4096, 0)
    .finally(() => handle.close());
  if (!looksLikeJsonLines(buffer.toString('utf8', 0, bytesRead), file)) {
    yield* recordsOfJsonDocument(await fs.readFile(file, 'utf8'));
    return;
  }
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (text.trim()) yield parseLine(text, line);
  }
}

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : 'record'}: ${i.message}`)
    .join('; ');
}

/** One record checked against the format, and against the source ids already met (`firstSeen`, id to line). */
export function checkRecord(
  raw: RawRecord,
  firstSeen: Map<string, number>,
): { record: ProductRecord } | { rejected: Rejection } {
  if ('error' in raw) return { rejected: { line: raw.line, reason: raw.error } };
  const parsed = productRecordSchema.safeParse(raw.value);
  if (!parsed.success) {
    const sourceId = (raw.value as { source_id?: unknown } | null)?.source_id;
    return {
      rejected: {
        line: raw.line,
        ...(typeof sourceId === 'string' && sourceId && { source_id: sourceId }),
        reason: describeIssues(parsed.error.issues),
      },
    };
  }
  const seen = firstSeen.get(parsed.data.source_id);
  if (seen !== undefined) {
    return {
      rejected: {
        line: raw.line,
        source_id: parsed.data.source_id,
        reason: `duplicate source_id (first on line ${seen}); the first one was imported`,
      },
    };
  }
  firstSeen.set(parsed.data.source_id, raw.line);
  return { record: parsed.data };
}

/** Records per transaction, and variants: fewer, larger writes cost Postgres less per product. */
const BATCH = 500;
const BATCH_VARIANTS = 5000;

const batchFull = (records: number, variants: number) => records >= BATCH || variants >= BATCH_VARIANTS;

export const emptySummary = (): ImportSummary => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  stale: 0,
  rejected: [],
});

/**
 * Upserts checked records (distinct source ids) in batches of one transaction each, counting the outcomes into
 * `summary`. Returns the products written, for the search index.
 */
export async function writeRecords(
  db: Db,
  merchantId: string,
  records: ProductRecord[],
  summary: ImportSummary,
): Promise<WrittenProduct[]> {
  const written: WrittenProduct[] = [];
  let from = 0;
  while (from < records.length) {
    let to = from;
    let variants = 0;
    while (to < records.length && !batchFull(to - from, variants)) variants += records[to++]!.variants.length;
    for (const r of await upsertProducts(db, merchantId, records.slice(from, to))) {
      summary[r.outcome]++;
      if (r.written) written.push(r.written);
    }
    from = to;
  }
  return written;
}

/** Validates and upserts records for one merchant; indexes what changed. */
export async function importRecords(
  db: Db,
  index: SearchIndex,
  merchantId: string,
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  onProgress?: (summary: ImportSummary, processed: number) => void,
): Promise<ImportSummary> {
  const summary = emptySummary();
  const firstSeen = new Map<string, number>();
  let batch: ProductRecord[] = [];
  let batchVariants = 0;
  let processed = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const written = await writeRecords(db, merchantId, batch, summary);
    // The merchant as it is now: a paused store's products leave search.
    if (written.length) await indexWritten(index, await getMerchant(db, merchantId), written);
    batch = [];
    batchVariants = 0;
    onProgress?.(summary, processed);
  };

  for await (const raw of records) {
    processed++;
    const checked = checkRecord(raw, firstSeen);
    if ('rejected' in checked) {
      summary.rejected.push(checked.rejected);
      continue;
    }
    batch.push(checked.record);
    batchVariants += checked.record.variants.length;
    if (batchFull(batch.length, batchVariants)) await flush();
  }
  await flush();
  onProgress?.(summary, processed);
  return summary;
}
