// /api/admin/stores/: connect Shopify and WooCommerce stores, sync them, and read their sync runs (operator API).
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../../app.js';
import { STORE_PLATFORMS } from '../../../catalog/connectors/connector.js';
import {
  connectionView,
  connectorFor,
  connectStore,
  getConnection,
  listConnections,
} from '../../../catalog/connectors/connections.js';
import { syncRuns, SYNC_KINDS, type SyncRunRow } from '../../../catalog/connectors/schema.js';
import { listSyncRuns, runSync, syncRunView } from '../../../catalog/connectors/sync.js';
import { AppError } from '../../../errors.js';
import { errorBodySchema } from '../errors.js';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const security = [{ adminToken: [] }];
const tags = ['admin'];
const secret = z.string().trim().min(1).max(500);

const connectBody = z.discriminatedUnion('platform', [
  z
    .object({
      platform: z.literal('shopify'),
      shop: z.string().trim().min(1).describe('NAME.myshopify.com (or the store URL).'),
      access_token: secret.describe(
        'An Admin API access token (shpat_…) with read_products, read_inventory, write_orders.',
      ),
      webhook_secret: secret.optional().describe("The app's client secret: Shopify signs webhooks with it."),
      api_version: z
        .string()
        .regex(/^\d{4}-\d{2}$/)
        .optional(),
      name: z
        .string()
        .trim()
        .min(1)
        .max(200)
        .optional()
        .describe("The merchant's name; the store's by default."),
      sync: z.boolean().default(false).describe('Start a full sync right away.'),
    })
    .strict(),
  z
    .object({
      platform: z.literal('woocommerce'),
      url: z.string().trim().min(1).describe('The WordPress site URL.'),
      consumer_key: secret.describe('ck_… with Read/Write permissions.'),
      consumer_secret: secret.describe('cs_…'),
      webhook_secret: secret.optional().describe("The secret set on the store's webhooks."),
      name: z.string().trim().min(1).max(200).optional(),
      sync: z.boolean().default(false),
    })
    .strict(),
]);

const connectionSchema = z.object({
  merchant_id: z.string(),
  platform: z.enum(STORE_PLATFORMS),
  base_url: z.string(),
  webhook_url: z
    .string()
    .describe("Register this URL for the store's webhooks (prefixed with AISLE_PUBLIC_URL)."),
  last_full_sync_at: z.string().nullable(),
  last_reconciled_at: z.string().nullable(),
});

const runSchema = z.object({
  id: z.string(),
  merchant_id: z.string(),
  kind: z.enum(SYNC_KINDS),
  status: z.string(),
  fetched: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  deleted: z.number(),
  rejected: z.number(),
  errors: z.array(z.string()),
  started_at: z.string(),
  finished_at: z.string().nullable(),
});

export const adminStoreRoutes: FastifyPluginAsyncZod<{ deps: Deps }> = async (app, { deps }) => {
  const { db } = deps;
  const { stores } = deps;
  const publicUrl = deps.config.stores.publicUrl;

  /** Starts a sync in the background; resolves once its run is recorded. */
  const startSync = (merchantId: string, kind: SyncRunRow['kind']) =>
    new Promise<SyncRunRow>((resolve, reject) => {
      runSync(stores.sync, merchantId, kind, undefined, resolve).catch((err: Error) => {
        reject(err); // no effect once resolved; the failure is in the run record and the log
      });
    });

  app.post(
    '/stores/',
    {
      schema: {
        tags,
        summary: 'Connect a store',
        description:
          'Checks the credentials with the store, creates the merchant and keeps the credentials encrypted ' +
          "(never returned). With AISLE_PUBLIC_URL set, subscribes the store's webhooks to this server.",
        security,
        body: connectBody,
        response: {
          201: connectionSchema.extend({ run: runSchema.nullable(), webhooks: z.array(z.string()) }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const connected = await connectStore(db, stores, {
        platform: b.platform,
        baseUrl: b.platform === 'shopify' ? b.shop : b.url,
        name: b.name,
        credentials:
          b.platform === 'shopify'
            ? { accessToken: b.access_token, webhookSecret: b.webhook_secret, apiVersion: b.api_version }
            : {
                consumerKey: b.consumer_key,
                consumerSecret: b.consumer_secret,
                webhookSecret: b.webhook_secret,
              },
      });
      let webhooks: string[] = [];
      const connector = connectorFor(stores.connectors, b.platform);
      if (publicUrl && connector.registerWebhooks) {
        webhooks = await connector.registerWebhooks(
          await getConnection(db, stores.sealer, connected.merchantId),
          `${publicUrl}/webhooks/stores/${connected.merchantId}`,
        );
      }
      const [row] = (await listConnections(db)).filter((c) => c.merchantId === connected.merchantId);
      const run = b.sync ? syncRunView(await startSync(connected.merchantId, 'full')) : null;
      return reply.status(201).send({ ...connectionView(row!, publicUrl), run, webhooks });
    },
  );

  app.get(
    '/stores/',
    {
      schema: {
        tags,
        summary: 'List connected stores',
        security,
        response: { 200: z.array(connectionSchema), ...errors },
      },
    },
    async () => (await listConnections(db)).map((c) => connectionView(c, publicUrl)),
  );

  app.post(
    '/stores/:merchant_id/sync/',
    {
      schema: {
        tags,
        summary: 'Sync a store',
        description:
          'Starts a full sync (every product; removes what the store no longer has) or a reconciliation (what ' +
          'changed since the last one) in the background: 202 with the run; follow it with GET …/sync-runs/{id}. ' +
          '409 sync_running while one runs.',
        security,
        params: z.object({ merchant_id: z.string() }),
        body: z
          .object({ kind: z.enum(SYNC_KINDS).default('full') })
          .strict()
          .nullish(),
        response: { 202: runSchema, 409: errorBodySchema, ...errors },
      },
    },
    async (request, reply) => {
      await getConnection(db, stores.sealer, request.params.merchant_id);
      const run = await startSync(request.params.merchant_id, request.body?.kind ?? 'full');
      return reply.status(202).send(syncRunView(run));
    },
  );

  app.get(
    '/stores/:merchant_id/sync-runs/',
    {
      schema: {
        tags,
        summary: "A store's sync runs",
        security,
        params: z.object({ merchant_id: z.string() }),
        response: { 200: z.array(runSchema), ...errors },
      },
    },
    async (request) => (await listSyncRuns(db, request.params.merchant_id)).map(syncRunView),
  );

  app.get(
    '/stores/:merchant_id/sync-runs/:run_id',
    {
      schema: {
        tags,
        summary: 'A sync run',
        security,
        params: z.object({ merchant_id: z.string(), run_id: z.string() }),
        response: { 200: runSchema, ...errors },
      },
    },
    async (request) => {
      const [run] = await db
        .select()
        .from(syncRuns)
        .where(
          and(eq(syncRuns.merchantId, request.params.merchant_id), eq(syncRuns.id, request.params.run_id)),
        );
      if (!run)
        throw new AppError('not_found', `No sync run ${request.params.run_id}.`, {
          code: 'sync_run_not_found',
        });
      return syncRunView(run);
    },
  );
};
