// GET /api/health: is this node able to serve? Says which database and search engine it runs on, never where.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pingDatabase } from '../../../db/client.js';
import type { Deps } from '../../../app.js';

const component = z.object({
  status: z.enum(['ok', 'error', 'not_configured']),
  detail: z.string().optional(),
});
const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  database: component.extend({ driver: z.enum(['postgres', 'pglite']) }),
  search: component.extend({
    engine: z.enum(['embedded', 'meilisearch']),
    products: z.number().int().optional(),
  }),
  agent: z.object({
    mode: z
      .enum(['anthropic', 'offline'])
      .describe(
        'offline: no ANTHROPIC_API_KEY, a deterministic rule-based agent answers the chat (labelled so).',
      ),
    model: z.string(),
  }),
  rate_limit: z.object({
    store: z.enum(['memory', 'redis']),
    status: z.enum(['ok', 'error']).describe('With Redis down, requests are served unlimited.'),
    per_minute: z.number(),
  }),
});

async function searchHealth(deps: Deps) {
  const index = deps.searchIndex;
  const health = await index.health();
  const products = health.status === 'ok' ? await index.count().catch(() => undefined) : undefined;
  return { engine: index.engine, ...health, ...(products !== undefined && { products }) };
}

export const healthRoutes: FastifyPluginAsyncZod<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Health',
        description: '200 when the node can serve, 503 when its database or search engine does not answer.',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (request, reply) => {
      let database: z.infer<typeof component> = { status: 'ok' };
      try {
        await pingDatabase(deps.db);
      } catch (err) {
        request.log.error({ err }, 'health: database unreachable');
        database = { status: 'error', detail: 'the database does not answer' };
      }
      const search = await searchHealth(deps);
      const body = {
        status: database.status === 'ok' && search.status === 'ok' ? ('ok' as const) : ('degraded' as const),
        version: deps.version,
        database: { ...database, driver: deps.database.driver },
        search,
        agent: {
          mode: deps.agent.model.offline ? ('offline' as const) : ('anthropic' as const),
          model: deps.agent.model.model,
        },
        rate_limit: {
          store: deps.redis ? ('redis' as const) : ('memory' as const),
          status: !deps.redis || deps.redis.status === 'ready' ? ('ok' as const) : ('error' as const),
          per_minute: deps.config.rateLimitPerMinute,
        },
      };
      return reply.status(body.status === 'ok' ? 200 : 503).send(body);
    },
  );
};
