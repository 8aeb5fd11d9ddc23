// One signed POST to an integrator's endpoint: never follows redirects, never waits past the timeout, never throws.
import { signWebhook } from './sign.js';

export type WebhookRequest = {
  url: string;
  secret: string;
  /** The event id: X-Webhook-Id and Idempotency-Key, the same on every attempt of one event. */
  eventId: string;
  event: string;
  attempt: number;
  body: string;
  timeoutMs: number;
  userAgent: string;
};

export type WebhookResponse = {
  /** HTTP status, or null when no answer came (timeout, refused connection). */
  statusCode: number | null;
  /** The parsed JSON answer; undefined when the body was not JSON. */
  json: unknown;
  /** The body as text, cut to 2 KB for the delivery log. */
  text: string;
  /** Why the attempt did not get a usable answer, in words for the delivery log. */
  error: string | null;
  durationMs: number;
};

const MAX_LOGGED = 2048;
const MAX_BODY = 256 * 1024;

export async function sendWebhook(req: WebhookRequest): Promise<WebhookResponse> {
  const started = performance.now();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': req.userAgent,
        'x-webhook-id': req.eventId,
        'idempotency-key': req.eventId,
        'x-webhook-event': req.event,
        'x-webhook-attempt': String(req.attempt),
        'x-webhook-timestamp': timestamp,
        'x-webhook-signature': signWebhook(req.secret, timestamp, req.body),
      },
      body: req.body,
    });
    const text = (await res.text()).slice(0, MAX_BODY);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const ok = res.status >= 200 && res.status < 300;
    return {
      statusCode: res.status,
      json,
      text: text.slice(0, MAX_LOGGED),
      error: ok ? null : `HTTP ${res.status}`,
      durationMs: elapsed(),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const error =
      e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `no answer within ${req.timeoutMs} ms`
        : `could not reach ${new URL(req.url).host}: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
    return { statusCode: null, json: undefined, text: '', error, durationMs: elapsed() };
  }
}
