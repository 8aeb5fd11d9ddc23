// Prometheus metrics: one registry per process (made in createDeps, on Deps as `metrics`), passed to the modules that
// count things through their deps (never imported as a global), and served at GET /metrics by the server and by
// `aisle worker`'s small listener. Node's own process metrics are collected once per process and added to every scrape.
import { createHash, timingSafeEqual } from 'node:crypto';
import { count, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { loadConfig } from './config.js';
import type { Db } from './db/client.js';
import { AppError } from './errors.js';
import { webhookDeliveries } from './webhooks/schema.js';

/** The Prometheus text exposition format, as prom-client writes it. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const OUTBOX_STATUSES = ['pending', 'delivering', 'dead'] as const;

export type Metrics = ReturnType<typeof createMetrics>;

/** Token counts as the model reports them (the Anthropic Messages API's usage). */
export type TokenUsage = {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
};

let processRegistry: Registry | undefined;

/** Node's process metrics (CPU, memory, event loop lag, GC…): collected once per process, whatever the registries. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * A registry with every Aisle metric. `db`, when given, lets a scrape sample the outbox queue's depth (one grouped
 * count); the depth is the same whichever process answers.
 */
export function createMetrics(options: { db?: Db; version?: string } = {}) {
  const registry = new Registry();
  const registers = [registry];
  const defaults = processMetrics();

  const metrics = {
    registry,
    httpRequestDuration: new Histogram({
      name: 'aisle_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    mcpToolCallDuration: new Histogram({
      name: 'aisle_mcp_tool_call_duration_seconds',
      help: 'MCP tool calls by tool and outcome (ok, error).',
      labelNames: ['tool', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    modelCallDuration: new Histogram({
      name: 'aisle_model_call_duration_seconds',
      help: 'Model calls of the chat agent by model and outcome (ok, or the error code such as model_timeout).',
      labelNames: ['model', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers,
    }),
    modelTokens: new Counter({
      name: 'aisle_model_tokens_total',
      help: 'Tokens of the chat model by model and kind (input, output, cache_read, cache_creation).',
      labelNames: ['model', 'kind'] as const,
      registers,
    }),
    chatTurns: new Counter({
      name: 'aisle_chat_turns_total',
      help: 'Chat turns answered, by outcome (ok, or error when the model failed and the shopper got an apology).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    chatSockets: new Gauge({
      name: 'aisle_chat_sockets_open',
      help: 'Chat WebSockets open on this process.',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'aisle_webhook_deliveries_total',
      help: 'Webhook and merchant hand-off attempts settled, by event and outcome (delivered, failed, retry, dead).',
      labelNames: ['event', 'outcome'] as const,
      registers,
    }),
    webhookDeliveryDuration: new Histogram({
      name: 'aisle_webhook_delivery_duration_seconds',
      help: 'How long one webhook or merchant hand-off attempt took, by event.',
      labelNames: ['event'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    outboxEvents: new Gauge({
      name: 'aisle_outbox_events',
      help: 'Outbox events by status (pending, delivering, dead), sampled from the database at each scrape.',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        if (!options.db) return;
        try {
          const rows = await options.db
            .select({ status: webhookDeliveries.status, n: count() })
            .from(webhookDeliveries)
            .where(inArray(webhookDeliveries.status, [...OUTBOX_STATUSES]))
            .groupBy(webhookDeliveries.status);
          for (const status of OUTBOX_STATUSES) {
            this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
          }
        } catch {
          this.reset(); // the database does not answer: no sample rather than a failed scrape
        }
      },
    }),
    storeSyncRuns: new Counter({
      name: 'aisle_store_sync_runs_total',
      help: 'Store sync runs finished, by platform, kind (full, reconcile) and status (succeeded, failed).',
      labelNames: ['platform', 'kind', 'status'] as const,
      registers,
    }),
    storeSyncProducts: new Counter({
      name: 'aisle_store_sync_products_total',
      help: 'Products read from connected stores, by platform, kind and result (created, updated, unchanged, deleted, rejected).',
      labelNames: ['platform', 'kind', 'result'] as const,
      registers,
    }),

    /** Adds one model reply's tokens. */
    countTokens(model: string, usage: TokenUsage) {
      const add = (kind: string, n: number | null | undefined) => {
        if (n) metrics.modelTokens.inc({ model, kind }, n);
      };
      add('input', usage.input_tokens);
      add('output', usage.output_tokens);
      add('cache_read', usage.cache_read_input_tokens);
      add('cache_creation', usage.cache_creation_input_tokens);
    },

    /** Everything, in the Prometheus text format: this registry's metrics, then the process's. */
    async text(): Promise<string> {
      return Registry.merge([registry, defaults]).metrics();
    },
  };

  new Gauge({
    name: 'aisle_build_info',
    help: 'Always 1; the version label says which Aisle runs.',
    labelNames: ['version'] as const,
    registers,
  }).set({ version: options.version ?? 'unknown' }, 1);

  return metrics;
}

/** Settings of the metrics endpoints, read from the environment (a bad value names its variable). */
export type MetricsSettings = {
  /** AISLE_METRICS_TOKEN: when set, /metrics wants `Authorization: Bearer <token>`. */
  token: string | undefined;
  /** AISLE_WORKER_PORT: the health and metrics port of `aisle worker` (0 = none). */
  workerPort: number;
};

export function metricsSettings(env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const config = loadConfig(env); // a bad value stops with a message naming its variable
  return { token: config.metricsToken, workerPort: config.workerPort };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether an Authorization header value carries the metrics token (always true when no token is set). */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(token), digest(given));
}

/**
 * Times every HTTP request (by route pattern, never the URL: ids would explode the label set) and serves GET /metrics.
 * Call before the routes are registered, so the hook applies to all of them.
 */
export function registerMetrics(
  app: FastifyInstance,
  metrics: Metrics,
  settings: Pick<MetricsSettings, 'token'> = metricsSettings(),
): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!metricsAuthorized(settings.token, request.headers.authorization)) {
      const err = new AppError(
        'unauthorized',
        'The Authorization header must be "Bearer <AISLE_METRICS_TOKEN>".',
        { code: 'invalid_metrics_token' },
      );
      return reply
        .status(err.status)
        .header('www-authenticate', 'Bearer')
        .send({ error: err.title, detail: err.message, status: err.status, code: err.code });
    }
    return reply.header('content-type', METRICS_CONTENT_TYPE).send(await metrics.text());
  });
}
