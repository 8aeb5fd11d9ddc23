// GET /widget.js (the embeddable chat widget, any origin may load it) and, with AISLE_DEMO_CATALOG=auto, the demo
// storefront: GET /demo (a fake shop page embedding the widget), POST /demo/session (its same-origin token
// endpoint, as an integrator's own server would have) and POST /demo/payments (the demo company's webhook URL:
// verifies signatures, approves every balance check and charge).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../app.js';
import { widgetAssets, type WidgetAssets } from './assets.js';
import { createDemo, demoPage, DEMO_PAYMENTS_PATH } from './demo.js';

export type WidgetRouteOptions = { deps: Deps; assets?: WidgetAssets };

const hide = { schema: { hide: true } };

/** Whether an If-None-Match header names one of these ETags. */
const matches = (header: string | undefined, ...etags: string[]) =>
  !!header &&
  (header.trim() === '*' || header.split(',').some((t) => etags.includes(t.trim().replace(/^W\//, ''))));

export async function widgetRoutes(app: FastifyInstance, opts: WidgetRouteOptions) {
  const { deps } = opts;
  const assets = opts.assets ?? widgetAssets();

  app.get('/widget.js', hide, async (request, reply) => {
    reply
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'Accept-Encoding');
    let bundle;
    try {
      bundle = await assets.get();
    } catch (err) {
      request.log.error({ err }, 'could not build the chat widget');
      return reply
        .status(503)
        .header('cache-control', 'no-store')
        .type('application/javascript; charset=utf-8')
        .send('console.error("Aisle: the chat widget is unavailable right now; see the server log.");\n');
    }
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const etag = gzip ? bundle.gzipEtag : bundle.etag;
    reply
      .type('application/javascript; charset=utf-8')
      // Unversioned URL: browsers keep it five minutes, then revalidate cheaply with the ETag.
      .header('cache-control', 'public, max-age=300, stale-while-revalidate=86400')
      .header('etag', etag)
      .header('last-modified', bundle.builtAt.toUTCString());
    if (matches(request.headers['if-none-match'], bundle.etag, bundle.gzipEtag)) {
      return reply.status(304).send();
    }
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? bundle.gzip : bundle.code);
  });

  if (deps.config.demoCatalog !== 'auto') return;

  const demo = createDemo({
    db: deps.db,
    sessionTtlSeconds: deps.config.chat.sessionTtlSeconds,
    logger: deps.logger,
  });

  /** This server's own address as the webhook sender sees it: where it listens, on loopback when it can. */
  const paymentsUrl = (request: FastifyRequest) => {
    const address = app.server.address();
    let host = request.socket.localAddress ?? '127.0.0.1';
    let port = request.socket.localPort ?? deps.config.port;
    if (address && typeof address === 'object') {
      port = address.port;
      host = address.address;
      if (host === '0.0.0.0') host = '127.0.0.1';
      else if (host === '::') host = '::1';
    }
    host = host.replace(/^::ffff:/, '');
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}${DEMO_PAYMENTS_PATH}`;
  };

  // A public endpoint that writes to the database: a small per-address budget.
  const recent = new Map<string, number[]>();
  const tooMany = (request: FastifyRequest, reply: FastifyReply) => {
    const now = Date.now();
    const times = (recent.get(request.ip) ?? []).filter((t) => now - t < 60_000);
    times.push(now);
    recent.set(request.ip, times);
    if (recent.size > 10_000) recent.clear();
    if (times.length <= 30) return false;
    void reply.status(429).header('retry-after', '60').send({ error: 'Too many requests', status: 429 });
    return true;
  };

  app.get('/demo', hide, async (request, reply) => {
    await demo.ensure(paymentsUrl(request));
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(demoPage());
  });

  app.post('/demo/session', hide, async (request, reply) => {
    if (tooMany(request, reply)) return reply;
    const { token, expiresAt } = await demo.session(paymentsUrl(request));
    return reply
      .status(201)
      .header('cache-control', 'no-store')
      .send({ token, expires_at: expiresAt.toISOString() });
  });

  // Webhooks are verified on their exact bytes: this route takes the body raw.
  await app.register(async (payments) => {
    payments.removeAllContentTypeParsers();
    payments.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    payments.post(DEMO_PAYMENTS_PATH, hide, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const answer = await demo.payment(raw, request.headers);
      return reply.status(answer.status).send(answer.body);
    });
  });
}
