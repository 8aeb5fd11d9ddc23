// The portal's accounts and its API through app.inject: scrypt hashes, sessions (cookie flags, expiry, sign-out),
// CSRF on every change, the sign-in rate limit, what each kind of account may do, and a merchant shipping its part.
import { eq } from 'drizzle-orm';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMerchant } from '../../src/catalog/merchants.js';
import { getCompany, registerUser, addAddress, updateCompany } from '../../src/commerce/index.js';
import { orders } from '../../src/commerce/order-schema.js';
import { hashPassword, verifyPassword, SCRYPT } from '../../src/portal/accounts.js';
import { PORTAL_COOKIE, portalRoutes } from '../../src/portal/routes.js';
import { portalAccounts, portalSessions } from '../../src/portal/schema.js';
import { buyProduct } from '../../src/tools/buy-product.js';
import { installErrorHandling } from '../../src/transport/rest/errors.js';
import { startFakeIntegrator, type FakeIntegrator } from '../fakes/integrator.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { record } from '../helpers/catalog.js';

let t: TestApp;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  for (const c of closers) await c();
  await t.close();
});

const PASSWORD = 'correct horse battery staple';

let addresses = 0;

/** A browser of its own: keeps the portal cookie and the CSRF token; each comes from an address of its own. */
function browser() {
  const remoteAddress = `198.51.100.${++addresses}`;
  let cookie = '';
  let csrf = '';
  const b = {
    get cookie() {
      return cookie;
    },
    get csrf() {
      return csrf;
    },
    async request(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) {
      const res = await t.app.inject({
        method: method as 'GET',
        url: `/portal/api${url}`,
        remoteAddress,
        headers: { ...(cookie && { cookie: `${PORTAL_COOKIE}=${cookie}` }), ...headers },
        ...(payload !== undefined && { payload: payload as object }),
      });
      const set = res.cookies.find((c) => c.name === PORTAL_COOKIE);
      if (set) cookie = set.value;
      const body = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
      if (typeof body.csrf === 'string') csrf = body.csrf;
      return { res, body };
    },
    /** A change, with the CSRF token. */
    send(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) {
      return b.request(method, url, payload, { 'x-csrf-token': csrf, ...headers });
    },
    get: (url: string) => b.request('GET', url),
  };
  return b;
}

let n = 0;
async function signUp(kind: 'company' | 'merchant', name = `${kind} ${++n}`) {
  const b = browser();
  const email = `${kind}${++n}@example.com`;
  const { res, body } = await b.request('POST', '/signup', { kind, email, password: PASSWORD, name });
  expect(res.statusCode, res.body).toBe(201);
  return { b, body, email };
}

const cookieOf = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === PORTAL_COOKIE);

