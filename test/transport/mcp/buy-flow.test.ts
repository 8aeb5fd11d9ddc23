// buy_product over MCP with the real SDK Client: the human's yes through elicitation (accept, decline, cancel, a
// host that never answers), the confirmation-token path for hosts without elicitation, and double confirmation.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCompany } from '../../../src/commerce/index.js';
import { orders } from '../../../src/commerce/order-schema.js';
import { buyProduct } from '../../../src/tools/buy-product.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { connectInMemory, type OnElicit } from '../../helpers/mcp.js';
import { openShop, type Shop } from '../../helpers/shop.js';

let t: TestApp;
let s: Shop;

beforeAll(async () => {
  t = await startTestApp({ env: { AISLE_MCP_ELICITATION_TIMEOUT_MS: '300' } });
  s = await openShop(t);
});
afterAll(async () => {
  await s.close();
  await t.close();
});

type Buy = {
  status: string;
  message: string;
  quote: { confirmation_token: string } | null;
  order: { id: string; status: string } | null;
};
type Result = { isError?: boolean; structuredContent?: Buy; content: { text?: string }[] };

async function buyOver(onElicit: OnElicit | undefined, args: Record<string, unknown>) {
  const session = await connectInMemory(
    t,
    { company: await getCompany(t.db, s.company.id), user: s.user },
    onElicit,
  );
  try {
    const r = (await session.client.callTool({ name: 'buy_product', arguments: args })) as Result;
    expect(r.isError).toBeFalsy();
    // The structured output matches the tool's declared output schema.
    expect(() => buyProduct.output.parse(r.structuredContent)).not.toThrow();
    return { result: r.structuredContent!, session };
  } catch (err) {
    await session.close();
    throw err;
  }
}

const ordersOfShopper = async () => t.db.select().from(orders).where(eq(orders.userId, s.user.id));

describe('buy_product over MCP with elicitation', () => {
  it('places the order when the human accepts the quote the host shows them', async () => {
    const asked: string[] = [];
    const before = (await ordersOfShopper()).length;
    const { result, session } = await buyOver(
      async (req) => {
        asked.push(String(req.params.message));
        return { action: 'accept', content: { confirm: true } };
      },
      { variant_id: s.v['sock-v0'], quantity: 2 },
    );
    await session.close();
    expect(asked[0]).toMatch(/2 x Wool Socks \(M\) at 12\.50.*total 25\.00 USD.*Place this order\?/);
    expect(result.status).toBe('placed');
    expect(result.order!.status).toBe('PAID');
    expect((await ordersOfShopper()).length).toBe(before + 1);
  });

  it.each([
    ['declines', { action: 'decline' as const }, /said no/],
    [
      'accepts without ticking confirm',
      { action: 'accept' as const, content: { confirm: false } },
      /said no/,
    ],
    ['cancels', { action: 'cancel' as const }, /dismissed/],
  ])('places nothing when the human %s', async (_, answer, message) => {
    const before = (await ordersOfShopper()).length;
    const { result, session } = await buyOver(async () => answer, { variant_id: s.v['sock-v0'] });
    await session.close();
    expect(result.status).toBe('not_confirmed');
    expect(result.message).toMatch(message);
    expect((await ordersOfShopper()).length).toBe(before);
  });

  it('falls back to the token path when the host declares elicitation but never answers', async () => {
    const before = (await ordersOfShopper()).length;
    const { result, session } = await buyOver(() => new Promise(() => {}), { variant_id: s.v['sock-v0'] });
    try {
      expect(result.status).toBe('quote');
      expect((await ordersOfShopper()).length).toBe(before);
      const confirmed = (await session.client.callTool({
        name: 'buy_product',
        arguments: { confirmation_token: result.quote!.confirmation_token },
      })) as Result;
      expect(confirmed.structuredContent!.status).toBe('placed');
    } finally {
      await session.close();
    }
  });
});

describe('buy_product over MCP without elicitation', () => {
  it('quotes, then places on the token; a repeated confirmation returns the same order', async () => {
    const { result: quote, session } = await buyOver(undefined, { variant_id: s.v['shoe-v0'] });
    try {
      expect(quote.status).toBe('quote');
      expect(quote.order).toBeNull();
      const confirm = async () =>
        (
          (await session.client.callTool({
            name: 'buy_product',
            arguments: { confirmation_token: quote.quote!.confirmation_token },
          })) as Result
        ).structuredContent!;
      const first = await confirm();
      const second = await confirm();
      expect(first.status).toBe('placed');
      expect(second.order!.id).toBe(first.order!.id);
      expect(second.message).toMatch(/already confirmed/);
      expect(s.integrator.of('charge').filter((c) => c.payload.order_id === first.order!.id)).toHaveLength(1);
      const history = (await session.client.callTool({
        name: 'order_history',
        arguments: {},
      })) as unknown as {
        structuredContent: { orders: { id: string }[] };
      };
      expect(history.structuredContent.orders.map((o) => o.id)).toContain(first.order!.id);
    } finally {
      await session.close();
    }
  });
});

describe('buy_product over Streamable HTTP', () => {
  it('asks the human through a stateful session and places the order on their yes', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', base), {
      requestInit: { headers: { ...s.company.headers, 'x-user-id': s.user.externalUserId } },
    });
    const client = new Client(
      { name: 'http-buyer', version: '1.0.0' },
      { capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { confirm: true },
    }));
    await client.connect(transport);
    try {
      const r = (await client.callTool({
        name: 'buy_product',
        arguments: { variant_id: s.v['sock-v0'] },
      })) as Result;
      expect(r.structuredContent).toMatchObject({ status: 'placed', order: { status: 'PAID' } });
      expect(r.content[0]!.text).toMatch(/Placed and paid/);
    } finally {
      await client.close();
    }
  });
});
