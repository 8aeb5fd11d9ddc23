// The /demo storefront's backend (AISLE_DEMO_CATALOG=auto): a demo company "Aisle Demo" and one demo shopper with a
// shipping address, made on first use; session tokens for that shopper (what an integrator's own token endpoint
// does with POST /api/v1/sessions/); and a demo payment endpoint, the company's webhook URL, that checks each
// webhook's signature and approves every balance check and charge, so buying works end to end. Nothing secret goes
// to the page: the company's secret key is never kept (it is made and dropped), its webhook secret stays here.
import { and, asc, eq, isNull, like, or } from 'drizzle-orm';
import type { Logger } from 'pino';
import { createChatSession } from '../../agent/sessions.js';
import {
  addAddress,
  companies,
  createCompany,
  listAddresses,
  registerUser,
  updateCompany,
  type CompanyRow,
} from '../../commerce/index.js';
import type { Db } from '../../db/client.js';
import { verifyWebhookSignature } from '../../webhooks/sign.js';

export const DEMO_COMPANY_NAME = 'Aisle Demo';
export const DEMO_SHOPPER_ID = 'demo-shopper';
export const DEMO_PAYMENTS_PATH = '/demo/payments';
/** Webhooks signed longer ago than this (or this far in the future) are refused, against replays. */
const MAX_SKEW_SECONDS = 300;

export type DemoIds = { companyId: string; userId: string };

/**
 * The demo company: named "Aisle Demo" with no webhook URL yet or one pointing at a /demo/payments endpoint. A
 * company that merely shares the name but sends its webhooks elsewhere is someone's real integration: left alone.
 */
export async function findDemoCompany(db: Db): Promise<CompanyRow | undefined> {
  const [row] = await db
    .select()
    .from(companies)
    .where(
      and(
        eq(companies.name, DEMO_COMPANY_NAME),
        or(isNull(companies.webhookUrl), like(companies.webhookUrl, `%${DEMO_PAYMENTS_PATH}`)),
      ),
    )
    .orderBy(asc(companies.createdAt), asc(companies.id))
    .limit(1);
  return row;
}

/** Makes the demo company and shopper if missing, and points the company's webhooks at `webhookUrl`. */
export async function ensureDemo(db: Db, webhookUrl: string, logger?: Logger): Promise<DemoIds> {
  let company = await findDemoCompany(db);
  if (!company) {
    // The secret key is dropped at once: the demo needs none (it makes session tokens itself).
    ({ company } = await createCompany(db, { name: DEMO_COMPANY_NAME, webhookUrl }));
    logger?.info({ company: company.id }, 'demo: created the demo company');
  } else if (company.webhookUrl !== webhookUrl) {
    company = await updateCompany(db, company.id, { webhookUrl });
  }
  const { user } = await registerUser(db, company.id, {
    externalUserId: DEMO_SHOPPER_ID,
    displayName: 'Demo Shopper',
  });
  if ((await listAddresses(db, company.id, user.id)).length === 0) {
    await addAddress(db, company.id, user.id, {
      label: 'Home',
      recipient_name: 'Demo Shopper',
      line1: '1 Demo Street',
      city: 'Springfield',
      state: 'IL',
      zip: '62701',
      country: 'US',
    });
  }
  return { companyId: company.id, userId: user.id };
}

export type Demo = ReturnType<typeof createDemo>;

export function createDemo(deps: { db: Db; sessionTtlSeconds: number; logger?: Logger }) {
  const { db } = deps;
  let ready: { url: string; ids: Promise<DemoIds> } | undefined;

  /** The demo's ids, made once per webhook URL (the server's address can change between runs). */
  function ensure(webhookUrl: string): Promise<DemoIds> {
    if (ready?.url !== webhookUrl) {
      const ids = ensureDemo(db, webhookUrl, deps.logger).catch((err: unknown) => {
        if (ready?.ids === ids) ready = undefined;
        throw err;
      });
      ready = { url: webhookUrl, ids };
    }
    return ready.ids;
  }

  return {
    ensure,

    /** A chat session token for the demo shopper, as an integrator's server gets from POST /api/v1/sessions/. */
    async session(webhookUrl: string) {
      const { companyId, userId } = await ensure(webhookUrl);
      return createChatSession(db, companyId, userId, deps.sessionTtlSeconds);
    },

    /** Answers one webhook: 401 unless signed with the demo company's secret; else approves and succeeds. */
    async payment(
      rawBody: string,
      headers: Record<string, string | string[] | undefined>,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const header = (name: string) => {
        const v = headers[name];
        return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
      };
      const company = await findDemoCompany(db);
      const timestamp = header('x-webhook-timestamp');
      const signature = header('x-webhook-signature');
      const age = Math.abs(Date.now() / 1000 - Number(timestamp));
      if (
        !company ||
        !/^\d+$/.test(timestamp) ||
        !(age <= MAX_SKEW_SECONDS) ||
        !verifyWebhookSignature(company.webhookSecret, timestamp, rawBody, signature)
      ) {
        return { status: 401, body: { error: 'Invalid signature' } };
      }
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { error: 'Invalid JSON' } };
      }
      const type = String(payload.type ?? payload.event ?? header('x-webhook-event'));
      if (type === 'balance_check') return { status: 200, body: { approved: true } };
      if (type === 'charge') {
        // The same event id on every attempt of one charge: the same transaction id, as a real gateway would.
        const id = header('x-webhook-id') || String(payload.order_id ?? Date.now());
        return { status: 200, body: { success: true, transaction_id: `tx_demo_${id}` } };
      }
      return { status: 200, body: { received: true } };
    },
  };
}

