// /api/v1/webhooks/deliveries/: what was sent to your webhook URL (and to merchants), with answers, and redelivery.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../db/client.js';
import { listDeliveries, redeliver } from '../../../webhooks/outbox.js';
import { DELIVERY_STATUSES, WEBHOOK_EVENTS, type DeliveryRow } from '../../../webhooks/schema.js';
import { companyOf } from '../auth.js';
import { errorBodySchema } from '../errors.js';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const security = [{ clientId: [], secretKey: [] }];
const tags = ['webhooks'];
const iso = (d: Date | null) => d?.toISOString() ?? null;

export const deliveryViewSchema = z
  .object({
    id: z.string().describe('The event id: the X-Webhook-Id and Idempotency-Key headers it was sent with.'),
    event: z.enum(WEBHOOK_EVENTS),
    status: z
      .enum(DELIVERY_STATUSES)
      .describe(
        'pending (waiting for its next attempt), delivering, delivered, failed (a final answer or not retried), ' +
          'dead (retries exhausted: redeliver it), cancelled (no longer needed).',
      ),
    order_id: z.string().nullable(),
    merchant_id: z.string().nullable(),
    url: z.string().nullable(),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    next_attempt_at: z.string().nullable().describe('When it is tried next, while pending.'),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_response: z.string().nullable().describe('The start of the last answer body.'),
    last_duration_ms: z.number().int().nullable(),
    payload: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .describe('WebhookDelivery');

const toView = (d: DeliveryRow): z.infer<typeof deliveryViewSchema> => ({
  id: d.id,
  event: d.event,
  status: d.status,
  order_id: d.orderId,
  merchant_id: d.merchantId,
  url: d.url,
  attempts: d.attempts,
  max_attempts: d.maxAttempts,
  next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  last_response: d.lastResponse,
  last_duration_ms: d.lastDurationMs,
  payload: d.payload,
  created_at: d.createdAt.toISOString(),
  delivered_at: iso(d.deliveredAt),
});

export const webhookDeliveryRoutes: FastifyPluginAsyncZod<{ db: Db; kick: () => void }> = async (
  app,
  { db, kick },
) => {
  app.get(
    '/webhooks/deliveries/',
    {
      schema: {
        tags,
        summary: 'List webhook deliveries',
        description:
          'Newest first. Page back with `before` set to the last id of a page (the `next` link does it).',
        security,
        querystring: z.object({
          status: z.enum(DELIVERY_STATUSES).optional(),
          event: z.enum(WEBHOOK_EVENTS).optional(),
          order_id: z.string().optional(),
          before: z.string().optional().describe('Only deliveries older than this id.'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            results: z.array(deliveryViewSchema),
            next: z.string().nullable().describe('Path of the next (older) page, or null.'),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listDeliveries(db, companyOf(request).id, {
        status: q.status,
        event: q.event,
        orderId: q.order_id,
        before: q.before,
        limit: q.limit,
      });
      let next: string | null = null;
      if (rows.length === q.limit) {
        const params = new URLSearchParams(
          Object.entries({ ...q, before: rows.at(-1)!.id }).flatMap(([k, v]) =>
            v === undefined ? [] : [[k, String(v)] as [string, string]],
          ),
        );
        next = `/api/v1/webhooks/deliveries/?${params.toString()}`;
      }
      return { results: rows.map(toView), next };
    },
  );

  app.post(
    '/webhooks/deliveries/:delivery_id/redeliver/',
    {
      schema: {
        tags,
        summary: 'Redeliver a webhook',
        description:
          'Queues a finished delivery again under the same event id (dedupe on it). Use it for dead deliveries once ' +
          'your endpoint is fixed; a charge is re-sent, never created anew. 409 while it is still pending.',
        security,
        params: z.object({ delivery_id: z.string().min(1) }),
        response: { 202: deliveryViewSchema, 409: errorBodySchema, ...errors },
      },
    },
    async (request, reply) => {
      const row = await redeliver(db, companyOf(request).id, request.params.delivery_id);
      kick();
      return reply.status(202).send(toView(row));
    },
  );
};
