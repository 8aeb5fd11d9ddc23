// The portal in a real (headless) Chromium: a company signs up (its secret key shown once), rotates the key (the old
// one stops working on /api/v1), tests its webhook endpoint against a loopback receiver, and browses users, a chat,
// orders and webhook deliveries; a merchant signs up, connects the fake Shopify store, watches the sync run, sees its
// products and ships an order. Screenshots of each screen go to test-results/screenshots/portal-*.png. Every response
// the browser got is kept, to check that no secret key appears after its one-time reveal. Uses the system's Chromium
// (playwright-core downloads none): $CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatMessages } from '../../src/agent/schema.js';
import { merchants, products, variants } from '../../src/catalog/schema.js';
import { addAddress, getCompany, registerUser, type UserRow } from '../../src/commerce/index.js';
import { buyProduct } from '../../src/tools/buy-product.js';
import { startFakeIntegrator, type FakeIntegrator } from '../fakes/integrator.js';
import { startFakeShopify, type FakeShopify } from '../fakes/shopify.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { record } from '../helpers/catalog.js';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && fs.existsSync(p),
);
const SKIP_REASON = CHROMIUM
  ? ''
  : ' [SKIPPED: no Chromium found; install it (apt-get install chromium) or set CHROMIUM_PATH]';
const SHOTS = path.resolve('test-results/screenshots');
const PASSWORD = 'a long and memorable passphrase';

/** Every response body the browser received, with its URL. */
type Seen = { url: string; body: string };

