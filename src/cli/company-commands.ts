// `aisle company …`: create companies, list them, rotate their keys, set their webhook URL.
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { companyNameSchema, webhookUrlSchema, type CompanyView } from '../commerce/index.js';
import { TOOL_NAMES } from '../tools/index.js';
import { out, parseWith, UsageError, withAdminAccess } from './common.js';
import { companyAdmin, type CompanyAdmin } from './company-admin.js';

const withCompanies = <T>(fn: (admin: CompanyAdmin) => Promise<T>) =>
  withAdminAccess((a) => fn(companyAdmin(a)));

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
  out(`  Tools           ${c.allowed_tools ? c.allowed_tools.join(', ') || '(none)' : 'all'}`);
  if (c.secret_key) out('\nThe secret key is shown only now and stored as a hash: keep it somewhere safe.');
}

const toolNames = z.array(z.enum(TOOL_NAMES as [string, ...string[]]));

export function registerCompanyCommands(program: Command): void {
  const company = program
    .command('company')
    .description('Manage companies (integrators) and their API keys.');

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
      printCompany(await withCompanies((a) => a.create({ name, webhookUrl })), opts.json === true);
    });

  company
    .command('list')
    .description('List companies (never their secrets).')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await withCompanies((a) => a.list());
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
      const c = await withCompanies<CompanyView & { secret_key?: string; webhook_secret?: string }>((a) =>
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
      printCompany(await withCompanies((a) => a.update(ref, { webhookUrl })), opts.json === true);
    });

  company
    .command('set-tools')
    .description(
      'Choose the tools its integration exposes over MCP and chat (e.g. a read-only set), or --all.',
    )
    .argument('<company>', 'company id (cmp_…) or client id')
    .argument('[tools...]', `tool names: ${TOOL_NAMES.join(', ')}`)
    .addOption(new Option('--all', 'expose every tool').conflicts('tools'))
    .option('--json', 'print JSON')
    .action(async (ref: string, tools: string[], opts: { all?: boolean; json?: boolean }) => {
      if (!tools.length && !opts.all) throw new UsageError('name the tools to expose, or --all');
      const allowedTools = opts.all ? null : parseWith(toolNames, tools, 'tools');
      printCompany(await withCompanies((a) => a.update(ref, { allowedTools })), opts.json === true);
    });
}
