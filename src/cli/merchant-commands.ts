// `aisle merchant …`: connect a Shopify or WooCommerce store, sync it (with a progress bar), list stores and runs.
// Straight on the database, or through the running server's operator API when it holds the embedded database.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { connectionView, connectStore, listConnections } from '../catalog/connectors/connections.js';
import { defaultConnectors } from '../catalog/connectors/index.js';
import type { SyncRunRow } from '../catalog/connectors/schema.js';
import { keyFor, lazySealer } from '../catalog/connectors/secrets.js';
import { listSyncRuns, runSync, syncRunView } from '../catalog/connectors/sync.js';
import { findMerchant } from '../catalog/merchants.js';
import { createSearchIndex } from '../catalog/search/index.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { createLogger } from '../logger.js';
import type { AdminAccess } from './admin-access.js';
import { detachedIndex } from './catalog-commands.js';
import { out, UsageError, withAdminAccess } from './common.js';

type RunView = ReturnType<typeof syncRunView>;

async function storesOn(database: Database) {
  const config = loadConfig();
  const connectors = defaultConnectors(database.db);
  const sealer = lazySealer(() => keyFor(config));
  const index = config.meili ? await createSearchIndex(config) : detachedIndex;
  const logger = createLogger({ ...config, logLevel: 'warn' }, process.stderr);
  return { config, connectors, sealer, sync: { db: database.db, index, connectors, sealer, logger } };
}

async function merchantId(access: AdminAccess, ref: string): Promise<string> {
  if (access.via === 'server') {
    const list = await access.call<{ id: string; slug: string; name: string }[]>('GET', '/merchants/');
    const found = list.find((m) => m.id === ref || m.slug === ref || m.name === ref);
    if (!found) throw new UsageError(`no merchant "${ref}" (see: aisle catalog merchants)`);
    return found.id;
  }
  const found = await findMerchant(access.database.db, ref);
  if (!found) throw new UsageError(`no merchant "${ref}" (see: aisle catalog merchants)`);
  return found.id;
}

function progressBar() {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format:
        ' {spinner} {value} products | {created} new, {updated} updated, {deleted} removed, {rejected} rejected',
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { spinner: '⋯', created: 0, updated: 0, deleted: 0, rejected: 0 });
  return {
    update: (r: RunView) =>
      bar.update(r.fetched, {
        created: r.created,
        updated: r.updated,
        deleted: r.deleted,
        rejected: r.rejected,
      }),
    stop: () => bar.stop(),
  };
}

async function sync(access: AdminAccess, id: string, kind: SyncRunRow['kind']): Promise<RunView> {
  const bar = progressBar();
  try {
    if (access.via === 'server') {
      let run = await access.call<RunView>('POST', `/stores/${id}/sync/`, { json: { kind } });
      while (run.status === 'running') {
        bar?.update(run);
        await new Promise((r) => setTimeout(r, 500));
        run = await access.call<RunView>('GET', `/stores/${id}/sync-runs/${run.id}`);
      }
      return run;
    }
    const stores = await storesOn(access.database);
    return syncRunView(await runSync(stores.sync, id, kind, (r) => bar?.update(syncRunView(r))));
  } finally {
    bar?.stop();
  }
}

function printRun(r: RunView) {
  out(
    `${r.kind} sync ${r.id}: ${r.status}; ${r.fetched} fetched, ${r.created} created, ${r.updated} updated, ` +
      `${r.unchanged} unchanged, ${r.deleted} removed, ${r.rejected} rejected`,
  );
  for (const e of r.errors.slice(0, 20)) out(`  ${e}`);
}

type ConnectOpts = { name?: string; webhookSecret?: string; sync?: boolean; json?: boolean };

async function connect(
  body: Record<string, unknown> & { platform: 'shopify' | 'woocommerce' },
  credentials: Record<string, unknown>,
  baseUrl: string,
  opts: ConnectOpts,
) {
  await withAdminAccess(async (access) => {
    let view: { merchant_id: string; platform: string; base_url: string; webhook_url: string };
    if (access.via === 'server') {
      view = await access.call('POST', '/stores/', { json: { ...body, name: opts.name } });
    } else {
      const stores = await storesOn(access.database);
      const connected = await connectStore(access.database.db, stores, {
        platform: body.platform,
        baseUrl,
        name: opts.name,
        credentials: credentials as never,
      });
      const row = (await listConnections(access.database.db)).find(
        (c) => c.merchantId === connected.merchantId,
      )!;
      view = connectionView(row, stores.config.stores.publicUrl);
    }
    if (opts.json) out(JSON.stringify(view, null, 2));
    else {
      out(`Connected ${view.platform} store ${view.base_url} as merchant ${view.merchant_id}.`);
      out(`Webhooks: register ${view.webhook_url} (prefix it with your public URL, AISLE_PUBLIC_URL).`);
    }
    if (opts.sync) printRun(await sync(access, view.merchant_id, 'full'));
  });
}

