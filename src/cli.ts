// The `aisle` command: serve, migrate, and company administration. Exit codes: 0 ok, 1 failed, 2 bad usage or settings.
import { Command, CommanderError, Option } from 'commander';
import type { z } from 'zod';
import { companyNameSchema, webhookUrlSchema, type CompanyView } from './commerce/index.js';
import { ConfigError, loadConfig } from './config.js';
import { databaseTarget, openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { DatabaseLockedError } from './db/pglite-lock.js';
import { AppError } from './errors.js';
import { openCompanyAdmin, type CompanyAdmin } from './cli/company-admin.js';
import { serve } from './cli/serve.js';
import { VERSION } from './version.js';

class UsageError extends Error {}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`${flag}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

const out = (text: string) => process.stdout.write(`${text}\n`);

async function withCompanyAdmin<T>(fn: (admin: CompanyAdmin) => Promise<T>): Promise<T> {
  const admin = await openCompanyAdmin(loadConfig());
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

function printCompany(c: CompanyView & { secret_key?: string; webhook_secret?: string }, json: boolean) {
  if (json) {
    out(JSON.stringify(c, null, 2));
    return;
  }
  out(`${c.name} (${c.id})`);
  out(`  Client ID       ${c.client_id}`);
  out(`  Secret key      ${c.secret_key ?? c.secret_key_hint}`);
  if (c.webhook_secret) out(`  Webhook secret  ${c.webhook_secret}`);
  out(`  Webhook URL     ${c.webhook_url ?? '(none)'}`);
  if (c.secret_key) out('\nThe secret key is shown only now and stored as a hash: keep it somewhere safe.');
}

const program = new Command()
  .name('aisle')
  .description('Aisle: a self-hostable AI shopping-agent platform.')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

program
  .command('serve')
  .description(
    'Start the server (REST API, docs); applies migrations first. Settings come from the environment.',
  )
  .action(async () => serve(loadConfig()));

program
  .command('migrate')
  .description('Apply pending database migrations and exit.')
  .action(async () => {
    const database = await openDatabase(databaseTarget(loadConfig()));
    try {
      await migrateDatabase(database);
      out(`Migrations applied (${database.driver}: ${database.location}).`);
    } finally {
      await database.close();
    }
  });

const company = program.command('company').description('Manage companies (integrators) and their API keys.');

company
  .command('create')
  .description('Create a company; prints its client id, secret key and webhook secret once.')
  .requiredOption('--name <name>', 'the company name')
  .option('--webhook-url <url>', 'where to send signed payment webhooks')
  .option('--json', 'print JSON with client_id, secret_key and webhook_secret')
  .action(async (opts: { name: string; webhookUrl?: string; json?: boolean }) => {
    const name = parseWith(companyNameSchema, opts.name, '--name');
    const webhookUrl =
      opts.webhookUrl === undefined ? null : parseWith(webhookUrlSchema, opts.webhookUrl, '--webhook-url');
    printCompany(await withCompanyAdmin((a) => a.create({ name, webhookUrl })), opts.json === true);
  });

company
  .command('list')
  .description('List companies (never their secrets).')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const list = await withCompanyAdmin((a) => a.list());
    if (opts.json) out(JSON.stringify(list, null, 2));
    else if (list.length === 0) out('No companies yet: aisle company create --name NAME');
    else for (const c of list) out(`${c.id}  ${c.client_id}  ${c.name}  ${c.webhook_url ?? '-'}`);
  });

company
  .command('rotate-secret')
  .description(
    'Issue a new secret key (the old one stops working at once), or with --webhook a new webhook secret.',
  )
  .argument('<company>', 'company id (cmp_…) or client id')
  .option('--webhook', 'rotate the webhook secret instead of the secret key')
  .option('--json', 'print JSON')
  .action(async (ref: string, opts: { webhook?: boolean; json?: boolean }) => {
    const c = await withCompanyAdmin<CompanyView & { secret_key?: string; webhook_secret?: string }>((a) =>
      opts.webhook ? a.rotateWebhookSecret(ref) : a.rotateSecret(ref),
    );
    printCompany(c, opts.json === true);
  });

company
  .command('set-webhook')
  .description("Set the company's webhook URL, or remove it with --clear.")
  .argument('<company>', 'company id (cmp_…) or client id')
  .argument('[url]', 'http:// or https:// URL')
  .addOption(new Option('--clear', 'remove the webhook URL').conflicts('url'))
  .option('--json', 'print JSON')
  .action(async (ref: string, url: string | undefined, opts: { clear?: boolean; json?: boolean }) => {
    if (!url && !opts.clear) throw new UsageError('give a URL, or --clear to remove the webhook URL');
    const webhookUrl = opts.clear ? null : parseWith(webhookUrlSchema, url, 'url');
    printCompany(await withCompanyAdmin((a) => a.update(ref, { webhookUrl })), opts.json === true);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`aisle: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof AppError || err instanceof DatabaseLockedError) {
    process.stderr.write(`aisle: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`aisle: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
