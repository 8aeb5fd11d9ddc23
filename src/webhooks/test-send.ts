// Test sends: a signed sample of each webhook event to an integrator's endpoint, each answer judged against what the
// API reference expects, so they can check their endpoint before going live. Samples are marked ("test": true, ids
// "evt_test_…") and touch nothing: no order, no outbox row. Used by `aisle webhook test` on the database and by the
// operator API (POST /api/admin/companies/:id/webhook-test/) when a running server holds it: one implementation.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getCompany } from '../commerce/companies.js';
import type { OrderItemRow, OrderRow } from '../commerce/order-schema.js';
import { companies, type CompanyRow } from '../commerce/schema.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { VERSION } from '../version.js';
import { balanceCheckPayload, chargePayload, followupPayload } from './payloads.js';
import { sendWebhook, type WebhookResponse } from './send.js';

/** The events an integrator's endpoint answers, in the order a purchase sends them. */
export const TESTABLE_EVENTS = ['balance_check', 'charge', 'order_followup'] as const;
export type TestableEvent = (typeof TESTABLE_EVENTS)[number];

/** How much of an answer a report keeps. */
const ANSWER_CHARS = 500;

export const webhookTestResultSchema = z
  .object({
    event: z.enum(TESTABLE_EVENTS),
    event_id: z
      .string()
      .describe('Sent as X-Webhook-Id and Idempotency-Key; always starts with "evt_test_".'),
    verdict: z.enum(['OK', 'PROBLEM']),
    explanation: z.string().describe('One line: what the answer means, or what to fix.'),
    status_code: z.number().int().nullable().describe('The HTTP status, or null when no answer came.'),
    duration_ms: z.number().int(),
    answer: z.string().describe(`The start of the answer body (${ANSWER_CHARS} characters at most).`),
    payload: z.record(z.string(), z.unknown()).describe('The sample that was sent.'),
  })
  .describe('WebhookTestResult');

export const webhookTestReportSchema = z
  .object({
    company: z.object({ id: z.string(), name: z.string(), client_id: z.string() }),
    url: z.string().describe('Where the samples were sent.'),
    ok: z.boolean().describe('Whether every event was answered as the reference expects.'),
    results: z.array(webhookTestResultSchema),
  })
  .describe('WebhookTestReport');

export type WebhookTestResult = z.infer<typeof webhookTestResultSchema>;
export type WebhookTestReport = z.infer<typeof webhookTestReportSchema>;

export type WebhookTestOptions = {
  /** Which events to send; all three by default. */
  events?: readonly TestableEvent[];
  timeoutMs: number;
  userAgent?: string;
};

// ---- samples ----

const SAMPLE_USER = 'sample_user';
const SAMPLE_TX = 'tx_sample_4f2a9c1e';

/** A whole sample order (never stored), so the builders of the real payloads make the samples. */
function sampleOrder(): { order: OrderRow; items: OrderItemRow[] } {
  const orderId = `ord_sample_${newId('ord').slice(4)}`;
  const now = new Date();
  const item = (
    position: number,
    fields: Pick<
      OrderItemRow,
      'productId' | 'variantId' | 'productTitle' | 'variantTitle' | 'sku' | 'quantity' | 'unitPrice'
    >,
  ): OrderItemRow => ({
    id: `itm_sample_${position}`,
    orderId,
    position,
    merchantId: 'mer_sample_store',
    merchantName: 'Sample Outdoor Co.',
    ...fields,
  });
  return {
    order: {
      id: orderId,
      companyId: 'cmp_sample',
      userId: 'usr_sample',
      quoteId: null,
      status: 'SHIPPED',
      amount: '129.99',
      currency: 'USD',
      shippingAddress: {
        id: 'addr_sample',
        label: 'Home',
        recipient_name: 'Sam Sample',
        line1: '123 Sample Street',
        line2: 'Apt 4',
        city: 'Portland',
        state: 'OR',
        zip: '97205',
        country: 'US',
        phone: '+1 503 555 0100',
      },
      transactionId: SAMPLE_TX,
      statusReason: null,
      tracking: {
        carrier: 'UPS',
        number: '1Z999AA10123456784',
        url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
      },
      createdAt: now,
      updatedAt: now,
    },
    items: [
      item(0, {
        productId: 'prod_sample_trail_runner',
        variantId: 'var_sample_trail_runner_10_black',
        productTitle: 'Trail Runner 2',
        variantTitle: '10 / Black',
        sku: 'TR2-10-BLK',
        quantity: 1,
        unitPrice: '99.99',
      }),
      item(1, {
        productId: 'prod_sample_merino_socks',
        variantId: 'var_sample_merino_socks_m',
        productTitle: 'Merino Running Socks',
        variantTitle: 'M',
        sku: 'MRS-M',
        quantity: 2,
        unitPrice: '15.00',
      }),
    ],
  };
}