export function registerMerchantCommands(program: Command): void {
  const merchant = program
    .command('merchant')
    .description("Connect and sync merchants' stores (Shopify, WooCommerce).");
  const connectCmd = merchant
    .command('connect')
    .description('Connect a store; its credentials are checked, then kept encrypted.');

  connectCmd
    .command('shopify')
    .description(
      'Connect a Shopify store with an Admin API access token (read_products, read_inventory, write_orders).',
    )
    .requiredOption('--shop <domain>', 'NAME.myshopify.com')
    .requiredOption('--token <token>', 'the Admin API access token (shpat_…)')
    .option('--webhook-secret <secret>', "the app's client secret, which signs Shopify's webhooks")
    .option('--api-version <version>', 'Admin API version, e.g. 2025-07')
    .option('--name <name>', "the merchant's name (the store's by default)")
    .option('--sync', 'run a full sync right away')
    .option('--json', 'print JSON')
    .action(async (o: ConnectOpts & { shop: string; token: string; apiVersion?: string }) => {
      const credentials = { accessToken: o.token, webhookSecret: o.webhookSecret, apiVersion: o.apiVersion };
      await connect(
        {
          platform: 'shopify',
          shop: o.shop,
          access_token: o.token,
          ...(o.webhookSecret && { webhook_secret: o.webhookSecret }),
          ...(o.apiVersion && { api_version: o.apiVersion }),
        },
        credentials,
        o.shop,
        o,
      );
    });

  connectCmd
    .command('woocommerce')
    .description('Connect a WooCommerce store with a REST API key (Read/Write).')
    .requiredOption('--url <url>', 'the WordPress site URL')
    .requiredOption('--key <key>', 'consumer key (ck_…)')
    .requiredOption('--secret <secret>', 'consumer secret (cs_…)')
    .option('--webhook-secret <secret>', "the secret set on the store's webhooks")
    .option('--name <name>', "the merchant's name (the store's by default)")
    .option('--sync', 'run a full sync right away')
    .option('--json', 'print JSON')
    .action(async (o: ConnectOpts & { url: string; key: string; secret: string }) => {
      const credentials = { consumerKey: o.key, consumerSecret: o.secret, webhookSecret: o.webhookSecret };
      await connect(
        {
          platform: 'woocommerce',
          url: o.url,
          consumer_key: o.key,
          consumer_secret: o.secret,
          ...(o.webhookSecret && { webhook_secret: o.webhookSecret }),
        },
        credentials,
        o.url,
        o,
      );
    });

  merchant
    .command('stores')
    .description('List connected stores (never their credentials).')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) =>
      withAdminAccess(async (access) => {
        const list =
          access.via === 'server'
            ? await access.call<ReturnType<typeof connectionView>[]>('GET', '/stores/')
            : (await listConnections(access.database.db)).map((c) =>
                connectionView(c, loadConfig().stores.publicUrl),
              );
        if (o.json) {
          out(JSON.stringify(list, null, 2));
          return;
        }
        if (list.length === 0) out('No stores connected. See: aisle merchant connect --help');
        for (const s of list)
          out(
            `${s.merchant_id}  ${s.platform.padEnd(11)} ${s.base_url}  last sync ${s.last_full_sync_at ?? 'never'}`,
          );
      }),
    );

  merchant
    .command('sync')
    .description(
      'Sync a connected store: everything (default), or with --reconcile only what changed since the last run.',
    )
    .argument('<merchant>', 'the merchant id, slug or name')
    .option('--reconcile', 'only what changed since the last sync')
    .option('--json', 'print the run as JSON')
    .action(async (ref: string, o: { reconcile?: boolean; json?: boolean }) =>
      withAdminAccess(async (access) => {
        const run = await sync(access, await merchantId(access, ref), o.reconcile ? 'reconcile' : 'full');
        if (o.json) out(JSON.stringify(run, null, 2));
        else printRun(run);
        if (run.status !== 'succeeded') process.exitCode = 1;
      }),
    );

  merchant
    .command('runs')
    .description("A store's recent sync runs.")
    .argument('<merchant>', 'the merchant id, slug or name')
    .option('--json', 'print JSON')
    .action(async (ref: string, o: { json?: boolean }) =>
      withAdminAccess(async (access) => {
        const id = await merchantId(access, ref);
        const runs =
          access.via === 'server'
            ? await access.call<RunView[]>('GET', `/stores/${id}/sync-runs/`)
            : (await listSyncRuns(access.database.db, id)).map(syncRunView);
        if (o.json) out(JSON.stringify(runs, null, 2));
        else for (const r of runs) printRun(r);
      }),
    );
}
