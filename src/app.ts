// Builds the services from config (createDeps) and the HTTP app on them (buildApp). The only place that wires things.
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createAgent, type Agent } from './agent/agent.js';
import { loadDemoCatalog } from './catalog/demo.js';
import type { ModelClient } from './agent/model.js';
import type { StoreEvent } from './catalog/connectors/connector.js';
import type { Connectors } from './catalog/connectors/connections.js';
import { storeHandoff } from './catalog/connectors/handoff.js';
import { keyFor, lazySealer, type Sealer } from './catalog/connectors/secrets.js';
import type { StoreEventDeps } from './catalog/connectors/store-events.js';
import { defaultConnectors } from './catalog/connectors/index.js';
import { reconcileDue, type SyncDeps } from './catalog/connectors/sync.js';
import { applyFulfilment } from './commerce/fulfilment.js';
import { startIndexRefresher } from './catalog/index-refresher.js';
import { createSearchIndex, type SearchIndex } from './catalog/search/index.js';
import { createCatalog, type Catalog } from './catalog/service.js';
import { createCheckout, type Checkout } from './commerce/checkout.js';
import type { Config } from './config.js';
import { databaseTarget, openDatabase, type Database, type DatabaseTarget, type Db } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { createLogger } from './logger.js';
import { createMetrics, registerMetrics, type Metrics } from './metrics.js';
import { portalRoutes } from './portal/routes.js';
import { registerMcpHttp } from './transport/mcp/http.js';
import { registerRest } from './transport/rest/index.js';
import { storeWebhookRoutes } from './transport/rest/routes/store-webhooks.js';
import { registerChatSocket } from './transport/ws/chat.js';
import { widgetRoutes } from './transport/widget/routes.js';
import { VERSION } from './version.js';
import { startOutboxWorker, type OutboxWorker } from './webhooks/worker.js';

export type Deps = {
  config: Config;
  logger: Logger;
  database: Database;
  db: Db;
  catalog: Catalog;
  checkout: Checkout;
  /** Connected stores: their connectors, the credentials' sealer, and the sync engine's deps. */
  stores: { connectors: Connectors; sealer: Sealer; sync: SyncDeps; events: StoreEventDeps };
  /** The chat agent (Claude, or the offline agent without ANTHROPIC_API_KEY). */
  agent: Agent;
  /** Delivers queued webhooks and merchant hand-offs; null when this process runs none (AISLE_OUTBOX_WORKER=off). */
  outbox: OutboxWorker | null;
  searchIndex: SearchIndex;
  /** Shared by every node for rate limits; absent = in-memory limits. */
  redis: Redis | undefined;
  /** Admin bearer tokens accepted: AISLE_ADMIN_TOKEN, and a per-process one the local CLI reads from the data dir. */
  adminTokens: string[];
  version: string;
  /** This process's Prometheus registry and metrics (GET /metrics). */
  metrics: Metrics;
  close(): Promise<void>;
};

export type DepsOptions = {
  logger?: Logger;
  /** Overrides where the data lives (tests use an in-memory PGlite: `{driver: 'pglite', dir: null}`). */
  database?: DatabaseTarget;
  /** Whether to issue a local admin token for the CLI (servers on the embedded database do). */
  localAdminToken?: boolean;
  /** Load the demo catalog when the catalog is empty and AISLE_DEMO_CATALOG=auto (what `aisle serve` does). */
  demoCatalog?: boolean;
  /** Run the outbox worker in this process (servers and `aisle mcp` do; one-shot CLI commands do not). */
  worker?: boolean;
  /** Store connectors by platform (the shipped ones unless a test gives its own). */
  connectors?: Connectors;
  /** Overrides the chat model (tests and benchmarks). */
  model?: ModelClient;
};