const FEATURED = [
  { name: 'Merino Trail Socks', store: 'Northloom Apparel', price: '$16', hue: 168 },
  { name: 'Road Runner 3', store: 'Pace & Path', price: '$129', hue: 18 },
  { name: 'Ridgeline 2P Tent', store: 'Ridgeline Outfitters', price: '$249', hue: 135 },
  { name: 'Pour-Over Kettle', store: 'Hearth & Hollow', price: '$54', hue: 38 },
  { name: 'Noise-Cancelling Buds', store: 'Voltbay', price: '$89', hue: 222 },
  { name: 'Organic Cotton Tee', store: 'Daybreak General', price: '$25', hue: 280 },
];

/** The demo storefront: a made-up shop page with the widget embedded the way an integrator would. No secrets. */
export function demoPage(): string {
  const tiles = FEATURED.map(
    (p) => `
      <li class="tile">
        <div class="art" style="--h:${p.hue}" aria-hidden="true">${p.name
          .split(' ')
          .slice(0, 2)
          .map((w) => w[0])
          .join('')}</div>
        <h3>${p.name}</h3>
        <p class="store">${p.store}</p>
        <p class="price">${p.price}</p>
      </li>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aisle Demo Store</title>
<style>
  :root { --ink: #16201d; --brand: #0f766e; --paper: #faf8f4; font-family: Georgia, "Times New Roman", serif; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--paper); color: var(--ink); }
  a { color: inherit; }
  .top { display: flex; align-items: center; gap: 24px; padding: 18px 5vw; border-bottom: 1px solid #e7e2d8; background: #fff; }
  .logo { font-size: 22px; font-weight: 700; text-decoration: none; letter-spacing: -.02em; }
  .logo span { color: var(--brand); }
  nav { display: flex; gap: 18px; flex: 1; font: 15px system-ui, sans-serif; }
  nav a, .cart { text-decoration: none; }
  .cart { font: 15px system-ui, sans-serif; }
  .hero { padding: 56px 5vw 40px; display: grid; gap: 12px; max-width: 900px; }
  .hero h1 { font-size: clamp(30px, 5vw, 52px); line-height: 1.05; margin: 0; letter-spacing: -.02em; }
  .hero p { font: 17px/1.6 system-ui, sans-serif; margin: 0; max-width: 60ch; color: #3d4a46; }
  kbd { font: 14px ui-monospace, monospace; background: #efe9dd; padding: 2px 6px; border-radius: 4px; }
  .grid { list-style: none; margin: 0; padding: 0 5vw 48px; display: grid; gap: 20px; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); }
  .tile h3 { margin: 10px 0 2px; font-size: 17px; }
  .tile p { margin: 0; font: 14px system-ui, sans-serif; color: #5b6763; }
  .tile .price { color: var(--ink); font-weight: 600; margin-top: 4px; }
  .art { aspect-ratio: 1; border-radius: 14px; display: grid; place-items: center; font-size: 44px; color: #fff;
    background: linear-gradient(135deg, hsl(var(--h) 45% 52%), hsl(calc(var(--h) + 40) 50% 38%)); }
  .how { margin: 0 5vw 48px; padding: 24px; background: #fff; border: 1px solid #e7e2d8; border-radius: 14px; font: 15px/1.6 system-ui, sans-serif; }
  .how h2 { font: 700 19px Georgia, serif; margin: 0 0 8px; }
  pre { overflow-x: auto; background: #16201d; color: #e6f2ee; padding: 14px; border-radius: 10px; font-size: 13px; }
  footer { padding: 24px 5vw 96px; font: 13px system-ui, sans-serif; color: #6b7672; border-top: 1px solid #e7e2d8; }
  aisle-widget { --aisle-accent: #0f766e; --aisle-radius: 16px; }
  @media (max-width: 600px) { nav { display: none; } .top { justify-content: space-between; } }
</style>
</head>
<body>
<header class="top">
  <a class="logo" href="/demo">Aisle<span>Demo</span></a>
  <nav aria-label="Departments"><a href="#shop">New in</a><a href="#shop">Apparel</a><a href="#shop">Outdoors</a><a href="#shop">Home</a></nav>
  <a class="cart" href="#shop">Cart (0)</a>
</header>
<main>
  <section class="hero">
    <h1>Everything for the season, one conversation away.</h1>
    <p>This is a pretend store. Open the assistant in the corner and ask, e.g. <kbd>show me socks under $20</kbd>,
      then press <b>Buy</b> on a product and <b>Confirm</b> the quote. Payments here are fake: this server approves them.</p>
  </section>
  <ul class="grid" id="shop" aria-label="Featured products">${tiles}
  </ul>
  <section class="how">
    <h2>How this page embeds the assistant</h2>
    <p>One script tag. The page asks its own server for a short-lived chat session token
      (<code>POST /demo/session</code> here; on your site, an endpoint that calls <code>POST /api/v1/sessions/</code>
      with your keys), so no API key ever reaches the browser.</p>
    <pre>&lt;script src="/widget.js" data-session-url="/demo/session" async&gt;&lt;/script&gt;</pre>
  </section>
</main>
<footer>Aisle Demo Store: a demonstration of the Aisle chat widget. Products come from Aisle's demo catalog.</footer>
<script src="/widget.js" data-session-url="/demo/session" data-title="Aisle Demo assistant" async></script>
</body>
</html>
`;
}
