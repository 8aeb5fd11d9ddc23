// The offline agent end to end: the real loop, the real tools and checkout, a fake integrator for payments.
// What a fresh `npm start` gives: search with filters, details, saving an address, a quote, buying on "yes",
// order history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCompany } from '../../src/commerce/index.js';
import type { ToolContext } from '../../src/tools/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { openShop, type Shop } from '../helpers/shop.js';

let t: TestApp;
let s: Shop;
let ctx: ToolContext;

beforeAll(async () => {
  t = await startTestApp();
  s = await openShop(t);
  ctx = { ...(await s.ctx()), company: await getCompany(t.db, s.company.id) };
});
afterAll(async () => {
  await s.close();
  await t.close();
});

const say = (text: string) => t.deps.agent.chat(ctx, text);

describe('the offline agent, through the loop and the tools', () => {
  it('is the agent when no API key is set, and says so', async () => {
    expect(t.deps.agent.model).toMatchObject({ model: 'offline', offline: true });
    const hello = await say('hello');
    expect(hello.message).toMatch(/^\[Offline assistant\] /);
    const health = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.json().agent).toEqual({ mode: 'offline', model: 'offline' });
  });

  it('searches with a price filter and shows the products', async () => {
    const turn = await say('show me socks under $20');
    expect(turn.products?.map((p) => p.title)).toContain('Wool Socks');
    expect(turn.products?.every((p) => Number(p.price) < 20)).toBe(true);
    expect(turn.message).toMatch(/Wool Socks/);
  });

  it('gives details of a result by its number', async () => {
    const turn = await say('tell me more about the first one');
    expect(turn.products).toHaveLength(1);
    expect(turn.message).toMatch(/12\.50/);
  });

  it('quotes, then buys only on yes, then lists the order', async () => {
    const quote = await say('buy 2 of the first one');
    expect(quote.message).toMatch(/25\.00/);
    expect(quote.message).toMatch(/yes/i);
    expect(quote.order).toBeUndefined();
    const placed = await say('yes');
    expect(placed.order).toMatchObject({ status: 'PAID', amount: '25.00' });
    expect(s.integrator.of('charge')).toHaveLength(1);
    const history = await say('my orders');
    expect(history.message).toContain(placed.order!.id);
  });

  it('saves an address from a sentence', async () => {
    const turn = await say('ship to 1 Elm St, Boston, MA 02110');
    expect(turn.message).toMatch(/Boston/);
    const listed = await say('my addresses');
    expect(listed.message).toMatch(/1 Elm St/);
  });

  it('places nothing on "no"', async () => {
    await say('search wool socks');
    await say('buy the first one');
    const no = await say('no');
    expect(no.order).toBeUndefined();
    expect(no.message).toMatch(/won't place/i);
    expect(s.integrator.of('charge')).toHaveLength(1);
  });
});