/** The sample bodies, marked "test": true; all three are about the same (imaginary) order. */
export function samplePayloads(): Record<TestableEvent, Record<string, unknown>> {
  const { order, items } = sampleOrder();
  const base = { userId: SAMPLE_USER, amount: order.amount, currency: order.currency, orderId: order.id };
  return {
    balance_check: { ...balanceCheckPayload(base, items), test: true },
    charge: { ...chargePayload(order, SAMPLE_USER, items), test: true },
    order_followup: { ...followupPayload(order, SAMPLE_USER, items, 'PAID'), test: true },
  };
}

export const testEventId = () => `evt_test_${newId('evt').slice(4)}`;

// ---- judging ----

type Verdict = { ok: boolean; explanation: string };
const ok = (explanation: string): Verdict => ({ ok: true, explanation });
const problem = (explanation: string): Verdict => ({ ok: false, explanation });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const words = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

const EXPECTED: Record<TestableEvent, string> = {
  balance_check: 'answer {"approved": true} or {"approved": false, "reason": "…"}',
  charge: 'answer {"success": true, "transaction_id": "…"} or {"success": false, "reason": "…"}',
  order_followup: 'answer any 2xx, e.g. {"received": true}',
};

/** What an answer means for one event: OK, or a PROBLEM with what to fix, in one line. */
export function judgeAnswer(event: TestableEvent, res: WebhookResponse): Verdict {
  const s = res.statusCode;
  if (s === null) {
    const error = res.error ?? 'no answer';
    const unreachable = /^could not reach (.+?): (.+)$/.exec(error);
    if (unreachable) {
      return problem(
        `could not connect to ${unreachable[1]} (${unreachable[2]}) — is your server running, reachable from Aisle, and the URL right?`,
      );
    }
    if (error.startsWith('no answer within')) {
      return problem(`${error} — answer at once (do slow work after answering) or raise the timeout`);
    }
    return problem(error);
  }
  if (s === 401) {
    return problem(
      '401: your endpoint rejected the signature — check that it verifies HMAC-SHA256 of "{timestamp}.{raw body}" ' +
        'with the webhook secret shown by "aisle company create"',
    );
  }
  if (s === 403) {
    return problem(
      '403: your endpoint refused the request — if it checks the signature, it must verify HMAC-SHA256 of ' +
        '"{timestamp}.{raw body}" with the webhook secret shown by "aisle company create"',
    );
  }
  if (s >= 300 && s < 400) {
    return problem(
      `${s}: a redirect — webhooks never follow redirects; set the final URL with "aisle company set-webhook"`,
    );
  }
  if (s === 404) return problem('404: nothing answers at this URL — check the path of the webhook URL');
  if (s === 405) return problem('405: your endpoint does not accept POST requests at this URL');
  if (s >= 500) return problem(`${s}: your endpoint failed with a server error — check its logs`);
  if (s < 200 || s >= 300)
    return problem(`${s}: your endpoint refused the ${event} sample — ${EXPECTED[event]}`);

  if (event === 'order_followup') {
    return isObject(res.json) && res.json.received === true
      ? ok('acknowledged')
      : ok('acknowledged (any 2xx will do; {"received": true} is the usual answer)');
  }
  if (!res.text.trim()) return problem(`${s} with an empty answer — ${EXPECTED[event]}`);
  if (res.json === undefined) {
    return problem(`answer is not JSON — ${EXPECTED[event]}, with Content-Type: application/json`);
  }
  if (!isObject(res.json)) return problem(`answer is JSON but not an object — ${EXPECTED[event]}`);
  const answer = res.json;

  if (event === 'balance_check') {
    if (typeof answer.approved !== 'boolean') {
      return problem(`answer has no boolean "approved" — ${EXPECTED.balance_check}`);
    }
    if (answer.approved) return ok('approved: the purchase would go ahead');
    const reason = words(answer.reason);
    return reason
      ? ok(`declined with reason ${quote(reason)}: the shopper would be told it`)
      : ok('declined (add a "reason": the shopper is told it)');
  }

  if (typeof answer.success !== 'boolean') {
    return problem(
      `answer has no boolean "success" — ${EXPECTED.charge}; without it Aisle retries the charge`,
    );
  }
  if (answer.success) {
    const tx =
      words(answer.transaction_id) ??
      (typeof answer.transaction_id === 'number' ? String(answer.transaction_id) : null);
    return tx
      ? ok(`paid, transaction_id ${quote(tx)}`)
      : problem(
          '"success": true but no "transaction_id" string — send your payment\'s id so orders can be reconciled',
        );
  }
  const reason = words(answer.reason) ?? words(answer.error);
  return reason
    ? ok(`refused with reason ${quote(reason)}: the order would end PAYMENT_FAILED`)
    : problem(
        '"success": false without a "reason" — say why the payment was refused: the shopper is told it',
      );
}

