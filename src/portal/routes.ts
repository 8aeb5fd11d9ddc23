// The portal at /portal: one HTML shell, /portal/app.js and /portal/app.css (portal/ bundled by esbuild on first
// use), and its JSON API under /portal/api/, authenticated by a session cookie (aisle_portal) with a CSRF token on
// every state-changing request.
//
// How the portal reaches company data: the browser only ever calls /portal/api/*. Those endpoints are thin wrappers
// over the very functions the /api/v1 handlers call (listUsers + toUserView + pageEnvelope, historyPage,
// listUserOrders, getOrderDetail, listDeliveries + redeliver, and the company functions of the operator API), with
// the REST layer's own response schemas, so a page shows exactly what the REST API answers. It does not proxy to
// /api/v1 with the company's credentials: only a hash of the secret key is stored (it is shown once), and keeping
// the key itself server-side to replay it would undo that.
import cookie from '@fastify/cookie';
import {
  and,
  asc,
  count,
  desc,
  eq,
  exists,
  ilike,
  inArray,
  isNull,
  max,
  min,
  ne,
  sql,
  sum,
} from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../app.js';
import { historyPage } from '../agent/memory.js';
import {
  connectionView,
  connectorFor,
  connectStore,
  getConnection,
  normalizeStoreUrl,
} from '../catalog/connectors/connections.js';
import { StoreError } from '../catalog/connectors/connector.js';
import {
  merchantConnections,
  merchantOrders,
  SYNC_KINDS,
  type SyncRunRow,
} from '../catalog/connectors/schema.js';
import { listSyncRuns, runSync, syncRunView } from '../catalog/connectors/sync.js';
import { findMerchant } from '../catalog/merchants.js';
import { products, variants, type MerchantRow } from '../catalog/schema.js';
import {
  companyNameSchema,
  companyViewSchema,
  getUser,
  listUsers,
  rotateSecretKey,
  rotateWebhookSecret,
  toCompanyView,
  toUserView,
  updateCompany,
  userViewSchema,
  webhookUrlSchema,
  type CompanyRow,
} from '../commerce/index.js';
import { orderItems, orders, type OrderItemRow, type OrderRow } from '../commerce/order-schema.js';
import { canMove } from '../commerce/order-status.js';
import { getOrderDetail, itemsOf, listUserOrders, noteOrder, orderNotFound } from '../commerce/orders.js';
import {
  lineTotal,
  orderDetailSchema,
  orderSchema,
  toItemView,
  toOrderView,
} from '../commerce/order-views.js';
import { users } from '../commerce/schema.js';
import { AppError } from '../errors.js';
import { fromMinor, toMinor } from '../money.js';
import { offsetOf, pageEnvelope, pageOf, pageQuerySchema } from '../transport/rest/pagination.js';
import { deliveryViewSchema } from '../transport/rest/routes/webhook-deliveries.js';
import { listDeliveries, redeliver } from '../webhooks/outbox.js';
import { DELIVERY_STATUSES, WEBHOOK_EVENTS, type DeliveryRow } from '../webhooks/schema.js';
import { TESTABLE_EVENTS, testCompanyWebhook, webhookTestReportSchema } from '../webhooks/test-send.js';
import {
  attemptLimiter,
  authenticate,
  createSession,
  csrfMatches,
  deleteSession,
  emailSchema,
  findSession,
  normalizeEmail,
  passwordSchema,
  signUpCompany,
  signUpMerchant,
  toAccountView,
  type AccountWithOwner,
} from './accounts.js';
import { portalAssets, type PortalAssets, type PortalBundle } from './assets.js';
import type { PortalSessionRow } from './schema.js';

export const PORTAL_COOKIE = 'aisle_portal';
const COOKIE_PATH = '/portal';

export type PortalLimits = {
  /** Sign-in attempts a minute per address and email. */
  signInPerMinute: number;
  /** Sign-in attempts a minute per address, whatever the email. */
  signInPerMinutePerIp: number;
  /** Accounts made an hour per address. */
  signUpPerHour: number;
  /** Test webhooks, store connections and syncs a minute per account (each makes requests to other servers). */
  outboundPerMinute: number;
};

export const DEFAULT_PORTAL_LIMITS: PortalLimits = {
  signInPerMinute: 10,
  signInPerMinutePerIp: 60,
  signUpPerHour: 20,
  outboundPerMinute: 20,
};

export type PortalRouteOptions = { deps: Deps; assets?: PortalAssets; limits?: Partial<PortalLimits> };

