import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCompany, getUser, registerUser } from '../../../src/commerce/index.js';
import { companies } from '../../../src/commerce/schema.js';
import { eq } from 'drizzle-orm';
import { TOOL_NAMES } from '../../../src/tools/index.js';
import { createTestCompany, startTestApp, type TestApp, type TestCompany } from '../../helpers/app.js';
import { connectInMemory } from '../../helpers/mcp.js';

let t: TestApp;
let a: TestCompany;
let b: TestCompany;

beforeAll(async () => {
  t = await startTestApp({ demoCatalog: true });
  a = await createTestCompany(t.db, 'A');
  b = await createTestCompany(t.db, 'B');
  await registerUser(t.db, b.id, { externalUserId: 'bob' });
});
afterAll(() => t.close());

type Result = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
};
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

describe('MCP over an in-memory transport, unbound to a shopper', () => {
  it('lists exactly the eight tools with input and output schemas, annotations and instructions', async () => {
    const s = await connectInMemory(t, { company: await getCompany(t.db, a.id) });
    try {
      const { tools } = await s.client.listTools();
      expect(tools.map((x) => x.name)).toEqual([
        'search_products',
        'get_product',
        'register_user',
        'add_address',
        'get_addresses',
        'check_balance',
        'buy_product',
        'order_history',
      ]);
      expect(tools.map((x) => x.name)).toEqual(TOOL_NAMES);
      for (const tool of tools) {
        expect(tool.description!.length).toBeGreaterThan(60);
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.outputSchema?.type).toBe('object');
        expect(tool.annotations).toMatchObject({
          readOnlyHint: expect.any(Boolean),
          destructiveHint: expect.any(Boolean),
        });
      }
      const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
      expect(byName.add_address!.inputSchema.properties).toHaveProperty('user_id');
      expect(byName.buy_product!.annotations?.destructiveHint).toBe(true);
      expect(byName.search_products!.annotations?.readOnlyHint).toBe(true);
      expect(s.client.getInstructions()).toMatch(/only after the shopper explicitly says yes/);
    } finally {
      await s.close();
    }
  });

  it('calls each tool: structured content matching the output schema plus text, or an actionable error', async () => {
    const s = await connectInMemory(t, { company: await getCompany(t.db, a.id) });
    try {
      const call = (name: string, args: Record<string, unknown>) =>
        s.client.callTool({ name, arguments: args }) as Promise<Result>;

      const search = await call('search_products', { query: 'tent under $300', limit: 3 });
      expect(search.isError).toBeFalsy();
      const products = (
        search.structuredContent as { products: { id: string; variants: { id: string }[] }[] }
      ).products;
      expect(products).toHaveLength(3);
      expect(text(search)).toMatch(/products found/);

      const product = await call('get_product', { product_id: products[0]!.id });
      expect((product.structuredContent as { product: { id: string } }).product.id).toBe(products[0]!.id);

      const reg = await call('register_user', { external_user_id: 'alice', display_name: 'Alice' });
      expect(reg.structuredContent).toMatchObject({ created: true, user: { external_user_id: 'alice' } });

      const added = await call('add_address', {
        user_id: 'alice',
        line1: '1 Main St',
        city: 'Boston',
        zip: '02110',
        country: 'US',
      });
      expect(added.structuredContent).toMatchObject({ address: { city: 'Boston', is_default: true } });
      const listed = await call('get_addresses', { user_id: 'alice' });
      expect((listed.structuredContent as { addresses: unknown[] }).addresses).toHaveLength(1);

      // This company has no webhook URL: money tools say so instead of pretending.
      for (const [name, args] of [
        ['check_balance', { user_id: 'alice', amount: '10.00' }],
        ['buy_product', { user_id: 'alice', variant_id: products[0]!.variants[0]!.id }],
      ] as const) {
        const r = await call(name, args);
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(
          /Payments are not set up for this shop yet.*\(code: payments_not_configured\)/,
        );
      }
      const history = await call('order_history', { user_id: 'alice' });
      expect(history.structuredContent).toEqual({ orders: [] });
      expect(text(history)).toBe('No orders yet.');
    } finally {
      await s.close();
    }
  });

  it('turns bad input and missing shoppers into errors a model can act on', async () => {
    const s = await connectInMemory(t, { company: await getCompany(t.db, a.id) });
    try {
      const bad = (await s.client.callTool({
        name: 'get_product',
        arguments: { product_id: 'shoe' },
      })) as Result;
      expect(bad.isError).toBe(true);
      expect(text(bad)).toMatch(/product_id/);
      const noUser = (await s.client.callTool({ name: 'get_addresses', arguments: {} })) as Result;
      expect(text(noUser)).toMatch(/pass user_id.*\(code: user_required\)/);
      // Another company's shopper does not exist for this company.
      const other = (await s.client.callTool({
        name: 'get_addresses',
        arguments: { user_id: 'bob' },
      })) as Result;
      expect(other.isError).toBe(true);
      expect(text(other)).toMatch(/code: user_not_found/);
    } finally {
      await s.close();
    }
  });
});

