// Webhook signatures exactly as the reference: X-Webhook-Signature = "sha256=" + hex HMAC-SHA256 of "{timestamp}.{body}".
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For our own tooling and tests; integrators use the reference's snippets. Constant time. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string) {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
