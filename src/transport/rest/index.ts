// The REST transport: error format, OpenAPI, health, the integrator API (/api/v1) and the operator API (/api/admin).
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app.js';
import { requireAdmin, requireCompany } from './auth.js';
import { installErrorHandling } from './errors.js';
import { installIdempotency } from './idempotency.js';
import { registerOpenApi } from './openapi.js';
import { limitPerApiKey } from './rate-limit.js';
import { addressRoutes } from './routes/addresses.js';
import { adminCatalogRoutes } from './routes/admin-catalog.js';
import { adminCompanyRoutes } from './routes/admin-companies.js';
import { adminOrderRoutes } from './routes/admin-orders.js';
import { adminStoreRoutes } from './routes/admin-stores.js';
import { healthRoutes } from './routes/health.js';
import { chatRoutes } from './routes/chat.js';
import { orderRoutes } from './routes/orders.js';
import { productRoutes } from './routes/products.js';
import { userRoutes } from './routes/users.js';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries.js';

export async function registerRest(app: FastifyInstance, deps: Deps): Promise<void> {
  installErrorHandling(app);
  await registerOpenApi(app, deps.version, deps.config.rateLimitPerMinute);
  await app.register(healthRoutes, { prefix: '/api', deps });
  await app.register(
    async (v1) => {
      requireCompany(v1, deps.db);
      installIdempotency(v1, deps.db);
      await limitPerApiKey(v1, { max: deps.config.rateLimitPerMinute, redis: deps.redis });
      await v1.register(userRoutes, { db: deps.db });
      await v1.register(addressRoutes, { db: deps.db });
      await v1.register(productRoutes, { catalog: deps.catalog });
      await v1.register(orderRoutes, { db: deps.db, checkout: deps.checkout });
      await v1.register(chatRoutes, { db: deps.db, sessionTtlSeconds: deps.config.chat.sessionTtlSeconds });
      await v1.register(webhookDeliveryRoutes, { db: deps.db, kick: () => deps.outbox?.kick() });
    },
    { prefix: '/api/v1' },
  );
  await app.register(
    async (admin) => {
      requireAdmin(admin, deps.adminTokens);
      await admin.register(adminCompanyRoutes, { db: deps.db });
      await admin.register(adminCatalogRoutes, { db: deps.db, catalog: deps.catalog });
      await admin.register(adminOrderRoutes, { db: deps.db, checkout: deps.checkout });
      await admin.register(adminStoreRoutes, { deps });
    },
    { prefix: '/api/admin' },
  );
}