// ---- sending ----

/** Sends each chosen sample in turn (the order of a purchase) and judges each answer. Never throws. */
export async function sendTestWebhooks(
  target: { url: string; secret: string },
  options: WebhookTestOptions,
): Promise<WebhookTestResult[]> {
  const chosen = options.events ?? TESTABLE_EVENTS;
  const events = TESTABLE_EVENTS.filter((e) => chosen.includes(e));
  const payloads = samplePayloads();
  const results: WebhookTestResult[] = [];
  for (const event of events) {
    const eventId = testEventId();
    const payload = payloads[event];
    const res = await sendWebhook({
      url: target.url,
      secret: target.secret,
      eventId,
      event,
      attempt: 1,
      body: JSON.stringify(payload),
      timeoutMs: options.timeoutMs,
      userAgent: options.userAgent ?? `Aisle-Webhooks/${VERSION}`,
    });
    const verdict = judgeAnswer(event, res);
    results.push({
      event,
      event_id: eventId,
      verdict: verdict.ok ? 'OK' : 'PROBLEM',
      explanation: verdict.explanation,
      status_code: res.statusCode,
      duration_ms: res.durationMs,
      answer: res.text.slice(0, ANSWER_CHARS),
      payload,
    });
  }
  return results;
}

/** A company by its `cmp_` id, its client id, or (when exactly one has it) its name. */
export async function findCompanyForTest(db: Db, ref: string): Promise<CompanyRow> {
  try {
    return await getCompany(db, ref);
  } catch (err) {
    if (!(err instanceof AppError && err.kind === 'not_found')) throw err;
  }
  const named = await db.select().from(companies).where(eq(companies.name, ref.trim())).limit(2);
  if (named.length > 1) {
    throw new AppError('bad_request', `Several companies are named "${ref}": give its id or client id.`, {
      code: 'company_ambiguous',
    });
  }
  if (!named[0]) {
    throw new AppError('not_found', `No company with id, client id or name "${ref}".`, {
      code: 'company_not_found',
    });
  }
  return named[0];
}

/**
 * Tests a company's webhook endpoint (or `url`, still signed with the company's webhook secret). Reads the company
 * and nothing else: no order, no outbox row. A company without a webhook URL and no `url` is a 400
 * `webhook_url_missing`.
 */
export async function testCompanyWebhook(
  db: Db,
  ref: string,
  options: WebhookTestOptions & { url?: string },
): Promise<WebhookTestReport> {
  const company = await findCompanyForTest(db, ref);
  const url = options.url ?? company.webhookUrl;
  if (!url) {
    throw new AppError(
      'bad_request',
      `${company.name} (${company.id}) has no webhook URL: set one with "aisle company set-webhook ${company.id} URL", ` +
        'or give another URL to test (--url).',
      { code: 'webhook_url_missing' },
    );
  }
  const results = await sendTestWebhooks({ url, secret: company.webhookSecret }, options);
  return {
    company: { id: company.id, name: company.name, client_id: company.clientId },
    url,
    ok: results.every((r) => r.verdict === 'OK'),
    results,
  };
}
