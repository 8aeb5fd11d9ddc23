// The chat widget in a real (headless) Chromium against /demo, with the offline agent answering: open, search, buy,
// confirm, a paid order; a 375 px phone; the keyboard; and no secret ever reaching the browser. Uses the system's
// Chromium (playwright-core downloads none): $CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatSessions } from '../../src/agent/schema.js';
import { rotateSecretKey } from '../../src/commerce/index.js';
import { DEMO_SHOPPER_ID, findDemoCompany } from '../../src/transport/widget/demo.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && fs.existsSync(p),
);
const SKIP_REASON = CHROMIUM
  ? ''
  : ' [SKIPPED: no Chromium found; install it (apt-get install chromium) or set CHROMIUM_PATH]';
const SHOTS = path.resolve('test-results/screenshots');

/** Everything the browser sees: request and response bodies, websocket frames. */
type Traffic = {
  bodies: string[];
  frames: { at: number; dir: 'in' | 'out'; data: string }[];
  pending: Promise<void>[];
};

describe.skipIf(!CHROMIUM)(`chat widget in Chromium${SKIP_REASON}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  const traffic: Traffic = { bodies: [], frames: [], pending: [] };
  const secrets: { secretKey: string; webhookSecret: string; clientId: string } = {
    secretKey: '',
    webhookSecret: '',
    clientId: '',
  };

  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  /** Evaluates an expression in the page (a string: the suite's types have no DOM). */
  const inPage = <T>(p: Page, expression: string) => p.evaluate<T>(expression);
  const focusedInWidget = (p: Page) =>
    inPage<string | null>(
      p,
      `(() => { const a = document.activeElement; if (!a || a.tagName !== 'AISLE-WIDGET') return null;
        const f = a.shadowRoot.activeElement; return f ? f.tagName.toLowerCase() + '.' + f.className : null; })()`,
    );

  async function newContext(options: Parameters<Browser['newContext']>[0] = {}) {
    const context = await browser.newContext(options);
    // The demo catalog's image URLs are on .example hosts, which never resolve: fail them at once.
    await context.route(/\.example\//, (route) => route.abort());
    return context;
  }

  async function openDemo(context: BrowserContext): Promise<Page> {
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    p.on('request', (req) => {
      const body = req.postData();
      if (body) traffic.bodies.push(body);
    });
    p.on('response', (res) => {
      traffic.pending.push(
        res.body().then(
          (b) => void traffic.bodies.push(b.toString('utf8')),
          () => undefined, // redirects, websocket upgrades and aborted requests have none
        ),
      );
    });
    p.on('websocket', (ws) => {
      ws.on('framesent', (f) => traffic.frames.push({ at: Date.now(), dir: 'out', data: String(f.payload) }));
      ws.on('framereceived', (f) =>
        traffic.frames.push({ at: Date.now(), dir: 'in', data: String(f.payload) }),
      );
    });
    await p.goto(`${base}/demo`);
    return p;
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp({ demoCatalog: true });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    // The first visit makes the demo company; give it a secret key the test knows (to read orders through the API,
    // and to look for it in everything the browser saw).
    expect((await fetch(`${base}/demo`)).status).toBe(200);
    const company = (await findDemoCompany(t.db))!;
    const { secretKey } = await rotateSecretKey(t.db, company.id);
    Object.assign(secrets, { secretKey, webhookSecret: company.webhookSecret, clientId: company.clientId });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
    desktop = await newContext({ viewport: { width: 1280, height: 800 } });
    page = await openDemo(desktop);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens from the launcher and streams a search reply with product cards', async () => {
    await shot(page, '1-storefront');
    const widget = page.locator('aisle-widget');
    const panel = widget.locator('.panel');
    expect(await panel.isVisible()).toBe(false);
    await widget.locator('.launcher').click();
    await panel.waitFor({ state: 'visible' });
    expect(await focusedInWidget(page)).toMatch(/^textarea/);
    await widget.locator('.sub', { hasText: 'Online' }).waitFor();
    await shot(page, '2-panel-open');

    const sentAt = Date.now();
    await widget.getByRole('textbox', { name: 'Message' }).fill('show me socks under $20');
    await page.keyboard.press('Enter');
    await widget.locator('.msg.me', { hasText: 'show me socks under $20' }).waitFor();
    const cards = widget.locator('.product');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThan(1);

    // Streamed: several deltas came before the reply, and the bubble holds the whole reply.
    await expect
      .poll(() => traffic.frames.some((f) => f.at >= sentAt && f.data.includes('"type":"agent_response"')))
      .toBe(true);
    const turn = traffic.frames
      .filter((f) => f.dir === 'in' && f.at >= sentAt)
      .map((f) => JSON.parse(f.data));
    const deltas = turn.filter((e) => e.type === 'agent_response_delta');
    const reply = turn.find((e) => e.type === 'agent_response');
    expect(deltas.length).toBeGreaterThan(1);
    expect(turn.indexOf(deltas[0])).toBeLessThan(turn.indexOf(reply));
    expect(turn.some((e) => e.type === 'tool_call' && e.tool === 'search_products')).toBe(true);
    expect(deltas.map((d) => d.delta).join('')).toBe(reply.message);
    const bubble = widget.locator('.msg.bot').last();
    expect(await bubble.textContent()).toBe(reply.message);

    // A card: image (or its placeholder), title, merchant, price, stock, a variant picker and Buy.
    const first = cards.first();
    expect(await first.locator('.img').count()).toBe(1);
    expect(await first.locator('.title').textContent()).toBe(reply.products[0].title);
    expect(await first.locator('.muted').textContent()).toBe(reply.products[0].merchant);
    expect(await first.locator('.price').textContent()).toMatch(/\d/);
    expect(await first.locator('.stock').textContent()).toMatch(/in stock|left/i);
    if (reply.products[0].variants.length > 1) expect(await first.locator('select').count()).toBe(1);
    expect(await first.getByRole('button', { name: /^Buy / }).isEnabled()).toBe(true);
    await shot(page, '3-products');
  });

  it('shows a quote on Buy, and Confirm places a paid order', async () => {
    const widget = page.locator('aisle-widget');
    const first = widget.locator('.product').first();
    const select = first.locator('select');
    const variant = (await select.count()) > 0 ? await select.inputValue() : null; // the variant the Buy button will ask for
    await first.getByRole('button', { name: /^Buy / }).click();
    const lastSent = () => traffic.frames.filter((f) => f.dir === 'out').at(-1)?.data;
    await expect.poll(lastSent).toMatch(/^\{"message":"buy var_[0-9a-z]+ x1"\}$/);
    if (variant) expect(lastSent()).toContain(variant);

    const quote = widget.locator('.quote');
    await quote.waitFor();
    expect(await quote.textContent()).toMatch(/Total: \d+\.\d\d USD/);
    const confirm = quote.getByRole('button', { name: 'Confirm' });
    expect(await quote.getByRole('button', { name: 'Cancel' }).isEnabled()).toBe(true);
    await shot(page, '4-quote');

    await confirm.click();
    await expect.poll(lastSent).toBe('{"message":"yes"}');
    const order = widget.locator('.order');
    await order.waitFor();
    expect(await order.locator('.badge').textContent()).toBe('PAID');
    expect(await confirm.isDisabled()).toBe(true);
    const orderId = (await order.locator('code').textContent())!;
    expect(orderId).toMatch(/^ord_/);
    expect(await order.locator('.items li').count()).toBeGreaterThan(0);
    await shot(page, '5-order');

    const res = await fetch(`${base}/api/v1/users/${DEMO_SHOPPER_ID}/orders/`, {
      headers: { 'x-client-id': secrets.clientId, 'x-secret-key': secrets.secretKey },
    });
    expect(res.status).toBe(200);
    const orders = (await res.json()) as { id: string; status: string }[];
    expect(orders.find((o) => o.id === orderId)?.status).toBe('PAID');
  });

  it('works on a 375 px wide phone: the panel fills the screen', async () => {
    const phone = await newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2 });
    const p = await openDemo(phone);
    const widget = p.locator('aisle-widget');
    await widget.locator('.launcher').click();
    const panel = widget.locator('.panel');
    await panel.waitFor({ state: 'visible' });
    expect(await panel.boundingBox()).toEqual({ x: 0, y: 0, width: 375, height: 740 });
    await widget.getByRole('textbox', { name: 'Message' }).fill('show me socks under $20');
    await widget.getByRole('button', { name: 'Send message' }).click();
    const card = widget.locator('.product').first();
    await card.waitFor();
    const box = (await card.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(await inPage<number>(p, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await card.getByRole('button', { name: /^Buy / }).isVisible()).toBe(true);
    await shot(p, '6-phone');
    await widget.getByRole('button', { name: 'Close chat' }).click();
    await panel.waitFor({ state: 'hidden' });
    await phone.close();
  });

  it('is keyboard accessible: Tab reaches the launcher, Enter opens, Escape closes', async () => {
    const p = await openDemo(desktop);
    const widget = p.locator('aisle-widget');
    let focused: string | null = null;
    for (let i = 0; i < 20 && !focused?.startsWith('button.launcher'); i++) {
      await p.keyboard.press('Tab');
      focused = await focusedInWidget(p);
    }
    expect(focused).toMatch(/^button\.launcher/);
    expect(await widget.locator('.launcher').getAttribute('aria-expanded')).toBe('false');
    await shot(p, '7-keyboard-focus');
    await p.keyboard.press('Enter');
    await widget.locator('.panel').waitFor({ state: 'visible' });
    expect(await widget.locator('.launcher').getAttribute('aria-expanded')).toBe('true');
    expect(await focusedInWidget(p)).toMatch(/^textarea/);
    expect(await widget.locator('.log').getAttribute('aria-live')).toBe('polite');
    await p.keyboard.press('Escape');
    await widget.locator('.panel').waitFor({ state: 'hidden' });
    expect(await focusedInWidget(p)).toMatch(/^button\.launcher/);
    await p.close();
  });

  it('reconnects after a drop, gets a new token when the old one is refused, and sends what was typed meanwhile', async () => {
    const p = await openDemo(desktop);
    const widget = p.locator('aisle-widget');
    await widget.locator('.launcher').click();
    await widget.locator('.sub', { hasText: 'Online' }).waitFor();

    // The token expires and the connection drops; the token endpoint is down for a moment.
    let refused = 0;
    await p.route('**/demo/session', (route) => {
      refused += 1;
      return route.fulfill({ status: 503, body: '{"error":"down"}' });
    });
    await t.db.delete(chatSessions);
    for (const client of t.app.websocketServer.clients) client.terminate();
    const banner = widget.locator('.banner');
    await banner.waitFor({ state: 'visible' });
    await expect.poll(() => refused, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await widget.locator('.sub').textContent()).toBe('Offline');

    await widget.getByRole('textbox', { name: 'Message' }).fill('my orders');
    await p.keyboard.press('Enter');
    const queued = widget.locator('.msg.me', { hasText: 'my orders' });
    await queued.waitFor();
    expect(await queued.getAttribute('class')).toContain('queued');
    await shot(p, '8-reconnecting');

    // The endpoint is back: the next retry gets a fresh token, connects and sends the queued message.
    await p.unroute('**/demo/session');
    await widget.locator('.sub', { hasText: 'Online' }).waitFor();
    await widget.locator('.msg.bot', { hasText: 'Your recent orders' }).waitFor();
    expect(await queued.getAttribute('class')).not.toContain('queued');
    expect(await banner.isVisible()).toBe(false);
    await p.close();
  });

  it('never lets a secret key or webhook secret reach the browser', async () => {
    await Promise.all(traffic.pending);
    const html = await page.content();
    const shadow = await inPage<string>(page, `document.querySelector('aisle-widget').shadowRoot.innerHTML`);
    const script = await (await fetch(`${base}/widget.js`)).text();
    const seen = [...traffic.bodies, ...traffic.frames.map((f) => f.data), html, shadow, script].join('\n');
    // What it did see: the widget, the session token exchange and the conversation.
    expect(seen).toContain('/demo/session');
    expect(seen).toMatch(/"token":"cst_/);
    expect(seen).toContain('agent_response');
    expect(seen).not.toContain(secrets.secretKey);
    expect(seen).not.toContain(secrets.webhookSecret);
    expect(seen).not.toMatch(/whsec_/);
  });
});
