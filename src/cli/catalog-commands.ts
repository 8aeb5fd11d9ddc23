// `aisle catalog …` and `aisle reindex`: import catalog files, load the demo catalog, list merchants, rebuild search.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createInterface } from 'node:readline';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadDemoCatalog } from '../catalog/demo.js';
import { readCatalogFile, type ImportSummary } from '../catalog/import-file.js';
import { listMerchants } from '../catalog/merchants.js';
import type { SearchIndex } from '../catalog/search/port.js';
import { createSearchIndex } from '../catalog/search/index.js';
import { createCatalog } from '../catalog/service.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/client.js';
import type { AdminAccess } from './admin-access.js';
import { out, UsageError, withAdminAccess } from './common.js';

type Summary = ImportSummary & { merchant: { id: string; slug: string; name: string } };

/** Exit code of an import that finished but rejected some records. */
export const EXIT_REJECTED = 3;

// The embedded index lives inside each server (rebuilt at start, following Postgres); the CLI writes Postgres only.
export const detachedIndex: SearchIndex = {
  engine: 'embedded',
  upsert: async () => {},
  remove: async () => {},
  clear: async () => {},
  search: async () => ({ total: 0, ids: [] }),
  count: async () => 0,
  health: async () => ({ status: 'ok' }),
  close: async () => {},
};

async function catalogOn(database: Database) {
  const config = loadConfig();
  const index = config.meili ? await createSearchIndex(config) : detachedIndex;
  return createCatalog({ db: database.db, index });
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (line.trim()) n++;
  }
  return n;
}

async function importFile(access: AdminAccess, file: string, merchant: string): Promise<Summary> {
  if (access.via === 'server') {
    out(`Importing through the running server at ${access.url}…`);
    const text = await fs.readFile(file, 'utf8');
    const ndjson = /\.(jsonl|ndjson)$/i.test(file);
    return access.call(
      'POST',
      `/catalog/import/?merchant=${encodeURIComponent(merchant)}`,
      ndjson ? { ndjson: text } : { json: JSON.parse(text) },
    );
  }
  const catalog = await catalogOn(access.database);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          format: ' {bar} {value}/{total} records | {created} new, {updated} updated, {rejected} rejected',
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(await countLines(file), 0, { created: 0, updated: 0, rejected: 0 });
  try {
    return await catalog.importRecords(merchant, readCatalogFile(file), (s, processed) =>
      bar?.update(processed, { created: s.created, updated: s.updated, rejected: s.rejected.length }),
    );
  } finally {
    bar?.stop();
  }
}

function printSummary(s: Summary) {
  out(
    `${s.merchant.name} (${s.merchant.id}): ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ` +
      `${s.stale} stale, ${s.rejected.length} rejected`,
  );
  for (const r of s.rejected.slice(0, 50))
    out(`  line ${r.line}${r.source_id ? ` (${r.source_id})` : ''}: ${r.reason}`);
  if (s.rejected.length > 50) out(`  … and ${s.rejected.length - 50} more (use --json for all)`);
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('Manage the product catalog.');

  catalog
    .command('import')
    .description(
      'Import products (JSON or JSONL, canonical format: docs/catalog-format.md) for a merchant, created if new. ' +
        `Bad records are listed and skipped; exit code ${EXIT_REJECTED} if there were any.`,
    )
    .argument('<file>', 'a .json or .jsonl file')
    .requiredOption('--merchant <name>', 'the merchant the products belong to')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { merchant: string; json?: boolean }) => {
      await fs.access(file).catch(() => {
        throw new UsageError(`cannot read ${file}`);
      });
      const summary = await withAdminAccess((a) => importFile(a, file, opts.merchant.trim()));
      if (opts.json) out(JSON.stringify(summary, null, 2));
      else printSummary(summary);
      if (summary.rejected.length) process.exitCode = EXIT_REJECTED;
    });

  catalog
    .command('load-demo')
    .description('Load the demo catalog shipped in data/demo (six fictional stores). Safe to run again.')
    .action(async () =>
      withAdminAccess(async (a) => {
        if (a.via === 'server')
          throw new UsageError('the server loads the demo catalog itself when the catalog is empty');
        for (const s of await loadDemoCatalog(a.database.db, await catalogOn(a.database))) {
          out(
            `${s.merchant}: ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected.length} rejected`,
          );
        }
      }),
    );

  catalog
    .command('merchants')
    .description('List merchants.')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      withAdminAccess(async (a) => {
        const list =
          a.via === 'server'
            ? await a.call<{ id: string; slug: string; name: string; platform: string }[]>(
                'GET',
                '/merchants/',
              )
            : await listMerchants(a.database.db);
        if (opts.json) out(JSON.stringify(list, null, 2));
        else for (const m of list) out(`${m.id}  ${m.slug}  ${m.name}  (${m.platform})`);
      }),
    );

  program
    .command('reindex')
    .description(
      'Rebuild the Meilisearch index from Postgres (the embedded index is rebuilt by every server at start).',
    )
    .action(async () =>
      withAdminAccess(async (a) => {
        if (a.via === 'server') {
          const r = await a.call<{ engine: string; products: number }>('POST', '/catalog/reindex/');
          out(`Rebuilt the ${r.engine} index in the running server: ${r.products} products.`);
          return;
        }
        if (!loadConfig().meili) {
          out(
            'The embedded search index is rebuilt from the database by every server when it starts; nothing to do here.',
          );
          return;
        }
        const c = await catalogOn(a.database);
        const bar = new cliProgress.SingleBar({ stream: process.stderr }, cliProgress.Presets.shades_classic);
        bar.start(1, 0);
        const n = await c.rebuild((done, total) => {
          bar.setTotal(total);
          bar.update(done);
        });
        bar.stop();
        out(`Rebuilt the Meilisearch index: ${n} products.`);
      }),
    );
}
