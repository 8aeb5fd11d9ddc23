import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSecretKey } from '../../../src/commerce/index.js';
import { createTestCompany, startTestApp, type TestApp, type TestCompany } from '../../helpers/app.js';

let t: TestApp;
let base: string;
let a: TestCompany;
let b: TestCompany;

beforeAll(async () => {
  t = await startTestApp({ demoCatalog: true });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  a = await createTestCompany(t.db, 'A');
  b = await createTestCompany(t.db, 'B');
});
afterAll(() => t.close());

async function connect(headers: Record<string, string>) {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', base), { requestInit: { headers } });
  const client = new Client({ name: 'aisle-http-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

const rpc = (headers: Record<string, string>, body: unknown) =>
  fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });

describe('MCP over Streamable HTTP at /mcp', () => {
  it('serves the eight tools to a client with X-Client-ID / X-Secret-Key, in a session', async () => {
    const { client, transport } = await connect(a.headers);
    try {
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await client.listTools()).tools).toHaveLength(8);
      const r = (await client.callTool({
        name: 'search_products',
        arguments: { query: 'headlamp', limit: 2 },
      })) as unknown as {
        structuredContent: { products: unknown[] };
      };
      expect(r.structuredContent.products).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('accepts the secret key as a bearer token', async () => {
    const { client } = await connect({ authorization: `Bearer ${b.secretKey}` });
    try {
      expect((await client.listTools()).tools.map((x) => x.name)).toContain('search_products');
    } finally {
      await client.close();
    }
  });

  it('refuses bad credentials with 401', async () => {
    await expect(connect({ 'x-client-id': a.clientId, 'x-secret-key': 'sk_wrong' })).rejects.toThrow(/401/);
    const res = await rpc({}, { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'invalid_credentials' });
  });

  it("never lets one company use another's session: 404, like an unknown or closed session", async () => {
    const { client, transport } = await connect(a.headers);
    const sid = transport.sessionId!;
    const ping = { jsonrpc: '2.0', id: 7, method: 'ping' };
    const versionHeader = { 'mcp-protocol-version': '2025-11-25' };
    expect((await rpc({ ...a.headers, ...versionHeader, 'mcp-session-id': sid }, ping)).status).toBe(200);
    expect((await rpc({ ...b.headers, ...versionHeader, 'mcp-session-id': sid }, ping)).status).toBe(404);
    expect(
      (await rpc({ ...a.headers, ...versionHeader, 'mcp-session-id': 'no-such-session' }, ping)).status,
    ).toBe(404);
    await transport.terminateSession();
    await client.close();
    expect((await rpc({ ...a.headers, ...versionHeader, 'mcp-session-id': sid }, ping)).status).toBe(404);
  });

  it('checks credentials that differ from those that opened the session in full', async () => {
    const c = await createTestCompany(t.db, 'Rotating');
    const { client, transport } = await connect(c.headers);
    const sid = transport.sessionId!;
    const ping = { jsonrpc: '2.0', id: 9, method: 'ping' };
    const v = { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sid };
    const { secretKey } = await rotateSecretKey(t.db, c.id);
    // The new key of the same company carries on the session; a wrong key is refused outright.
    expect((await rpc({ 'x-client-id': c.clientId, 'x-secret-key': secretKey, ...v }, ping)).status).toBe(
      200,
    );
    expect((await rpc({ 'x-client-id': c.clientId, 'x-secret-key': 'sk_wrong', ...v }, ping)).status).toBe(
      401,
    );
    await client.close();
  });

  it('asks for initialize before anything else', async () => {
    const res = await rpc(a.headers, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(400);
  });

  it('refuses foreign Host and Origin headers (DNS rebinding)', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const evilOrigin = await rpc({ ...a.headers, origin: 'http://evil.example.com' }, init);
    expect(evilOrigin.status).toBe(403);
    const local = await rpc({ ...a.headers, origin: 'http://localhost:3000' }, init);
    expect(local.status).toBe(200);
  });
});

describe('resumable streams', () => {
  it('replays what a client missed after Last-Event-ID', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const opened = await rpc(a.headers, init);
    const session = opened.headers.get('mcp-session-id')!;
    await opened.text();
    const headers = { ...a.headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    await (await rpc(headers, { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    const call = await rpc(headers, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'search_products', arguments: { query: 'tent', limit: 1 } },
    });
    const sse = await call.text();
    // The stream opens with an event that carries only an id: the point a client resumes from.
    const ids = [...sse.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const replay = await fetch(`${base}/mcp`, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': ids[0]! },
      signal: AbortSignal.timeout(2000),
    });
    expect(replay.status).toBe(200);
    const reader = replay.body!.getReader();
    let text = '';
    while (!text.includes('"id":2')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toContain(`id: ${ids[1]}`);
    expect(text).toMatch(/"result":\{.*"products"/);
  });
});
