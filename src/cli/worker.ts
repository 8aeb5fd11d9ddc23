// `aisle worker`: the outbox worker (webhooks, merchant hand-offs, housekeeping) and store reconciliation, without the
// HTTP API. In a scaled deployment the API nodes run with AISLE_OUTBOX_WORKER=off and one or more of these do the
// background work: several never deliver an event twice (claims use FOR UPDATE SKIP LOCKED, with leases). A tiny
// listener on AISLE_WORKER_PORT serves /health and /metrics. SIGTERM: stop claiming, finish the deliveries in flight,
// close the database, exit 0.
import http from 'node:http';
import closeWithGrace from 'close-with-grace';
import type { Command } from 'commander';
import { createDeps, type Deps } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import { pingDatabase } from '../db/client.js';
import { AppError } from '../errors.js';
import {
  METRICS_CONTENT_TYPE,
  metricsAuthorized,
  metricsSettings,
  type MetricsSettings,
} from '../metrics.js';
import { UsageError } from './common.js';

/** Extra time on top of one webhook attempt's timeout for the shutdown to finish before it is forced (exit 1). */
const SHUTDOWN_MARGIN_MS = 10_000;

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function healthAndMetrics(deps: Deps, settings: MetricsSettings, isStopping: () => boolean) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'Method Not Allowed' });
    if (path === '/health') {
      const base = { role: 'worker', version: deps.version, outbox_worker: deps.outbox ? 'on' : 'off' };
      if (isStopping()) return json(res, 503, { status: 'stopping', ...base });
      pingDatabase(deps.db).then(
        () =>
          json(res, 200, { status: 'ok', ...base, database: { status: 'ok', driver: deps.database.driver } }),
        () =>
          json(res, 503, {
            status: 'degraded',
            ...base,
            database: {
              status: 'error',
              driver: deps.database.driver,
              detail: 'the database does not answer',
            },
          }),
      );
      return;
    }
    if (path === '/metrics') {
      if (!metricsAuthorized(settings.token, req.headers.authorization)) {
        res.setHeader('www-authenticate', 'Bearer');
        return json(res, 401, {
          error: 'Invalid credentials',
          detail: 'The Authorization header must be "Bearer <AISLE_METRICS_TOKEN>".',
          status: 401,
          code: 'invalid_metrics_token',
        });
      }
      deps.metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          res.end(text);
        },
        (err: Error) => {
          deps.logger.error({ err }, 'metrics scrape failed');
          json(res, 500, { error: 'Server Error' });
        },
      );
      return;
    }
    json(res, 404, { error: 'Not Found', detail: 'This listener serves /health and /metrics only.' });
  };
}

export async function runWorker(config: Config): Promise<void> {
  const settings = metricsSettings();
  if (!config.databaseUrl) {
    throw new UsageError(
      'aisle worker needs DATABASE_URL (a Postgres shared with the servers); on the embedded database ' +
        '`aisle serve` runs the worker itself',
    );
  }
  // This process exists to deliver: AISLE_OUTBOX_WORKER (meant for the API nodes) does not apply to it.
  const deps = await createDeps({ ...config, outbox: { ...config.outbox, worker: true } }, { worker: true });
  let stopping = false;
  // Deliveries poll on unref'd timers: keep the process alive until it is told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);

  let server: http.Server | undefined;
  if (settings.workerPort) {
    const listener = http.createServer(healthAndMetrics(deps, settings, () => stopping));
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(settings.workerPort, config.host, () => resolve());
      });
    } catch (err) {
      clearInterval(keepAlive);
      await deps.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new AppError(
          'unavailable',
          `Cannot listen on ${config.host}:${settings.workerPort} (${code}); set AISLE_WORKER_PORT (0 = no listener) or HOST.`,
        );
      }
      throw err;
    }
    server = listener;
  }

  closeWithGrace({ delay: config.webhooks.timeoutMs + SHUTDOWN_MARGIN_MS }, async ({ signal, err }) => {
    stopping = true; // /health answers 503 from now on
    if (err) deps.logger.error({ err }, 'worker shutting down after an error');
    else deps.logger.info({ signal }, 'worker shutting down: finishing the deliveries in flight');
    await deps.outbox?.stop(); // claims nothing more; the batch in flight is delivered and settled
    await deps.close();
    clearInterval(keepAlive);
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    deps.logger.info('worker stopped');
  });

  const address = server?.address();
  const shownHost = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
  const base =
    typeof address === 'object' && address
      ? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`
      : undefined;
  deps.logger.info({ port: settings.workerPort || null }, 'worker started');
  process.stderr.write(
    [
      '',
      `Aisle ${deps.version} worker is running (outbox deliveries every ${config.outbox.pollMs} ms${
        config.stores.reconcileIntervalSeconds > 0
          ? `, store reconciliation every ${config.stores.reconcileIntervalSeconds} s`
          : ''
      }).`,
      `  Health       ${base ? `${base}/health` : 'off (AISLE_WORKER_PORT=0)'}`,
      `  Metrics      ${base ? `${base}/metrics` : 'off (AISLE_WORKER_PORT=0)'}`,
      `  Database     ${deps.database.location}`,
      '',
    ].join('\n'),
  );
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run the outbox worker (webhooks, merchant hand-offs) and store reconciliation without the HTTP API, with ' +
        '/health and /metrics on AISLE_WORKER_PORT (default 9090; 0 = off). Needs DATABASE_URL.',
    )
    .action(async () => runWorker(loadConfig()));
}
