// `aisle serve`: migrate, listen, print where everything is, and shut down gracefully on SIGINT/SIGTERM.
import closeWithGrace from 'close-with-grace';
import { buildApp, createDeps } from '../app.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { metricsSettings } from '../metrics.js';
import { SHUTDOWN_DRAIN_MS } from '../transport/ws/chat.js';
import { removeLocalServerInfo, writeLocalServerInfo } from './local-server.js';

/** Time left after the chat turns and the deliveries in flight for closing the rest, before the exit is forced (1). */
const SHUTDOWN_MARGIN_MS = 10_000;

export async function serve(config: Config): Promise<void> {
  metricsSettings(); // a bad AISLE_METRICS_TOKEN stops the start before anything is opened
  const embedded = !config.databaseUrl;
  const deps = await createDeps(config, { localAdminToken: embedded, demoCatalog: true, worker: true });
  const app = await buildApp(deps);

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    await deps.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new AppError(
        'unavailable',
        `Cannot listen on ${config.host}:${config.port} (${code}); set PORT or HOST.`,
      );
    }
    throw err;
  }
  // Only a server that is up is shut down gracefully; one that failed to start has closed everything already.
  // In order: stop accepting (new requests get 503, then the listener closes), let the chat turns in flight answer and
  // close their sockets with 1001 (up to SHUTDOWN_DRAIN_MS) while the outbox worker claims nothing more and finishes
  // the deliveries it holds, then close the database. Whatever is not done by the delay is cut short (exit code 1).
  const delay = Math.max(SHUTDOWN_DRAIN_MS, config.webhooks.timeoutMs) + SHUTDOWN_MARGIN_MS;
  closeWithGrace({ delay }, async ({ signal, err }) => {
    if (err) deps.logger.error({ err }, 'shutting down after an error');
    else deps.logger.info({ signal }, 'shutting down');
    await Promise.all([app.close(), deps.outbox?.stop()]);
    if (embedded) await removeLocalServerInfo(config.dataDir);
    await deps.close();
    deps.logger.info('stopped');
  });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
  const base = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  if (embedded) {
    await writeLocalServerInfo(config.dataDir, {
      pid: process.pid,
      url: base,
      admin_token: deps.adminTokens.at(-1)!,
    });
  }

  process.stderr.write(
    [
      '',
      `Aisle ${deps.version} is running.`,
      `  REST API     ${base}/api/v1/`,
      `  API docs     ${base}/api/docs`,
      `  OpenAPI      ${base}/openapi.json`,
      `  Health       ${base}/api/health`,
      `  MCP          ${base}/mcp (Streamable HTTP); stdio: npx aisle mcp`,
      `  Metrics      ${base}/metrics (Prometheus)`,
      `  Database     ${deps.database.driver === 'pglite' ? `embedded PGlite in ${deps.database.location}` : deps.database.location}`,
      `  Rate limits  ${deps.redis ? 'shared in Redis' : 'in memory'}, ${config.rateLimitPerMinute} requests/minute per API key`,
      `  Outbox       ${deps.outbox ? 'delivered by this process' : 'queued only (AISLE_OUTBOX_WORKER=off): run `aisle worker`'}`,
      '',
      'Get API keys:  npx aisle company create --name "My App"',
      '',
    ].join('\n'),
  );
}