type PortalAuth = { session: PortalSessionRow; owner: AccountWithOwner; token: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** The portal session of a /portal/api request, when its cookie names a live one. */
    portal: PortalAuth | null;
  }
}

const hide = { hide: true } as const;
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether an If-None-Match header names this ETag. */
const matches = (header: string | undefined, etag: string) =>
  !!header && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%230f766e'/%3E%3Cpath d='M9 23l7-15 7 15M12 18h8' stroke='white' stroke-width='3' fill='none' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E";

function shell(bundle: PortalBundle): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Aisle Portal</title>
<link rel="icon" href="${FAVICON}">
<link rel="stylesheet" href="/portal/app.css?v=${bundle.css.version}">
<script src="/portal/app.js?v=${bundle.js.version}" defer></script>
</head>
<body>
<div id="app"><noscript><p class="noscript">The Aisle Portal needs JavaScript.</p></noscript></div>
</body>
</html>
`;
}

function securityHeaders(reply: FastifyReply) {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('cross-origin-opener-policy', 'same-origin');
}

export async function portalRoutes(app: FastifyInstance, opts: PortalRouteOptions) {
  const { deps } = opts;
  const assets = opts.assets ?? portalAssets();
  const limits = { ...DEFAULT_PORTAL_LIMITS, ...opts.limits };
  // Another plugin of the app may have registered it already: once is enough.
  if (!app.hasDecorator('parseCookie')) await app.register(cookie);

  // ---- pages ----

  const bundleOr503 = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await assets.get();
    } catch (err) {
      request.log.error({ err }, 'could not build the portal');
      void reply
        .status(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send('The portal is unavailable right now; see the server log.');
      return null;
    }
  };

  app.get('/portal', { schema: hide }, async (request, reply) => {
    const bundle = await bundleOr503(request, reply);
    if (!bundle) return reply;
    return securityHeaders(reply)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(shell(bundle));
  });

  for (const kind of ['js', 'css'] as const) {
    app.get(`/portal/app.${kind}`, { schema: hide }, async (request, reply) => {
      const bundle = await bundleOr503(request, reply);
      if (!bundle) return reply;
      const asset = bundle[kind];
      const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
      const etag = gzip ? asset.gzipEtag : asset.etag;
      const versioned = (request.query as { v?: string }).v === asset.version;
      reply
        .type(kind === 'js' ? 'application/javascript; charset=utf-8' : 'text/css; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('vary', 'Accept-Encoding')
        // The shell names the current version: that URL never changes content, any other revalidates.
        .header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('etag', etag);
      if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send();
      if (gzip) reply.header('content-encoding', 'gzip');
      return reply.send(gzip ? asset.gzip : asset.code);
    });
  }

  // ---- the API ----

  await app.register(
    async (api) => {
      api.decorateRequest('portal', null);
      api.addHook('onRequest', async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const token = request.cookies[PORTAL_COOKIE];
        const found = token ? await findSession(deps.db, token) : null;
        request.portal = found && token ? { ...found, token } : null;
        if (!STATE_CHANGING.has(request.method)) return;
        // A page of another site may not act here: its Origin (sent with every cross-site POST) must be ours.
        const origin = request.headers.origin;
        if (origin !== undefined && !sameOrigin(origin, request)) {
          throw new AppError('forbidden', 'Requests to the portal must come from the portal itself.', {
            code: 'cross_origin',
          });
        }
        // With a session, every state-changing request proves it read GET /portal/api/me: double submit.
        const given = request.headers['x-csrf-token'];
        if (
          request.portal &&
          !csrfMatches(request.portal.session, typeof given === 'string' ? given : undefined)
        ) {
          throw new AppError(
            'forbidden',
            'Missing or wrong X-CSRF-Token: send the csrf value from GET /portal/api/me with every change.',
            { code: 'csrf_failed' },
          );
        }
      });
      await api.register(authRoutes, { deps, limits });
      await api.register(companyRoutes, { deps, limits });
      await api.register(merchantRoutes, { deps, limits });
    },
    { prefix: '/portal/api' },
  );
}

function sameOrigin(origin: string, request: FastifyRequest): boolean {
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expires: Date) {
  reply.setCookie(PORTAL_COOKIE, token, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'lax',
    // request.protocol follows trustProxy: behind a trusted TLS proxy it is https.
    secure: request.protocol === 'https',
    expires,
  });
}

function clearSessionCookie(request: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(PORTAL_COOKIE, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
  });
}

function tooMany(retryAfterSeconds: number, what: string): AppError {
  return new AppError('rate_limited', `Too many ${what}. Try again in ${retryAfterSeconds} s.`, {
    code: 'rate_limited',
  });
}

function limit(
  limiter: ReturnType<typeof attemptLimiter>,
  key: string,
  reply: FastifyReply,
  what: string,
): void {
  const r = limiter.hit(key);
  if (!r.allowed) {
    reply.header('retry-after', String(r.retryAfterSeconds));
    throw tooMany(r.retryAfterSeconds, what);
  }
}

const notSignedIn = () =>
  new AppError('unauthorized', 'Sign in to the portal first.', {
    code: 'not_signed_in',
    title: 'Not signed in',
  });

/** The signed-in account, or 401. */
function signedIn(request: FastifyRequest): PortalAuth {
  if (!request.portal) throw notSignedIn();
  return request.portal;
}

function companyOf(request: FastifyRequest): CompanyRow {
  const { owner } = signedIn(request);
  if (owner.account.kind !== 'company' || !owner.company) {
    throw new AppError('forbidden', 'This is for company accounts.', { code: 'company_account_only' });
  }
  return owner.company;
}

function merchantOf(request: FastifyRequest): MerchantRow {
  const { owner } = signedIn(request);
  if (owner.account.kind !== 'merchant' || !owner.merchant) {
    throw new AppError('forbidden', 'This is for merchant accounts.', { code: 'merchant_account_only' });
  }
  return owner.merchant;
}

type RouteOptions = { deps: Deps; limits: PortalLimits };

// ---- accounts: sign up, sign in, sign out, me ----

const accountViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  kind: z.enum(['company', 'merchant']),
  created_at: z.string(),
  company: z.object({ id: z.string(), name: z.string(), client_id: z.string() }).nullable(),
  merchant: z.object({ id: z.string(), name: z.string(), slug: z.string() }).nullable(),
});

const authRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps, limits }) => {
  const { db } = deps;
  const signInByEmail = attemptLimiter({ max: limits.signInPerMinute, windowMs: 60_000 });
  const signInByIp = attemptLimiter({ max: limits.signInPerMinutePerIp, windowMs: 60_000 });
  const signUps = attemptLimiter({ max: limits.signUpPerHour, windowMs: 3_600_000 });

  /** Starts a session (ending the one this browser had) and sets its cookie. */
  const startSession = async (request: FastifyRequest, reply: FastifyReply, accountId: string) => {
    if (request.portal) await deleteSession(db, request.portal.token);
    const session = await createSession(db, accountId);
    setSessionCookie(request, reply, session.token, session.expiresAt);
    return session;
  };

  app.get(
    '/me',
    {
      schema: {
        hide: true,
        response: { 200: z.object({ account: accountViewSchema.nullable(), csrf: z.string().nullable() }) },
      },
    },
    async (request, reply) => {
      if (!request.portal) {
        // A cookie that names no live session is dropped.
        if (request.cookies[PORTAL_COOKIE]) clearSessionCookie(request, reply);
        return { account: null, csrf: null };
      }
      return { account: toAccountView(request.portal.owner), csrf: request.portal.session.csrfToken };
    },
  );

  app.post(
    '/signup',
    {
      schema: {
        hide: true,
        body: z
          .object({
            kind: z.enum(['company', 'merchant']),
            email: emailSchema,
            password: passwordSchema,
            name: companyNameSchema,
          })
          .strict(),
      },
    },
    async (request, reply) => {
      limit(signUps, request.ip, reply, 'new accounts from this address');
      const { kind, email, password, name } = request.body;
      if (kind === 'company') {
        const made = await signUpCompany(db, { email, password, companyName: name });
        const session = await startSession(request, reply, made.owner.account.id);
        return reply.status(201).send({
          account: toAccountView(made.owner),
          csrf: session.csrf,
          // Shown once: only the secret key's hash is kept.
          credentials: {
            client_id: made.owner.company.clientId,
            secret_key: made.secretKey,
            webhook_secret: made.webhookSecret,
          },
        });
      }
      const made = await signUpMerchant(db, { email, password, merchantName: name });
      const session = await startSession(request, reply, made.owner.account.id);
      return reply.status(201).send({ account: toAccountView(made.owner), csrf: session.csrf });
    },
  );

  app.post(
    '/signin',
    {
      schema: {
        hide: true,
        body: z.object({ email: z.string().max(254), password: z.string().max(256) }).strict(),
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      limit(signInByIp, request.ip, reply, 'sign-in attempts from this address');
      limit(signInByEmail, `${request.ip}|${email}`, reply, 'sign-in attempts for this email');
      const owner = await authenticate(db, email, request.body.password);
      if (!owner) {
        throw new AppError('unauthorized', 'That email and password do not match an account.', {
          code: 'invalid_login',
          title: 'Sign-in failed',
        });
      }
      const session = await startSession(request, reply, owner.account.id);
      return { account: toAccountView(owner), csrf: session.csrf };
    },
  );

  app.post('/signout', { schema: hide }, async (request, reply) => {
    if (request.portal) await deleteSession(db, request.portal.token);
    clearSessionCookie(request, reply);
    return reply.status(204).send();
  });
};

// ---- a company's keys, webhooks, users, orders and deliveries ----

// The same view the REST API gives (webhook-deliveries.ts), field for field.
const deliveryView = (d: DeliveryRow): z.infer<typeof deliveryViewSchema> => ({
  id: d.id,
  event: d.event,
  status: d.status,
  order_id: d.orderId,
  merchant_id: d.merchantId,
  url: d.url,
  attempts: d.attempts,
  max_attempts: d.maxAttempts,
  next_attempt_at: d.status === 'pending' ? (d.nextAttemptAt?.toISOString() ?? null) : null,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  last_response: d.lastResponse,
  last_duration_ms: d.lastDurationMs,
  payload: d.payload,
  created_at: d.createdAt.toISOString(),
  delivered_at: d.deliveredAt?.toISOString() ?? null,
});

const historyItemSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  products: z.array(z.record(z.string(), z.unknown())).optional(),
  order: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.string(),
});

const userParams = z.object({ user_id: z.string().min(1).max(256) });

const companyRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps, limits }) => {
  const { db } = deps;
  const outbound = attemptLimiter({ max: limits.outboundPerMinute, windowMs: 60_000 });

  app.get('/company', { schema: { hide: true, response: { 200: companyViewSchema } } }, async (request) =>
    toCompanyView(companyOf(request)),
  );

  app.patch(
    '/company',
    {
      schema: {
        hide: true,
        body: z
          .object({ name: companyNameSchema.optional(), webhook_url: webhookUrlSchema.nullable().optional() })
          .strict(),
        response: { 200: companyViewSchema },
      },
    },
    async (request) =>
      toCompanyView(
        await updateCompany(db, companyOf(request).id, {
          name: request.body.name,
          webhookUrl: request.body.webhook_url,
        }),
      ),
  );

  app.get(
    '/company/webhook-secret',
    { schema: { hide: true, response: { 200: z.object({ webhook_secret: z.string() }) } } },
    async (request) => ({ webhook_secret: companyOf(request).webhookSecret }),
  );

  app.post(
    '/company/rotate-secret',
    {
      schema: { hide: true, response: { 200: companyViewSchema.extend({ secret_key: z.string() }) } },
    },
    async (request) => {
      const { company, secretKey } = await rotateSecretKey(db, companyOf(request).id);
      return { ...toCompanyView(company), secret_key: secretKey };
    },
  );

  app.post(
    '/company/rotate-webhook-secret',
    {
      schema: { hide: true, response: { 200: companyViewSchema.extend({ webhook_secret: z.string() }) } },
    },
    async (request) => {
      const { company, webhookSecret } = await rotateWebhookSecret(db, companyOf(request).id);
      return { ...toCompanyView(company), webhook_secret: webhookSecret };
    },
  );

  app.post(
    '/company/webhook-test',
    {
      schema: {
        hide: true,
        body: z
          .object({ events: z.array(z.enum(TESTABLE_EVENTS)).min(1).optional() })
          .strict()
          .nullish(),
        response: { 200: webhookTestReportSchema },
      },
    },
    async (request, reply) => {
      const company = companyOf(request);
      limit(outbound, `test:${company.id}`, reply, 'test sends');
      // Only to the company's own webhook URL, signed with its secret (the secret never comes back).
      return testCompanyWebhook(db, company.id, {
        events: request.body?.events,
        timeoutMs: deps.config.webhooks.timeoutMs,
      });
    },
  );

  app.get(
    '/users',
    {
      schema: { hide: true, querystring: pageQuerySchema, response: { 200: pageOf(userViewSchema) } },
    },
    async (request) => {
      const { rows, count: n } = await listUsers(db, companyOf(request).id, offsetOf(request.query));
      return pageEnvelope('/portal/api/users', request.query, n, rows.map(toUserView));
    },
  );

  app.get(
    '/users/:user_id',
    { schema: { hide: true, params: userParams, response: { 200: userViewSchema } } },
    async (request) => toUserView(await getUser(db, companyOf(request).id, request.params.user_id)),
  );

  app.get(
    '/users/:user_id/history',
    {
      schema: {
        hide: true,
        params: userParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          before: z.string().optional(),
        }),
        response: { 200: z.object({ messages: z.array(historyItemSchema), older: z.string().nullable() }) },
      },
    },
    async (request) => {
      const user = await getUser(db, companyOf(request).id, request.params.user_id);
      const { limit: n, before } = request.query;
      const rows = await historyPage(db, user.id, { limit: n, before });
      return {
        messages: rows.map((r) => ({
          id: r.id,
          role: r.role,
          content: r.content,
          ...(r.products && { products: r.products as Record<string, unknown>[] }),
          ...(r.order && { order: r.order }),
          timestamp: r.createdAt.toISOString(),
        })),
        // Where older messages start, when there may be more.
        older: rows.length === n ? rows[0]!.id : null,
      };
    },
  );

  app.get(
    '/users/:user_id/orders',
    { schema: { hide: true, params: userParams, response: { 200: z.array(orderSchema) } } },
    async (request) => {
      const user = await getUser(db, companyOf(request).id, request.params.user_id);
      return listUserOrders(db, user.id, 100);
    },
  );

  // Every order of the company, newest first (the REST API lists them per user; the portal wants them all).
  app.get(
    '/orders',
    {
      schema: {
        hide: true,
        querystring: pageQuerySchema,
        response: { 200: pageOf(orderSchema.extend({ user_id: z.string() })) },
      },
    },
    async (request) => {
      const companyId = companyOf(request).id;
      const where = eq(orders.companyId, companyId);
      const { offset, limit: n } = offsetOf(request.query);
      const [rows, [total]] = await Promise.all([
        db
          .select({ order: orders, externalUserId: users.externalUserId })
          .from(orders)
          .innerJoin(users, eq(users.id, orders.userId))
          .where(where)
          .orderBy(desc(orders.createdAt), desc(orders.id))
          .offset(offset)
          .limit(n),
        db.select({ n: count() }).from(orders).where(where),
      ]);
      const items = await itemsOf(
        db,
        rows.map((r) => r.order.id),
      );
      return pageEnvelope(
        '/portal/api/orders',
        request.query,
        total?.n ?? 0,
        rows.map((r) => ({
          ...toOrderView(r.order, items.get(r.order.id) ?? []),
          user_id: r.externalUserId,
        })),
      );
    },
  );

  app.get(
    '/orders/:order_id',
    {
      schema: {
        hide: true,
        params: z.object({ order_id: z.string().min(1).max(100) }),
        response: { 200: orderDetailSchema },
      },
    },
    async (request) => getOrderDetail(db, companyOf(request).id, request.params.order_id),
  );

  app.get(
    '/deliveries',
    {
      schema: {
        hide: true,
        querystring: z.object({
          status: z.enum(DELIVERY_STATUSES).optional(),
          event: z.enum(WEBHOOK_EVENTS).optional(),
          order_id: z.string().optional(),
          before: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(25),
        }),
        response: {
          200: z.object({ results: z.array(deliveryViewSchema), before: z.string().nullable() }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listDeliveries(db, companyOf(request).id, {
        status: q.status,
        event: q.event,
        orderId: q.order_id,
        before: q.before,
        limit: q.limit,
      });
      return { results: rows.map(deliveryView), before: rows.length === q.limit ? rows.at(-1)!.id : null };
    },
  );

  app.post(
    '/deliveries/:delivery_id/redeliver',
    {
      schema: {
        hide: true,
        params: z.object({ delivery_id: z.string().min(1).max(100) }),
        response: { 202: deliveryViewSchema },
      },
    },
    async (request, reply) => {
      const row = await redeliver(db, companyOf(request).id, request.params.delivery_id);
      deps.outbox?.kick();
      return reply.status(202).send(deliveryView(row));
    },
  );
};

// ---- a merchant's store, syncs, products and orders ----

const secret = z.string().trim().min(1).max(500);

const connectBody = z.discriminatedUnion('platform', [
  z
    .object({
      platform: z.literal('shopify'),
      shop: z.string().trim().min(1).max(300),
      access_token: secret,
      webhook_secret: secret.optional(),
      sync: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      platform: z.literal('woocommerce'),
      url: z.string().trim().min(1).max(300),
      consumer_key: secret,
      consumer_secret: secret,
      webhook_secret: secret.optional(),
      sync: z.boolean().default(true),
    })
    .strict(),
]);

/** Orders a merchant sees: paid ones and what became of them (not quotes, declines or failed payments). */
const MERCHANT_VISIBLE = ['PAID', 'FULFILLED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;

type Part = typeof merchantOrders.$inferSelect;

/** An order as one merchant sees it: only its own items and their subtotal, and where to send them. */
function merchantOrderView(order: OrderRow, all: OrderItemRow[], merchantId: string, part: Part | undefined) {
  const mine = all.filter((i) => i.merchantId === merchantId);
  const subtotal = mine.reduce((s, i) => s + toMinor(lineTotal(i.unitPrice, i.quantity)), 0);
  const shipped = part && ['SHIPPED', 'FULFILLED', 'DELIVERED'].includes(part.externalStatus);
  return {
    id: order.id,
    status: order.status,
    created_at: order.createdAt.toISOString(),
    currency: order.currency,
    items: mine.map((i) => toItemView({ ...i, lineTotal: lineTotal(i.unitPrice, i.quantity) })),
    subtotal: fromMinor(subtotal),
    shipping_address: order.shippingAddress,
    other_merchants: all.some((i) => i.merchantId !== merchantId),
    part: part
      ? { status: part.externalStatus, tracking: part.tracking ?? null, store_order_id: part.externalId }
      : null,
    tracking: part?.tracking ?? order.tracking ?? null,
    can_ship: !shipped && canMove(order.status, 'SHIPPED'),
  };
}

const merchantRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { deps, limits }) => {
  const { db, stores } = deps;
  const publicUrl = deps.config.stores.publicUrl;
  const outbound = attemptLimiter({ max: limits.outboundPerMinute, windowMs: 60_000 });

  /** Starts a sync in the background (as the operator API does); resolves once its run is recorded. */
  const startSync = (merchantId: string, kind: SyncRunRow['kind']) =>
    new Promise<SyncRunRow>((resolve, reject) => {
      runSync(stores.sync, merchantId, kind, undefined, resolve).catch((err: Error) => reject(err));
    });

  const connectionOf = async (merchantId: string) => {
    const [row] = await db
      .select()
      .from(merchantConnections)
      .where(eq(merchantConnections.merchantId, merchantId));
    return row ? connectionView(row, publicUrl) : null;
  };

  app.get('/merchant', { schema: hide }, async (request) => {
    const m = merchantOf(request);
    return {
      merchant: {
        id: m.id,
        name: m.name,
        slug: m.slug,
        platform: m.platform,
        store_url: m.storeUrl,
        status: m.status,
      },
      connection: await connectionOf(m.id),
    };
  });

  app.post('/merchant/store', { schema: { hide: true, body: connectBody } }, async (request, reply) => {
    const merchant = merchantOf(request);
    limit(outbound, `store:${merchant.id}`, reply, 'store connections');
    const b = request.body;
    const baseUrl = normalizeStoreUrl(b.platform, b.platform === 'shopify' ? b.shop : b.url);
    // One store, one merchant: another account's store is refused (its products would sync twice).
    const [taken] = await db
      .select({ merchantId: merchantConnections.merchantId })
      .from(merchantConnections)
      .where(and(eq(merchantConnections.baseUrl, baseUrl), ne(merchantConnections.merchantId, merchant.id)))
      .limit(1);
    if (taken) {
      throw new AppError('conflict', 'This store is connected to another merchant account already.', {
        code: 'store_taken',
      });
    }
    // connectStore finds the merchant by its name: make sure that name leads to this account's merchant.
    if ((await findMerchant(db, merchant.slug))?.id !== merchant.id) {
      throw new AppError('conflict', 'This merchant cannot be connected from the portal; ask the operator.', {
        code: 'merchant_ambiguous',
      });
    }
    const connected = await connectStore(db, stores, {
      platform: b.platform,
      baseUrl,
      name: merchant.name,
      credentials:
        b.platform === 'shopify'
          ? { accessToken: b.access_token, webhookSecret: b.webhook_secret }
          : {
              consumerKey: b.consumer_key,
              consumerSecret: b.consumer_secret,
              webhookSecret: b.webhook_secret,
            },
    }).catch((err: unknown) => {
      if (!(err instanceof StoreError)) throw err;
      // Say what the store answered, but not its body: the address is the merchant's to choose.
      const said = err.message.replace(/(answered \d{3}):[\s\S]*$/, '$1');
      throw new AppError('unprocessable', `Could not connect: ${said}`, {
        code: 'store_connection_failed',
        title: 'The store did not accept the connection',
      });
    });
    if (connected.merchantId !== merchant.id) throw new Error('connectStore chose another merchant');
    let webhooks: string[] = [];
    const connector = connectorFor(stores.connectors, b.platform);
    if (publicUrl && connector.registerWebhooks) {
      webhooks = await connector
        .registerWebhooks(
          await getConnection(db, stores.sealer, merchant.id),
          `${publicUrl}/webhooks/stores/${merchant.id}`,
        )
        .catch((err: Error) => {
          request.log.warn({ err: err.message, merchant: merchant.id }, 'could not subscribe store webhooks');
          return [];
        });
    }
    const run = b.sync ? syncRunView(await startSync(merchant.id, 'full')) : null;
    return reply.status(201).send({
      connection: await connectionOf(merchant.id),
      store_name: connected.storeName,
      webhooks,
      run,
    });
  });

  app.post(
    '/merchant/sync',
    {
      schema: {
        hide: true,
        body: z
          .object({ kind: z.enum(SYNC_KINDS).default('full') })
          .strict()
          .nullish(),
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      limit(outbound, `store:${merchant.id}`, reply, 'syncs');
      await getConnection(db, stores.sealer, merchant.id);
      const run = await startSync(merchant.id, request.body?.kind ?? 'full');
      return reply.status(202).send(syncRunView(run));
    },
  );

  app.get('/merchant/sync-runs', { schema: hide }, async (request) =>
    (await listSyncRuns(db, merchantOf(request).id, 20)).map(syncRunView),
  );

  app.get(
    '/merchant/products',
    {
      schema: {
        hide: true,
        querystring: pageQuerySchema.extend({ q: z.string().trim().max(200).optional() }),
      },
    },
    async (request) => {
      const merchant = merchantOf(request);
      const { q } = request.query;
      const where = and(
        eq(products.merchantId, merchant.id),
        ne(products.status, 'deleted'),
        q ? ilike(products.title, `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
      );
      const { offset, limit: n } = offsetOf(request.query);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(products)
          .where(where)
          .orderBy(asc(products.title), asc(products.id))
          .offset(offset)
          .limit(n),
        db.select({ n: count() }).from(products).where(where),
      ]);
      const ids = rows.map((p) => p.id);
      const stats = ids.length
        ? await db
            .select({
              productId: variants.productId,
              variants: count(),
              minPrice: min(variants.price),
              maxPrice: max(variants.price),
              stock: sum(variants.availableQty),
              currency: min(variants.currency),
            })
            .from(variants)
            .where(and(inArray(variants.productId, ids), isNull(variants.deletedAt)))
            .groupBy(variants.productId)
        : [];
      const byId = new Map(stats.map((s) => [s.productId, s]));
      const params: Record<string, string> = q ? { q } : {};
      return pageEnvelope(
        '/portal/api/merchant/products',
        request.query,
        total?.n ?? 0,
        rows.map((p) => {
          const s = byId.get(p.id);
          return {
            id: p.id,
            source_id: p.sourceId,
            title: p.title,
            status: p.status,
            vendor: p.vendor,
            product_type: p.productType,
            image_url: p.imageUrls[0] ?? null,
            product_url: p.productUrl,
            variants: s?.variants ?? 0,
            min_price: s?.minPrice ?? null,
            max_price: s?.maxPrice ?? null,
            currency: s?.currency ?? null,
            stock: Number(s?.stock ?? 0),
            updated_at: p.updatedAt.toISOString(),
          };
        }),
        params,
      );
    },
  );

  const hasMyItems = (merchantId: string) =>
    exists(
      db
        .select({ one: sql`1` })
        .from(orderItems)
        .where(and(eq(orderItems.orderId, orders.id), eq(orderItems.merchantId, merchantId))),
    );

  app.get(
    '/merchant/orders',
    {
      schema: {
        hide: true,
        querystring: pageQuerySchema.extend({ open: z.enum(['1', '0']).optional() }),
      },
    },
    async (request) => {
      const merchant = merchantOf(request);
      const open = request.query.open === '1';
      const where = and(
        inArray(orders.status, open ? ['PAID', 'FULFILLED'] : [...MERCHANT_VISIBLE]),
        hasMyItems(merchant.id),
      );
      const { offset, limit: n } = offsetOf(request.query);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(orders)
          .where(where)
          .orderBy(desc(orders.createdAt), desc(orders.id))
          .offset(offset)
          .limit(n),
        db.select({ n: count() }).from(orders).where(where),
      ]);
      const ids = rows.map((o) => o.id);
      const [items, parts] = await Promise.all([
        itemsOf(db, ids),
        ids.length
          ? db
              .select()
              .from(merchantOrders)
              .where(and(eq(merchantOrders.merchantId, merchant.id), inArray(merchantOrders.orderId, ids)))
          : Promise.resolve([] as Part[]),
      ]);
      const partOf = new Map(parts.map((p) => [p.orderId, p]));
      return pageEnvelope(
        '/portal/api/merchant/orders',
        request.query,
        total?.n ?? 0,
        rows.map((o) => merchantOrderView(o, items.get(o.id) ?? [], merchant.id, partOf.get(o.id))),
        open ? { open: '1' } : {},
      );
    },
  );

  // Marks this merchant's part shipped. An order from this merchant alone moves to SHIPPED (the integrator gets an
  // order_followup), as the operator's status route does; an order shared with other merchants moves once every
  // merchant's part has shipped, and until then the shipment is a note in its history.
  app.post(
    '/merchant/orders/:order_id/ship',
    {
      schema: {
        hide: true,
        params: z.object({ order_id: z.string().min(1).max(100) }),
        body: z
          .object({
            carrier: z.string().trim().max(100).optional(),
            number: z.string().trim().max(200).optional(),
            url: z.string().trim().url().max(2048).optional(),
            note: z.string().trim().max(500).optional(),
          })
          .strict(),
      },
    },
    async (request) => {
      const merchant = merchantOf(request);
      const { order_id } = request.params;
      const [order] = await db
        .select()
        .from(orders)
        .where(and(eq(orders.id, order_id), hasMyItems(merchant.id)));
      if (!order) throw orderNotFound(order_id);
      if (!canMove(order.status, 'SHIPPED')) {
        throw new AppError('conflict', `Order ${order_id} is ${order.status}; it cannot be shipped now.`, {
          code: 'invalid_transition',
        });
      }
      const b = request.body;
      const tracking = Object.fromEntries(
        Object.entries({ carrier: b.carrier, number: b.number, url: b.url }).filter(([, v]) => v),
      ) as { carrier?: string; number?: string; url?: string };
      const items = (await itemsOf(db, [order.id])).get(order.id) ?? [];
      const merchantsInOrder = new Set(items.map((i) => i.merchantId));
      const recordPart = () =>
        db
          .insert(merchantOrders)
          .values({
            orderId: order.id,
            merchantId: merchant.id,
            externalId: 'portal',
            externalStatus: 'SHIPPED',
            tracking,
          })
          .onConflictDoUpdate({
            target: [merchantOrders.orderId, merchantOrders.merchantId],
            set: { externalStatus: 'SHIPPED', tracking },
          });
      const note = b.note ?? `Shipped by ${merchant.name}`;
      if (merchantsInOrder.size <= 1) {
        await deps.checkout.advance(order.companyId, order.id, {
          to: 'SHIPPED',
          actor: 'merchant',
          note,
          tracking,
        });
        await recordPart();
      } else {
        await recordPart();
        const parts = await db.select().from(merchantOrders).where(eq(merchantOrders.orderId, order.id));
        const allShipped = [...merchantsInOrder].every(
          (m) => parts.find((p) => p.merchantId === m)?.externalStatus === 'SHIPPED',
        );
        if (allShipped) {
          await deps.checkout
            .advance(order.companyId, order.id, { to: 'SHIPPED', actor: 'merchant', note, tracking })
            .catch(async (err: unknown) => {
              // The other merchant's last part may have moved it at the same moment: that is the same outcome.
              const [now] = await db
                .select({ status: orders.status })
                .from(orders)
                .where(eq(orders.id, order.id));
              if (now?.status !== 'SHIPPED') throw err;
            });
        } else {
          await noteOrder(
            db,
            order,
            'merchant',
            `${merchant.name} shipped its part${tracking.number ? ` (tracking ${tracking.number})` : ''}`,
          );
        }
      }
      const [fresh] = await db.select().from(orders).where(eq(orders.id, order.id));
      const [part] = await db
        .select()
        .from(merchantOrders)
        .where(and(eq(merchantOrders.orderId, order.id), eq(merchantOrders.merchantId, merchant.id)));
      return merchantOrderView(fresh!, items, merchant.id, part);
    },
  );
};
