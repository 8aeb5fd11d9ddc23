// `aisle webhook test`: sends a signed sample of each webhook event to a company's endpoint and says, per event,
// whether the answer is what the reference expects. On the database directly, or through the running server that
// holds it (which then does the sending, so the webhook secret never leaves it).
import type { Command } from 'commander';
import { z } from 'zod';
import { webhookUrlSchema } from '../commerce/index.js';
import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import {
  TESTABLE_EVENTS,
  testCompanyWebhook,
  type TestableEvent,
  type WebhookTestReport,
} from '../webhooks/test-send.js';
import { out, parseWith, UsageError, withAdminAccess } from './common.js';

const timeoutSchema = z
  .string()
  .regex(/^\d+$/, 'must be a whole number of milliseconds')
  .transform(Number)
  .pipe(z.number().min(100, 'must be at least 100').max(120_000, 'must be at most 120000'));

const collect = (value: string, previous: string[] | undefined) => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

function parseEvents(names: string[]): TestableEvent[] {
  if (names.length === 0) return [...TESTABLE_EVENTS];
  const unknown = names.filter((n) => !(TESTABLE_EVENTS as readonly string[]).includes(n));
  if (unknown.length) {
    throw new UsageError(`--event: unknown event "${unknown[0]}"; choose from ${TESTABLE_EVENTS.join(', ')}`);
  }
  return TESTABLE_EVENTS.filter((e) => names.includes(e));
}

/** One line of an answer body for people: whitespace folded, cut to `max` characters. */
function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '(empty)';
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function printReport(report: WebhookTestReport, configured: boolean): void {
  const { company, results } = report;
  out(`Webhook test for ${company.name} (${company.id})`);
  out(`  URL  ${report.url}${configured ? '' : " (--url, signed with the company's webhook secret)"}`);
  out('  Samples are marked "test": true with event ids evt_test_…; nothing is ordered or charged.');
  out('');
  const width = Math.max(...results.map((r) => r.event.length));
  for (const r of results) {
    const status = (r.status_code === null ? '---' : String(r.status_code)).padStart(3);
    const time = `${r.duration_ms} ms`.padStart(8);
    const answer = r.status_code === null ? '(no answer)' : oneLine(r.answer);
    out(`${r.verdict.padEnd(8)} ${r.event.padEnd(width)}  ${status}  ${time}  ${answer}`);
    out(`${' '.repeat(9)}${r.explanation}`);
  }
  out('');
  const problems = results.filter((r) => r.verdict === 'PROBLEM').length;
  if (problems === 0) {
    out(`All ${results.length} answered as the API reference expects.`);
  } else {
    out(
      `${problems} of ${results.length} ${problems === 1 ? 'needs' : 'need'} fixing; then run "aisle webhook test ${company.id}" again.`,
    );
  }
}

export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description("Check a company's webhook endpoint.");

  webhook
    .command('test')
    .description(
      "Send a signed sample of each webhook event (balance_check, charge, order_followup) to the company's " +
        'webhook URL and check each answer against the API reference. Creates no order. Exit 1 if any answer is wrong.',
    )
    .argument('<company>', 'company id (cmp_…), client id or name')
    .option(
      '--event <name>',
      `an event to send: ${TESTABLE_EVENTS.join(', ')} (repeat, or a comma list; default all three)`,
      collect,
    )
    .option('--url <url>', "send to this URL instead (still signed with the company's webhook secret)")
    .option('--timeout <ms>', 'how long to wait for each answer (default: AISLE_WEBHOOK_TIMEOUT_MS)')
    .option('--json', 'print the report as JSON')
    .action(
      async (ref: string, opts: { event?: string[]; url?: string; timeout?: string; json?: boolean }) => {
        const events = parseEvents(opts.event ?? []);
        const url = opts.url === undefined ? undefined : parseWith(webhookUrlSchema, opts.url, '--url');
        const timeoutMs =
          opts.timeout === undefined
            ? loadConfig().webhooks.timeoutMs
            : parseWith(timeoutSchema, opts.timeout, '--timeout');
        let report: WebhookTestReport;
        try {
          report = await withAdminAccess((access) =>
            access.via === 'database'
              ? testCompanyWebhook(access.database.db, ref, { events, url, timeoutMs })
              : access.call<WebhookTestReport>(
                  'POST',
                  `/companies/${encodeURIComponent(ref)}/webhook-test/`,
                  { json: { events, url, timeout_ms: timeoutMs } },
                ),
          );
        } catch (err) {
          if (err instanceof AppError && ['webhook_url_missing', 'company_ambiguous'].includes(err.code)) {
            throw new UsageError(err.message);
          }
          throw err;
        }
        if (opts.json) out(JSON.stringify(report, null, 2));
        else printReport(report, url === undefined);
        process.exitCode = report.ok ? 0 : 1;
      },
    );
}