describe.skipIf(!CHROMIUM)(`portal in Chromium${SKIP_REASON}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let companyContext: BrowserContext;
  let page: Page;
  let integrator: FakeIntegrator | undefined;
  let shopify: FakeShopify | undefined;
  const seen: Seen[] = [];
  /** Script errors and console errors (a Content-Security-Policy violation would be one). */
  const problems: string[] = [];
  const pending: Promise<void>[] = [];
  const keys = { clientId: '', first: '', second: '', companyId: '' };

  const shot = (p: Page, name: string) =>
    p.screenshot({ path: path.join(SHOTS, `portal-${name}.png`), fullPage: true });
  const inPage = <T>(p: Page, expression: string) => p.evaluate<T>(expression);
  const api = (secret: string, url = '/api/v1/users/', init: RequestInit = {}) =>
    fetch(`${base}${url}`, {
      ...init,
      headers: { 'x-client-id': keys.clientId, 'x-secret-key': secret, 'content-type': 'application/json' },
    });

  /** A picture for any product image URL (the stores' CDNs are not reachable from here). */
  const tile = (url: string) => {
    const hue = createHash('sha256').update(url).digest()[0]! * 1.4;
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300"><rect width="400" height="300" fill="hsl(${hue} 45% 88%)"/><circle cx="200" cy="150" r="70" fill="hsl(${hue} 50% 62%)"/><rect x="130" y="200" width="140" height="24" rx="12" fill="hsl(${hue} 40% 45%)"/></svg>`;
  };

  async function newContext(options: Parameters<Browser['newContext']>[0] = {}) {
    const context = await browser.newContext(options);
    // Nothing leaves this machine: product images get a drawn tile, anything else not ours is refused.
    await context.route(
      (url) => !url.href.startsWith(base),
      (route) =>
        /\.(jpe?g|png|webp)(\?|$)/.test(route.request().url())
          ? route.fulfill({ status: 200, contentType: 'image/svg+xml', body: tile(route.request().url()) })
          : route.abort(),
    );
    return context;
  }

  async function open(context: BrowserContext, hash = ''): Promise<Page> {
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    p.on('response', (res) => {
      pending.push(
        res.body().then(
          (b) => void seen.push({ url: res.url(), body: b.toString('utf8') }),
          () => undefined, // redirects and aborted requests have none
        ),
      );
    });
    await p.goto(`${base}/portal${hash}`);
    return p;
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp({ env: { AISLE_WEBHOOK_TIMEOUT_MS: '3000' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
    companyContext = await newContext({ viewport: { width: 1280, height: 860 } });
    page = await open(companyContext);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await integrator?.close();
    await shopify?.close();
    await t?.close();
  });

  it('a company signs up and gets its Client ID, Secret Key (shown once) and Webhook Secret', async () => {
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    expect(await page.getByLabel('Email').count()).toBe(1);
    await shot(page, '01-sign-in');

    await page.getByRole('link', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create your Aisle account' }).waitFor();
    await page.getByLabel('Company name').fill('Northwind Apps');
    await page.getByLabel('Email').fill('dev@northwind.example');
    await page.getByLabel('Password', { exact: true }).fill('too short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').filter({ hasText: 'at least 10 characters' }).waitFor();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await shot(page, '02-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'Your API keys are ready' }).waitFor();
    keys.clientId = (await page.getByTestId('client-id').textContent())!;
    keys.first = (await page.getByTestId('secret-key').textContent())!;
    expect(keys.clientId).toMatch(/^cid_/);
    expect(keys.first).toMatch(/^sk_[A-Za-z0-9]{40}$/);
    expect(await page.getByTestId('webhook-secret').textContent()).toMatch(/^whsec_/);
    expect(await page.getByText('shown only once').count()).toBeGreaterThan(0);
    await shot(page, '03-welcome-keys');
    expect((await api(keys.first)).status).toBe(200);

    await page.getByRole('button', { name: /stored my secret key/ }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await page.getByRole('link', { name: 'Keys' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('key-hint').textContent()).toBe(`${keys.first.slice(0, 7)}…`);
    expect(await page.content()).not.toContain(keys.first);
    // Still signed in after a reload (the cookie), and the key is gone for good.
    await page.reload();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await page.content()).not.toContain(keys.first);
    keys.companyId = (await getCompany(t.db, keys.clientId)).id;
    await shot(page, '04-keys');
  });

  it('rotating the secret key shows the new one once, and the old one stops working on /api/v1', async () => {
    await page.getByRole('button', { name: 'Rotate secret key' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const fresh = page.getByTestId('new-secret-key');
    await fresh.waitFor();
    keys.second = (await fresh.textContent())!;
    expect(keys.second).toMatch(/^sk_/);
    expect(keys.second).not.toBe(keys.first);
    expect(await page.getByTestId('key-hint').textContent()).toBe(`${keys.second.slice(0, 7)}…`);

    const old = await api(keys.first);
    expect(old.status).toBe(401);
    expect(((await old.json()) as { code: string }).code).toBe('invalid_credentials');
    expect((await api(keys.second)).status).toBe(200);

    // The webhook secret is hidden until revealed.
    expect(await page.getByTestId('webhook-secret-value').textContent()).toMatch(/•/);
    await page.getByRole('button', { name: 'Reveal webhook secret' }).click();
    await expect.poll(() => page.getByTestId('webhook-secret-value').textContent()).toMatch(/^whsec_/);
    await shot(page, '05-rotated-key');
    await page.getByRole('button', { name: 'I’ve stored it' }).click();
    await fresh.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(keys.second);
  });

  it('sets the webhook URL and tests it against a loopback receiver, with a verdict per event', async () => {
    const company = await getCompany(t.db, keys.companyId);
    integrator = await startFakeIntegrator(company.webhookSecret);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    const test = page.getByRole('button', { name: 'Send test webhooks' });
    expect(await test.isDisabled()).toBe(true);
    await page.getByLabel('Webhook URL').fill(integrator.url);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. Send a test').waitFor();
    await test.click();
    await page.getByText('All good.').waitFor();
    const results = page.locator('.result');
    expect(await results.count()).toBe(3);
    expect(await results.locator('.badge').allTextContents()).toEqual(['OK', 'OK', 'OK']);
    expect(await results.locator('.event').allTextContents()).toEqual([
      'balance_check',
      'charge',
      'order_followup',
    ]);
    expect(integrator.received.map((r) => r.type)).toEqual(['balance_check', 'charge', 'order_followup']);
    expect(integrator.received.every((r) => r.signatureValid && r.payload.test === true)).toBe(true);

    // An endpoint that refuses the charge: the page says what to fix.
    integrator.behave((hook) =>
      hook.type === 'charge'
        ? { status: 500, body: { error: 'boom' } }
        : { body: { approved: true, received: true } },
    );
    await test.click();
    await page.getByText('1 of 3 need fixing.').waitFor();
    expect(await results.locator('.badge').allTextContents()).toEqual(['OK', 'PROBLEM', 'OK']);
    expect(await page.locator('.result.bad .explanation').textContent()).toMatch(/500: your endpoint failed/);
    await shot(page, '06-webhook-test');
    integrator.behave((hook) =>
      hook.type === 'balance_check'
        ? { body: { approved: true } }
        : hook.type === 'charge'
          ? { body: { success: true, transaction_id: `tx_${hook.headers['x-webhook-id']}` } }
          : { body: { received: true } },
    );
  });

  /** A shopper of the company with an address, through the REST API with the current key. */
  async function shopper(externalId: string, name: string): Promise<UserRow> {
    const res = await api(keys.second, '/api/v1/users/', {
      method: 'POST',
      body: JSON.stringify({ external_user_id: externalId, display_name: name }),
    });
    expect(res.status).toBe(201);
    const { user } = await registerUser(t.db, keys.companyId, { externalUserId: externalId });
    await addAddress(t.db, keys.companyId, user.id, {
      recipient_name: name,
      line1: '500 Market St',
      city: 'San Francisco',
      state: 'CA',
      zip: '94105',
      country: 'US',
    });
    return user;
  }

  async function buy(user: UserRow, variantId: string, quantity = 1) {
    const ctx = {
      company: await getCompany(t.db, keys.companyId),
      user,
      services: { db: t.db, catalog: t.deps.catalog, checkout: t.deps.checkout },
    };
    const quoted = await buyProduct.run(ctx, buyProduct.input.parse({ variant_id: variantId, quantity }));
    const placed = await buyProduct.run(
      ctx,
      buyProduct.input.parse({ confirmation_token: quoted.quote!.confirmation_token }),
    );
    expect(placed.order?.status).toBe('PAID');
    return placed.order!;
  }

  it('browses users, a user’s chat and orders, every order, and webhook deliveries with redelivery', async () => {
    const ann = await shopper('ann-42', 'Ann Lee');
    await shopper('bo-7', 'Bo Diaz');
    await shopper('cy-3', 'Cy Park');
    await t.deps.catalog.importRecords('Harbor Outfitters', [
      {
        line: 1,
        value: record({
          source_id: 'jacket',
          title: 'Harbor Rain Jacket',
          variants: [{ title: 'Navy / M', price: '149.00', available_qty: 12 }],
        }),
      },
    ]);
    const [jacket] = await t.db
      .select({ id: variants.id })
      .from(variants)
      .innerJoin(products, eq(products.id, variants.productId))
      .where(eq(products.title, 'Harbor Rain Jacket'));
    const order = await buy(ann, jacket!.id, 2);
    await t.db.insert(chatMessages).values([
      { companyId: keys.companyId, userId: ann.id, role: 'user', content: 'I need a rain jacket, size M' },
      {
        companyId: keys.companyId,
        userId: ann.id,
        role: 'assistant',
        content: 'Here is a waterproof one in navy, size M, for $149.00. Shall I get you two?',
        products: [{ title: 'Harbor Rain Jacket' }],
      },
      { companyId: keys.companyId, userId: ann.id, role: 'user', content: 'Yes please, two' },
      {
        companyId: keys.companyId,
        userId: ann.id,
        role: 'assistant',
        content: 'Done: your order is paid.',
        order: { id: order.id, status: 'PAID' },
      },
    ]);

    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('.pager').textContent()).toBe('3 users');
    await shot(page, '07-users');

    await page.getByRole('link', { name: 'Ann Lee' }).click();
    await page.getByRole('heading', { name: 'Ann Lee' }).waitFor();
    const bubbles = page.locator('.bubble');
    expect(await bubbles.count()).toBe(4);
    expect(await bubbles.first().textContent()).toContain('I need a rain jacket');
    expect(await page.locator('.bubble.assistant .chip').first().textContent()).toBe('Harbor Rain Jacket');
    expect(
      await page.getByRole('region', { name: 'Orders of this user' }).locator('.badge').textContent(),
    ).toBe('PAID');
    await shot(page, '08-user-chat');

    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    const orderRow = page.locator('tbody tr', { hasText: order.id });
    expect(await orderRow.locator('.badge').textContent()).toBe('PAID');
    expect(await orderRow.textContent()).toContain('2 × Harbor Rain Jacket');
    await shot(page, '09-orders');
    await orderRow.getByRole('link', { name: order.id }).click();
    await page.getByRole('heading', { name: `Order ${order.id}` }).waitFor();
    expect(await page.locator('address').textContent()).toContain('500 Market St');
    expect(await page.locator('.timeline li').count()).toBeGreaterThan(1);
    await shot(page, '10-order');

    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
    const charge = page.locator('.delivery', { has: page.locator('.event', { hasText: /^charge$/ }) });
    await charge.waitFor();
    expect(await charge.textContent()).toContain('HTTP 200');
    expect(await charge.locator('.badge').textContent()).toBe('delivered');
    await charge.getByRole('button', { name: /^Redeliver charge/ }).click();
    await expect.poll(() => charge.locator('.badge').textContent()).toBe('pending');
    await page.getByText('charge queued again').waitFor();
    await shot(page, '11-deliveries');

    await page.getByLabel('Status').selectOption('pending');
    await expect.poll(() => page.url()).toContain('status=pending');
    await page.locator('.delivery').first().waitFor();
    const statuses = await page.locator('.delivery .badge').allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((x) => x === 'pending')).toBe(true);
  }, 60_000);

  it('a merchant signs up, connects the fake Shopify store and watches its sync run to the end', async () => {
    shopify = await startFakeShopify({
      accessToken: 'shpat_portal_test',
      appSecret: 'shpss_portal',
      products: 30,
    });
    const merchant = await newContext({ viewport: { width: 1280, height: 860 } });
    const p = await open(merchant, '#/signup');
    await p.getByRole('heading', { name: 'Create your Aisle account' }).waitFor();
    await p.getByText('A merchant').click();
    await p.getByLabel('Store name').fill('Trailhead Supply');
    await p.getByLabel('Email').fill('owner@trailhead.example');
    await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await p.getByRole('button', { name: 'Create account' }).click();

    await p.getByRole('heading', { name: 'Welcome, Trailhead Supply' }).waitFor();
    expect(await p.getByRole('link', { name: 'Store' }).getAttribute('aria-current')).toBe('page');
    await p.getByLabel('Store domain').fill(shopify.url);
    await p.getByLabel('Admin API access token', { exact: true }).fill('shpat_wrong');
    await p.getByRole('button', { name: 'Connect store' }).click();
    await p.getByRole('alert').waitFor();
    await shot(p, '12-merchant-connect-error');
    await p.getByLabel('Admin API access token', { exact: true }).fill('shpat_portal_test');
    await p.getByRole('textbox', { name: /^API secret key/ }).fill('shpss_portal');
    await shot(p, '13-merchant-connect');
    await p.getByRole('button', { name: 'Connect store' }).click();

    await p.getByRole('heading', { name: 'Sync' }).waitFor();
    const run = p.locator('tbody tr').first();
    await expect.poll(() => run.locator('.badge').textContent(), { timeout: 30_000 }).toBe('succeeded');
    const cells = await run.locator('td').allTextContents();
    // Started, kind, status, fetched, created, updated, unchanged, deleted, rejected, took
    expect(cells.slice(1, 9)).toEqual(['Full sync', 'succeeded', '30', '30', '0', '0', '0', '0']);
    await p.getByText(/Last full sync succeeded/).waitFor();
    await shot(p, '14-sync');

    await p.getByRole('link', { name: 'Products' }).click();
    await p.getByRole('heading', { name: 'Products' }).waitFor();
    const active = await t.db
      .select({ id: products.id })
      .from(products)
      .innerJoin(variants, eq(variants.productId, products.id))
      .where(eq(products.title, shopify.store[0]!.title));
    expect(active.length).toBeGreaterThan(0);
    expect(await p.locator('.product').count()).toBe(24);
    expect(await p.getByText('Page 1 of 2 · 30 products').count()).toBe(1);
    await p.locator('.product img').first().waitFor();
    await shot(p, '15-products');
    await p.getByLabel('Search your products').fill(shopify.store[0]!.title.split(' ')[0]!);
    await p.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => p.url()).toContain('q=');
    await p.locator('.product').first().waitFor();

    // A shopper buys one of its products: the order is there to ship.
    const [variant] = await t.db
      .select({ id: variants.id, title: products.title })
      .from(variants)
      .innerJoin(products, eq(products.id, variants.productId))
      .innerJoin(merchants, eq(merchants.id, products.merchantId))
      .where(
        and(
          eq(merchants.slug, 'trailhead-supply'),
          eq(products.status, 'active'),
          isNull(variants.deletedAt),
        ),
      )
      .limit(1);
    const user = (await registerUser(t.db, keys.companyId, { externalUserId: 'ann-42' })).user;
    await t.db.update(variants).set({ availableQty: 5 }).where(eq(variants.id, variant!.id));
    const order = await buy(user, variant!.id);
    await p.getByRole('link', { name: 'Orders' }).click();
    await p.getByRole('heading', { name: 'Orders' }).waitFor();
    const card = p.locator('.order-card', { hasText: order.id });
    await card.waitFor();
    expect(await card.textContent()).toContain(variant!.title);
    expect(await card.locator('address').textContent()).toContain('500 Market St');
    await card.getByLabel('Carrier').fill('UPS');
    await card.getByLabel('Tracking number').fill('1Z999AA10123456784');
    await shot(p, '16-merchant-orders');
    await card.getByRole('button', { name: 'Mark shipped' }).click();
    await expect.poll(() => card.locator('.order-head .badge').first().textContent()).toBe('SHIPPED');
    expect(await card.textContent()).toContain('UPS 1Z999AA10123456784');
    await shot(p, '17-merchant-shipped');
    await p.close();
    await merchant.close();
  }, 90_000);

  it('fits a 375 px phone', async () => {
    const phone = await newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2 });
    const p = await open(phone);
    await p.getByLabel('Email').fill('dev@northwind.example');
    await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await inPage<number>(p, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await shot(p, '18-phone-keys');
    await p.getByRole('link', { name: 'Orders' }).click();
    await p.getByRole('heading', { name: 'Orders' }).waitFor();
    await shot(p, '19-phone-orders');
    await p.close();
    await phone.close();
  });

  it('is keyboard friendly: a skip link, visible focus, and the heading focused after navigating', async () => {
    const p = await open(companyContext, '#/keys');
    await p.getByRole('heading', { name: 'API keys' }).waitFor();
    await p.keyboard.press('Tab');
    expect(await inPage<string>(p, 'document.activeElement.textContent')).toBe('Skip to content');
    await p.keyboard.press('Enter');
    expect(await inPage<string>(p, 'document.activeElement.tagName')).toBe('H1');
    await p.getByRole('link', { name: 'Users' }).focus();
    await p.keyboard.press('Enter');
    await p.getByRole('heading', { name: 'Users' }).waitFor();
    await expect.poll(() => inPage<string>(p, 'document.activeElement.textContent')).toBe('Users');
    await p.close();
  });

  it('never shows a secret key after its one-time reveal, in any page or API response', async () => {
    await Promise.all(pending);
    const holding = (secret: string) => [
      ...new Set(seen.filter((s) => s.body.includes(secret)).map((s) => new URL(s.url).pathname)),
    ];
    // Each key reached the browser exactly once: in the answer that made it.
    expect(holding(keys.first)).toEqual(['/portal/api/signup']);
    expect(seen.filter((s) => s.body.includes(keys.first))).toHaveLength(1);
    expect(holding(keys.second)).toEqual(['/portal/api/company/rotate-secret']);
    expect(seen.filter((s) => s.body.includes(keys.second))).toHaveLength(1);
    // No other answer carries anything shaped like a secret key.
    const others = seen.filter(
      (s) => !/\/portal\/api\/(signup|company\/rotate-secret)$/.test(new URL(s.url).pathname),
    );
    expect(others.length).toBeGreaterThan(30);
    expect(others.filter((s) => /sk_[A-Za-z0-9]{40}/.test(s.body)).map((s) => s.url)).toEqual([]);
    // The pages as they are now, and the portal's own code.
    const html = await page.content();
    const script = await (await fetch(`${base}/portal/app.js`)).text();
    for (const text of [html, script]) {
      expect(text).not.toContain(keys.first);
      expect(text).not.toContain(keys.second);
    }
    // No script failed and nothing broke the Content-Security-Policy; the only console errors are the answers
    // the test provoked (a wrong store token, 401 sign-in tries).
    expect(problems.filter((x) => !/status of (4\d\d)/.test(x))).toEqual([]);
    // The Shopify token never came back either.
    expect(seen.filter((s) => s.body.includes('shpat_portal_test'))).toEqual([]);
  });
});