describe('MCP bound to a shopper', () => {
  it('hides user_id from the model and acts for that shopper only', async () => {
    const company = await getCompany(t.db, a.id);
    const { user } = await registerUser(t.db, a.id, { externalUserId: 'carol' });
    const s = await connectInMemory(t, { company, user });
    try {
      const { tools } = await s.client.listTools();
      for (const tool of tools) expect(tool.inputSchema.properties ?? {}).not.toHaveProperty('user_id');
      await s.client.callTool({
        name: 'add_address',
        arguments: { line1: '2 Elm St', city: 'Austin', country: 'US' },
      });
      const mine = (await s.client.callTool({ name: 'get_addresses', arguments: {} })) as Result;
      expect(
        (mine.structuredContent as { addresses: { city: string }[] }).addresses.map((x) => x.city),
      ).toEqual(['Austin']);
      // A model that names another shopper anyway is refused.
      const sneaky = (await s.client.callTool({
        name: 'get_addresses',
        arguments: { user_id: 'alice' },
      })) as Result;
      expect(sneaky.isError).toBe(true);
      expect(text(sneaky)).toMatch(/user_id/);
      const reg = (await s.client.callTool({
        name: 'register_user',
        arguments: { external_user_id: 'mallory' },
      })) as Result;
      expect(text(reg)).toMatch(/code: user_mismatch/);
      expect(await getUser(t.db, a.id, 'carol')).toBeTruthy();
    } finally {
      await s.close();
    }
  });
});

describe('tool restrictions', () => {
  it('serve only the tools a company allows, for every call', async () => {
    await t.db
      .update(companies)
      .set({ allowedTools: ['search_products', 'get_product'] })
      .where(eq(companies.id, b.id));
    const s = await connectInMemory(t, { company: await getCompany(t.db, b.id) });
    try {
      expect((await s.client.listTools()).tools.map((x) => x.name)).toEqual([
        'search_products',
        'get_product',
      ]);
      const r = (await s.client.callTool({
        name: 'buy_product',
        arguments: { variant_id: 'var_x' },
      })) as Result;
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/not found/i);
    } finally {
      await s.close();
    }
  });
});

describe('prompts and resources', () => {
  it('offer a shop prompt and product:// resources', async () => {
    const s = await connectInMemory(t, { company: await getCompany(t.db, a.id) });
    try {
      const prompt = await s.client.getPrompt({ name: 'shop', arguments: { request: 'a tent' } });
      expect(JSON.stringify(prompt.messages)).toMatch(/The shopper asks: a tent/);
      const search = (await s.client.callTool({
        name: 'search_products',
        arguments: { query: 'headlamp', limit: 1 },
      })) as Result;
      const id = (search.structuredContent as { products: { id: string }[] }).products[0]!.id;
      const res = await s.client.readResource({ uri: `product://${id}` });
      expect(JSON.parse((res.contents[0] as { text: string }).text)).toMatchObject({ id });
    } finally {
      await s.close();
    }
  });
});