export async function createDeps(config: Config, options: DepsOptions = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger(config);
  const database = await openDatabase(options.database ?? databaseTarget(config));
  let redis: Redis | undefined;
  let searchIndex: SearchIndex | undefined;
  let catalog: Catalog;
  let stopRefresher = () => {};
  try {
    await migrateDatabase(database);
    searchIndex = await createSearchIndex(config);
    catalog = createCatalog({ db: database.db, index: searchIndex });
    if (options.demoCatalog && config.demoCatalog === 'auto' && (await catalog.productCount()) === 0) {
      const loaded = await loadDemoCatalog(database.db, catalog).catch((err: Error) => {
        logger.warn({ err }, 'could not load the demo catalog');
        return [];
      });
      if (loaded.length) logger.info({ merchants: loaded.length }, 'loaded the demo catalog');
    }
    if (searchIndex.engine === 'embedded') {
      const n = await catalog.rebuild();
      logger.info({ products: n }, 'search index built');
      // Other processes may write the same Postgres: follow their changes.
      if (database.driver === 'postgres') {
        stopRefresher = startIndexRefresher(database.db, searchIndex, { intervalMs: 1000, logger }).stop;
      }
    }
    if (config.redisUrl) {
      // Fail fast per command and never queue: a slow Redis must not stall requests (the limiter then lets them through).
      redis = new Redis(config.redisUrl, {
        connectTimeout: 1000,
        maxRetriesPerRequest: 1,
        lazyConnect: true,
      });
      redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
      await redis
        .connect()
        .catch((err: Error) => logger.warn({ err: err.message }, 'redis unreachable at start'));
    }
  } catch (err) {
    redis?.disconnect();
    await searchIndex?.close();
    await database.close();
    throw err;
  }
  // Stock changes reach the search index in batches, off the checkout's own path.
  const pendingSync = new Set<string>();
  let syncTimer: NodeJS.Timeout | undefined;
  const onStockChange = (ids: string[]) => {
    for (const id of ids) pendingSync.add(id);
    syncTimer ??= setTimeout(() => {
      syncTimer = undefined;
      const batch = [...pendingSync];
      pendingSync.clear();
      void catalog.sync(batch).catch((err: Error) => logger.warn({ err }, 'search index update failed'));
    }, 100).unref();
  };
  const metrics = createMetrics({ db: database.db, version: VERSION });
  const connectors: Connectors = { ...defaultConnectors(database.db), ...options.connectors };
  const sealer = lazySealer(() => keyFor(config));
  const delivery = {
    db: database.db,
    config,
    logger,
    version: VERSION,
    onStockChange,
    metrics,
    handoffFor: storeHandoff({ db: database.db, connectors, sealer }),
  };
  const checkout = createCheckout(delivery);
  const stores = {
    connectors,
    sealer,
    sync: { db: database.db, index: searchIndex, connectors, sealer, logger, metrics },
    events: {
      db: database.db,
      index: searchIndex,
      connectors,
      sealer,
      onFulfilment: (merchantId: string, e: Extract<StoreEvent, { kind: 'fulfillment' }>) =>
        applyFulfilment(database.db, checkout, { merchantId, ...e }),
    },
  };
  let reconciler: NodeJS.Timeout | undefined;
  if (options.worker && config.outbox.worker && config.stores.reconcileIntervalSeconds > 0) {
    reconciler = setInterval(
      () => void reconcileDue(stores.sync, config.stores.reconcileIntervalSeconds),
      Math.min(60_000, config.stores.reconcileIntervalSeconds * 1000),
    ).unref();
  }
  const agent = createAgent({ db: database.db, config, logger, model: options.model, metrics });
  const outbox = options.worker && config.outbox.worker ? startOutboxWorker(delivery) : null;
  const adminTokens = [
    config.adminToken,
    options.localAdminToken ? randomBytes(24).toString('hex') : undefined,
  ];
  return {
    config,
    logger,
    database,
    db: database.db,
    catalog,
    checkout,
    stores,
    agent,
    outbox,
    searchIndex,
    redis,
    adminTokens: adminTokens.filter((t): t is string => t !== undefined),
    version: VERSION,
    metrics,
    async close() {
      clearTimeout(syncTimer);
      clearInterval(reconciler);
      await outbox?.stop();
      stopRefresher();
      redis?.disconnect();
      await searchIndex.close();
      await database.close();
    },
  };
}

const SAFE_REQUEST_ID = /^[\w.:@-]{1,128}$/;

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    routerOptions: { ignoreTrailingSlash: true },
    // Keep a caller's X-Request-Id when it is sane, so a request can be traced across their systems and ours.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Any accepted form (boolean, hops, addresses); the cast only steers Fastify's overloads off the http2 one.
    trustProxy: deps.config.trustProxy as FastifyServerOptions['trustProxy'] & boolean,
    bodyLimit: 1024 * 1024,
  });
  // The API speaks JSON only: a text body is 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerMetrics(app, deps.metrics);
  await registerRest(app, deps);
  await registerMcpHttp(app, deps);
  await registerChatSocket(app, deps);
  await app.register(widgetRoutes, { deps });
  await app.register(portalRoutes, { deps });
  await app.register(storeWebhookRoutes, { deps: deps.stores.events });
  return app;
}
