// The app on a fresh database, exercised through app.inject; plus a company with real credentials.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp, createDeps, type Deps } from '../../src/app.js';
import { createCompany } from '../../src/commerce/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { createTestDatabase } from './database.js';

export type TestApp = { app: FastifyInstance; deps: Deps; db: Db; close(): Promise<void> };

export async function startTestApp(
  options: {
    env?: Record<string, string>;
    config?: Partial<Config>;
    logger?: pino.Logger;
    demoCatalog?: boolean;
    /** Run the outbox worker (off by default: tests drive deliveries themselves unless they test the worker). */
    worker?: boolean;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', ...options.env }), ...options.config };
  const deps = await createDeps(config, {
    database: database.target,
    logger: options.logger ?? pino({ level: 'silent' }),
    demoCatalog: options.demoCatalog ?? false,
    worker: options.worker ?? false,
  });
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    db: deps.db,
    async close() {
      await app.close();
      await deps.close();
      await database.drop();
    },
  };
}

export type TestCompany = {
  id: string;
  clientId: string;
  secretKey: string;
  webhookSecret: string;
  headers: { 'x-client-id': string; 'x-secret-key': string };
};

export async function createTestCompany(db: Db, name = 'Test Co'): Promise<TestCompany> {
  const { company, secretKey, webhookSecret } = await createCompany(db, { name });
  return {
    id: company.id,
    clientId: company.clientId,
    secretKey,
    webhookSecret,
    headers: { 'x-client-id': company.clientId, 'x-secret-key': secretKey },
  };
}
