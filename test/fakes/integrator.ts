// A stand-in for an integrator's webhook endpoint: a real HTTP server on loopback that checks our signature with the
// reference's own Node.js snippet, records every request, and answers as each test tells it to.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// Verbatim from the API reference ("Verify webhook signature (Node.js / Express)").
function verifyWebhookSignature(body: string, timestamp: string, signature: string, secret: string) {
  // Signature is HMAC-SHA256 of "{timestamp}.{body}"
  const expected =
    'sha256=' + crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

export type ReceivedWebhook = {
  event: string;
  type: string;
  payload: Record<string, unknown>;
  rawBody: string;
  headers: http.IncomingHttpHeaders;
  signatureValid: boolean;
};

/** What to answer: a status and a body (objects are sent as JSON), or 'hang' to never answer. */
export type Answer = { status?: number; body?: unknown } | 'hang';
export type Behaviour = (hook: ReceivedWebhook) => Answer | Promise<Answer>;

/** The reference's happy path: approve every balance check, succeed every charge, acknowledge follow-ups. */
export const approveAll: Behaviour = (hook) => {
  if (hook.type === 'balance_check') return { body: { approved: true } };
  if (hook.type === 'charge')
    return { body: { success: true, transaction_id: `tx_${hook.headers['x-webhook-id']}` } };
  return { body: { received: true } };
};

export type FakeIntegrator = {
  url: string;
  received: ReceivedWebhook[];
  /** Change how it answers from now on. */
  behave(b: Behaviour): void;
  of(type: string): ReceivedWebhook[];
  close(): Promise<void>;
};

export async function startFakeIntegrator(
  secret: string,
  behaviour: Behaviour = approveAll,
): Promise<FakeIntegrator> {
  const received: ReceivedWebhook[] = [];
  let current = behaviour;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString();
      const signature = String(req.headers['x-webhook-signature'] ?? '');
      const timestamp = String(req.headers['x-webhook-timestamp'] ?? '');
      let signatureValid: boolean;
      try {
        signatureValid = verifyWebhookSignature(rawBody, timestamp, signature, secret);
      } catch {
        signatureValid = false; // timingSafeEqual throws on a length mismatch
      }
      if (!signatureValid) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Invalid signature"}');
        return;
      }
      const payload = JSON.parse(rawBody) as Record<string, unknown>;
      const hook = {
        event: String(payload.event),
        type: String(payload.type),
        payload,
        rawBody,
        headers: req.headers,
        signatureValid,
      };
      received.push(hook);
      const answer = await current(hook);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/aisle`,
    received,
    behave: (b) => {
      current = b;
    },
    of: (type) => received.filter((r) => r.type === type),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
