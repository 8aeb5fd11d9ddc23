// POST /webhooks/stores/{merchant_id}: where connected Shopify and WooCommerce stores send their webhooks. The raw
// body is kept: both platforms sign the exact bytes.
import type { FastifyInstance } from 'fastify';
import { receiveStoreWebhook, type StoreEventDeps } from '../../../catalog/connectors/store-events.js';

export async function storeWebhookRoutes(app: FastifyInstance, opts: { deps: StoreEventDeps }) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  app.post<{ Params: { merchant_id: string } }>(
    '/webhooks/stores/:merchant_id',
    { schema: { hide: true } },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const receipt = await receiveStoreWebhook(opts.deps, request.params.merchant_id, raw, request.headers);
      return reply.status(receipt.status).send(receipt.body);
    },
  );
}
