// /api/admin/catalog/ and /api/admin/merchants/: the operator's catalog API (file imports, rebuilds, merchants).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readCatalogText } from '../../../catalog/import-file.js';
import { listMerchants } from '../../../catalog/merchants.js';
import type { Catalog } from '../../../catalog/service.js';
import type { Db } from '../../../db/client.js';
import { errorBodySchema } from '../errors.js';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const security = [{ adminToken: [] }];
const tags = ['admin'];

const summarySchema = z.object({
  merchant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  stale: z.number().int().describe('Records older than what the catalog holds; ignored.'),
  rejected: z.array(
    z.object({ line: z.number().int(), source_id: z.string().optional(), reason: z.string() }),
  ),
});

export const importSummarySchema = summarySchema;

export const adminCatalogRoutes: FastifyPluginAsyncZod<{ db: Db; catalog: Catalog }> = async (
  app,
  { db, catalog },
) => {
  app.addContentTypeParser(
    'application/x-ndjson',
    { parseAs: 'string', bodyLimit: 256 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );

  app.post(
    '/catalog/import/',
    {
      bodyLimit: 256 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Import catalog records for a merchant',
        description:
          'Body: JSONL (`application/x-ndjson`, one product per line) or JSON (`application/json`: an array or ' +
          '{"products": [...]}), in the canonical catalog format. Bad records are rejected with their line and reason; ' +
          'the rest is imported. The merchant is created if it does not exist.',
        security,
        querystring: z.object({
          merchant: z.string().trim().min(1).max(200).describe('Merchant name or slug.'),
        }),
        response: { 200: summarySchema, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
      return catalog.importRecords(request.query.merchant, readCatalogText(text));
    },
  );

  app.post(
    '/catalog/reindex/',
    {
      schema: {
        tags,
        summary: 'Rebuild the search index from Postgres',
        security,
        response: { 200: z.object({ engine: z.string(), products: z.number().int() }), ...errors },
      },
    },
    async () => ({ engine: catalog.index.engine, products: await catalog.rebuild() }),
  );

  app.get(
    '/merchants/',
    {
      schema: {
        tags,
        summary: 'List merchants',
        security,
        response: {
          200: z.array(
            z.object({
              id: z.string(),
              slug: z.string(),
              name: z.string(),
              platform: z.string(),
              store_url: z.string().nullable(),
              status: z.string(),
            }),
          ),
          ...errors,
        },
      },
    },
    async () =>
      (await listMerchants(db)).map((m) => ({
        id: m.id,
        slug: m.slug,
        name: m.name,
        platform: m.platform,
        store_url: m.storeUrl,
        status: m.status,
      })),
  );
};