describe('passwords', () => {
  it('are hashed with scrypt (N=2^15, r=8, p=1) and a salt of their own, and verified', async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(SCRYPT).toMatchObject({ N: 2 ** 15, r: 8, p: 1 });
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(PASSWORD, b)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('never match a malformed or tampered hash (nor let it ask for huge costs)', async () => {
    const good = await hashPassword(PASSWORD);
    const parts = good.split('$');
    expect(await verifyPassword(PASSWORD, 'plain')).toBe(false);
    expect(await verifyPassword(PASSWORD, `bcrypt$${parts.slice(1).join('$')}`)).toBe(false);
    expect(await verifyPassword(PASSWORD, [parts[0], 2 ** 30, ...parts.slice(2)].join('$'))).toBe(false);
    expect(await verifyPassword(PASSWORD, [...parts.slice(0, 5), parts[5]!.slice(0, 10)].join('$'))).toBe(
      false,
    );
  });
});

describe('sign-up and sessions', () => {
  it('makes a company with its keys, shown once, and a session cookie (HttpOnly, SameSite=Lax, /portal)', async () => {
    const b = browser();
    const { res, body } = await b.request('POST', '/signup', {
      kind: 'company',
      email: '  Founder@Example.COM ',
      password: PASSWORD,
      name: 'Acme Apps',
    });
    expect(res.statusCode).toBe(201);
    expect(body.account).toMatchObject({
      email: 'founder@example.com',
      kind: 'company',
      company: { name: 'Acme Apps' },
    });
    const credentials = body.credentials as { client_id: string; secret_key: string; webhook_secret: string };
    expect(credentials.secret_key).toMatch(/^sk_/);
    expect(credentials.webhook_secret).toMatch(/^whsec_/);
    const cookie = cookieOf(res)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/portal' });
    expect(cookie.secure).toBeFalsy(); // plain http here
    expect(new Date(cookie.expires!).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);

    // The key works on the REST API, and no portal answer shows it again.
    const api = await t.app.inject({
      url: '/api/v1/users/',
      headers: { 'x-client-id': credentials.client_id, 'x-secret-key': credentials.secret_key },
    });
    expect(api.statusCode).toBe(200);
    const me = await b.get('/me');
    expect(me.body).toMatchObject({ account: { email: 'founder@example.com' }, csrf: body.csrf });
    const company = await b.get('/company');
    expect(company.body).toMatchObject({
      client_id: credentials.client_id,
      secret_key_hint: credentials.secret_key.slice(0, 7) + '…',
    });
    for (const r of [me, company]) expect(r.res.body).not.toContain(credentials.secret_key);

    // The database holds a hash of the cookie's token and of the password, never either one.
    const [session] = await t.db
      .select()
      .from(portalSessions)
      .where(eq(portalSessions.csrfToken, body.csrf as string));
    expect(session!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(session!.tokenHash).not.toBe(b.cookie);
    const [account] = await t.db
      .select()
      .from(portalAccounts)
      .where(eq(portalAccounts.email, 'founder@example.com'));
    expect(account!.passwordHash).toMatch(/^scrypt\$/);
    expect(account!.passwordHash).not.toContain(PASSWORD);
  });

  it('sets Secure on the cookie when the request came over https (behind a trusted proxy)', async () => {
    const app = Fastify({ trustProxy: true, routerOptions: { ignoreTrailingSlash: true } });
    app.removeContentTypeParser('text/plain');
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installErrorHandling(app);
    await app.register(portalRoutes, { deps: t.deps });
    closers.push(() => app.close());
    const res = await app.inject({
      method: 'POST',
      url: '/portal/api/signup',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { kind: 'merchant', email: 'secure@example.com', password: PASSWORD, name: 'Secure Store' },
    });
    expect(res.statusCode).toBe(201);
    expect(cookieOf(res)).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
  });

  it('refuses a short password, a bad email, a taken email (any case) and a taken store name', async () => {
    const b = browser();
    const short = await b.request('POST', '/signup', {
      kind: 'company',
      email: 'x@example.com',
      password: 'short',
      name: 'X',
    });
    expect(short.res.statusCode).toBe(400);
    expect(short.body.detail).toMatch(/password.*10/);
    const email = await b.request('POST', '/signup', {
      kind: 'company',
      email: 'nope',
      password: PASSWORD,
      name: 'X',
    });
    expect(email.res.statusCode).toBe(400);
    const { email: taken } = await signUp('company');
    const again = await b.request('POST', '/signup', {
      kind: 'merchant',
      email: taken.toUpperCase(),
      password: PASSWORD,
      name: 'Y',
    });
    expect(again.res.statusCode).toBe(409);
    expect(again.body.code).toBe('email_taken');
    await ensureMerchant(t.db, { name: 'Existing Outfitters' });
    const store = await b.request('POST', '/signup', {
      kind: 'merchant',
      email: 'new@example.com',
      password: PASSWORD,
      name: 'existing outfitters',
    });
    expect(store.res.statusCode).toBe(409);
    expect(store.body.code).toBe('merchant_name_taken');
    // Nothing was left half made.
    expect(
      await t.db.select().from(portalAccounts).where(eq(portalAccounts.email, 'new@example.com')),
    ).toHaveLength(0);
    expect(b.cookie).toBe('');
  });

  it('signs in with the right password, signs out, and forgets expired sessions', async () => {
    const { email } = await signUp('company');
    const b = browser();
    const wrong = await b.request('POST', '/signin', { email, password: 'wrong password!' });
    expect(wrong.res.statusCode).toBe(401);
    expect(wrong.body.code).toBe('invalid_login');
    const unknown = await b.request('POST', '/signin', { email: 'nobody@example.com', password: PASSWORD });
    expect(unknown.res.statusCode).toBe(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);

    const ok = await b.request('POST', '/signin', { email: email.toUpperCase(), password: PASSWORD });
    expect(ok.res.statusCode).toBe(200);
    expect(ok.body.account).toMatchObject({ email });
    expect((await b.get('/company')).res.statusCode).toBe(200);

    const out = await b.send('POST', '/signout');
    expect(out.res.statusCode).toBe(204);
    expect(cookieOf(out.res)).toMatchObject({ value: '', path: '/portal' });
    const old = b.cookie;
    const after = browser();
    await after.request('POST', '/signin', { email, password: PASSWORD });
    expect(after.cookie).not.toBe(old);

    // The cookie of a signed-out session opens nothing.
    const stale = await t.app.inject({
      url: '/portal/api/company',
      headers: { cookie: `${PORTAL_COOKIE}=${old}` },
    });
    expect(stale.statusCode).toBe(401);

    // An expired session is as good as none.
    await t.db.update(portalSessions).set({ expiresAt: new Date(Date.now() - 1000) });
    const expired = await after.get('/me');
    expect(expired.body).toEqual({ account: null, csrf: null });
    expect((await after.get('/company')).res.statusCode).toBe(401);
  });

  it('limits sign-in attempts to 10 a minute per address and email', async () => {
    const { email } = await signUp('merchant');
    const b = browser();
    const ip = '203.0.113.7';
    const attempt = (e: string, password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/portal/api/signin',
        remoteAddress: ip,
        payload: { email: e, password },
      });
    for (let i = 0; i < 10; i++) expect((await attempt(email, `wrong-${i}-password`)).statusCode).toBe(401);
    const limited = await attempt(email, PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(limited.body)).toMatchObject({ status: 429, code: 'rate_limited' });
    // Another email from that address, or this email from another address, is not held up.
    expect((await attempt('someone-else@example.com', PASSWORD)).statusCode).toBe(401);
    const elsewhere = await b.request('POST', '/signin', { email, password: PASSWORD });
    expect(elsewhere.res.statusCode).toBe(200);
  });
});

describe('sign-up limit', () => {
  it('allows 20 new accounts an hour from one address', async () => {
    const signUpFrom = (i: number) =>
      t.app.inject({
        method: 'POST',
        url: '/portal/api/signup',
        remoteAddress: '203.0.113.99',
        payload: {
          kind: 'merchant',
          email: `bulk${i}@example.com`,
          password: PASSWORD,
          name: `Bulk Store ${i}`,
        },
      });
    for (let i = 0; i < 20; i++) expect((await signUpFrom(i)).statusCode).toBe(201);
    const limited = await signUpFrom(20);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
  });
});

describe('CSRF', () => {
  it('every change needs the session’s X-CSRF-Token (from GET /me); reads do not', async () => {
    const { b } = await signUp('company');
    const noHeader = await b.request('POST', '/company/rotate-webhook-secret');
    expect(noHeader.res.statusCode).toBe(403);
    expect(noHeader.body.code).toBe('csrf_failed');
    const wrong = await b.request(
      'PATCH',
      '/company',
      { webhook_url: 'https://example.com/hook' },
      { 'x-csrf-token': 'guess' },
    );
    expect(wrong.res.statusCode).toBe(403);
    const signOut = await b.request('POST', '/signout');
    expect(signOut.res.statusCode).toBe(403);
    expect((await b.get('/company')).res.statusCode).toBe(200); // still signed in

    const me = await b.get('/me');
    expect(me.body.csrf).toBe(b.csrf);
    const right = await b.send('PATCH', '/company', { webhook_url: 'https://example.com/hook' });
    expect(right.res.statusCode).toBe(200);
    expect(right.body.webhook_url).toBe('https://example.com/hook');

    // Another session's token does not do.
    const other = await signUp('company');
    const crossed = await b.request('POST', '/company/rotate-secret', undefined, {
      'x-csrf-token': other.b.csrf,
    });
    expect(crossed.res.statusCode).toBe(403);
  });

  it('refuses a change sent from another site, whatever it carries', async () => {
    const { b } = await signUp('company');
    const res = await b.send('POST', '/company/rotate-secret', undefined, { origin: 'https://evil.example' });
    expect(res.res.statusCode).toBe(403);
    expect(res.body.code).toBe('cross_origin');
    // Sign-in too (a login CSRF), and form posts are not even parsed.
    const login = await t.app.inject({
      method: 'POST',
      url: '/portal/api/signin',
      headers: { origin: 'https://evil.example' },
      payload: { email: 'a@example.com', password: PASSWORD },
    });
    expect(login.statusCode).toBe(403);
    const form = await t.app.inject({
      method: 'POST',
      url: '/portal/api/signin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40example.com&password=x',
    });
    expect(form.statusCode).toBe(415);
  });
});

describe('what each account may do', () => {
  it('keeps companies and merchants to their own pages, and strangers out', async () => {
    const company = await signUp('company');
    const merchant = await signUp('merchant');
    expect((await company.b.get('/merchant')).res.statusCode).toBe(403);
    expect((await merchant.b.get('/company')).res.statusCode).toBe(403);
    expect((await merchant.b.get('/users')).res.statusCode).toBe(403);
    const stranger = browser();
    for (const url of ['/company', '/users', '/orders', '/deliveries', '/merchant', '/merchant/sync-runs']) {
      const { res, body } = await stranger.get(url);
      expect(res.statusCode, url).toBe(401);
      expect(body.code).toBe('not_signed_in');
    }
  });

  it('rotating the secret key shows the new one once; the old one stops working on /api/v1', async () => {
    const { b, body } = await signUp('company');
    const first = body.credentials as { client_id: string; secret_key: string };
    const rotated = await b.send('POST', '/company/rotate-secret');
    expect(rotated.res.statusCode).toBe(200);
    const key = rotated.body.secret_key as string;
    expect(key).toMatch(/^sk_/);
    expect(key).not.toBe(first.secret_key);
    const call = (secret: string) =>
      t.app.inject({
        url: '/api/v1/users/',
        headers: { 'x-client-id': first.client_id, 'x-secret-key': secret },
      });
    expect((await call(first.secret_key)).statusCode).toBe(401);
    expect((await call(key)).statusCode).toBe(200);
    const company = await b.get('/company');
    expect(company.res.body).not.toContain(key);
    expect(company.body.secret_key_hint).toBe(`${key.slice(0, 7)}…`);
    const webhook = await b.get('/company/webhook-secret');
    expect(webhook.body.webhook_secret).toMatch(/^whsec_/);
    const test = await b.send('POST', '/company/webhook-test', {});
    expect(test.res.statusCode).toBe(400);
    expect(test.body.code).toBe('webhook_url_missing');
  });
});

describe('a merchant’s orders', () => {
  let integrator: FakeIntegrator;

  it('lists the orders with its items only, and marks its part shipped (the whole order once every part is)', async () => {
    const company = await signUp('company', 'Buyer App');
    const companyId = (company.body.account as { company: { id: string } }).company.id;
    const row = await getCompany(t.db, companyId);
    integrator = await startFakeIntegrator(row.webhookSecret);
    closers.push(() => integrator.close());
    await updateCompany(t.db, companyId, { webhookUrl: integrator.url });
    const { user } = await registerUser(t.db, companyId, { externalUserId: 'shopper-1', displayName: 'Ann' });
    await addAddress(t.db, companyId, user.id, {
      line1: '1 Main St',
      city: 'Springfield',
      zip: '62701',
      country: 'US',
    });

    const shoes = await signUp('merchant', 'Portal Shoes');
    const socks = await signUp('merchant', 'Portal Socks');
    const variantOf = async (merchant: string, sourceId: string, price: string) => {
      await t.deps.catalog.importRecords(merchant, [
        {
          line: 1,
          value: record({
            source_id: sourceId,
            title: `${merchant} item`,
            variants: [{ price, available_qty: 20 }],
          }),
        },
      ]);
      const found = await t.deps.catalog.search({ query: `${merchant} item` });
      return found.products.find((p) => p.merchant === merchant)!.variants[0]!.id;
    };
    const shoe = await variantOf('Portal Shoes', 'shoe', '80.00');
    const sock = await variantOf('Portal Socks', 'sock', '10.00');
    const ctx = {
      company: await getCompany(t.db, companyId),
      user,
      services: { db: t.db, catalog: t.deps.catalog, checkout: t.deps.checkout },
    };
    const buy = async (input: Record<string, unknown>) => {
      const quoted = await buyProduct.run(ctx, buyProduct.input.parse(input));
      const placed = await buyProduct.run(
        ctx,
        buyProduct.input.parse({ confirmation_token: quoted.quote!.confirmation_token }),
      );
      expect(placed.order?.status).toBe('PAID');
      return placed.order!.id;
    };
    const alone = await buy({ variant_id: shoe, quantity: 1 });
    const shared = await buy({
      items: [
        { variant_id: shoe, quantity: 2 },
        { variant_id: sock, quantity: 3 },
      ],
    });

    const list = await shoes.b.get('/merchant/orders?open=1');
    expect(list.body.count).toBe(2);
    const sharedView = (
      list.body.results as {
        id: string;
        items: { merchant: string }[];
        subtotal: string;
        other_merchants: boolean;
      }[]
    ).find((o) => o.id === shared)!;
    expect(sharedView.items.map((i) => i.merchant)).toEqual(['Portal Shoes']);
    expect(sharedView).toMatchObject({ subtotal: '160.00', other_merchants: true });
    expect(list.res.body).not.toContain('Portal Socks');

    // Alone in its order: it becomes SHIPPED with the tracking, and the integrator will be told.
    const shipped = await shoes.b.send('POST', `/merchant/orders/${alone}/ship`, {
      carrier: 'UPS',
      number: '1Z999',
    });
    expect(shipped.res.statusCode, shipped.res.body).toBe(200);
    expect(shipped.body).toMatchObject({
      status: 'SHIPPED',
      can_ship: false,
      tracking: { carrier: 'UPS', number: '1Z999' },
    });
    const again = await shoes.b.send('POST', `/merchant/orders/${alone}/ship`, {});
    expect(again.res.statusCode).toBe(409);

    // Shared: the first part is a note; the order moves when the second ships.
    const part = await shoes.b.send('POST', `/merchant/orders/${shared}/ship`, { number: 'SHOE-1' });
    expect(part.body).toMatchObject({ status: 'PAID', part: { status: 'SHIPPED' }, can_ship: false });
    const last = await socks.b.send('POST', `/merchant/orders/${shared}/ship`, { number: 'SOCK-1' });
    expect(last.body).toMatchObject({ status: 'SHIPPED' });
    const [order] = await t.db.select().from(orders).where(eq(orders.id, shared));
    expect(order!.status).toBe('SHIPPED');

    // Another merchant's order is none of its business.
    const stranger = await signUp('merchant', 'Portal Hats');
    const nope = await stranger.b.send('POST', `/merchant/orders/${alone}/ship`, {});
    expect(nope.res.statusCode).toBe(404);

    // The company sees both orders, with their status.
    const all = await company.b.get('/orders');
    expect(all.body.count).toBe(2);
    const detail = await company.b.get(`/orders/${shared}`);
    expect(detail.body).toMatchObject({ status: 'SHIPPED', user_id: 'shopper-1' });
    expect(
      (detail.body.events as { note: string }[]).some((e) => /Portal Shoes shipped its part/.test(e.note)),
    ).toBe(true);
  });
});
