// `npm run bench:mcp`: what our MCP server adds to a tool call. Side by side in one run: a bare MCP SDK server with
// one no-op tool, and ours answering search_products on the demo catalog; over an in-memory transport and over
// Streamable HTTP on loopback. Prints one JSON document.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import pino from 'pino';
import { buildApp, createDeps } from '../../src/app.js';
import { createCompany, getCompany } from '../../src/commerce/index.js';
import { loadConfig } from '../../src/config.js';
import { buildMcpServer } from '../../src/transport/mcp/server.js';
import { percentile } from '../search/metrics.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const SEARCH = {
  name: 'search_products',
  arguments: { query: 'running shoes under $150 in size 10', limit: 8 },
};
const NOOP = { name: 'noop', arguments: {} };

function bareServer() {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool('noop', { description: 'Does nothing.' }, async () => ({
    content: [{ type: 'text', text: 'ok' }],
  }));
  return server;
}

async function inMemory(server: McpServer) {
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1' });
  await Promise.all([server.connect(b), client.connect(a)]);
  return client;
}

async function overHttp(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

type Call = { name: string; arguments: Record<string, unknown> };
const ms = (x: number) => Math.round(x * 1000) / 1000;

/** Both servers' round trips, calls alternating, so drift in the machine's speed falls on both alike. */
async function measurePair(bare: Client, bareCall: Call, ours: Client, oursCall: Call) {
  const times: [number[], number[]] = [[], []];
  const pairs: [Client, Call][] = [
    [bare, bareCall],
    [ours, oursCall],
  ];
  for (let i = 0; i < 50; i++) for (const [c, call] of pairs) await c.callTool(call);
  for (let i = 0; i < CALLS; i++) {
    for (const [k, [c, call]] of pairs.entries()) {
      const t0 = performance.now();
      const r = await c.callTool(call);
      times[k]!.push(performance.now() - t0);
      if (r.isError) throw new Error(`${call.name} failed: ${JSON.stringify(r.content)}`);
    }
  }
  const [b, o] = times.map((xs) => {
    const sorted = [...xs].sort((x, y) => x - y);
    return { calls: sorted.length, p50_ms: ms(percentile(sorted, 50)), p99_ms: ms(percentile(sorted, 99)) };
  });
  return { bare: b!, ours: o!, overhead_p50_ms: ms(o!.p50_ms - b!.p50_ms) };
}

// A bare SDK server over HTTP: one stateful session, the SDK's own transport on node:http.
async function bareHttpServer() {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const sid = req.headers['mcp-session-id'] as string | undefined;
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, t),
      });
      await bareServer().connect(t);
      transport = t;
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, close: () => http.close() };
}

const deps = await createDeps(loadConfig({ LOG_LEVEL: 'silent' }), {
  database: { driver: 'pglite', dir: null },
  demoCatalog: true,
  logger: pino({ level: 'silent' }),
});
const created = await createCompany(deps.db, { name: 'Bench' });
const company = await getCompany(deps.db, created.company.id);

const bareMem = await inMemory(bareServer());
const oursMem = await inMemory(buildMcpServer(deps, { company, user: null }));
const memory = await measurePair(bareMem, NOOP, oursMem, SEARCH);

const app = await buildApp(deps);
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as AddressInfo).port;
const bareHttp = await bareHttpServer();
const httpBareClient = await overHttp(bareHttp.url);
const httpOursClient = await overHttp(`http://127.0.0.1:${port}/mcp`, {
  'x-client-id': created.company.clientId,
  'x-secret-key': created.secretKey,
});
const http = await measurePair(httpBareClient, NOOP, httpOursClient, SEARCH);

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'mcp-tool-call-overhead',
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
      method:
        'p50 of callTool round trips, bare and ours alternating, after 50 warm-up pairs; ours = search_products ("running shoes under $150 in size 10", 8 results) on the demo catalog, embedded search and PGlite; bare = MCP SDK server with one no-op tool',
      target_overhead_p50_ms: 2,
      in_memory: memory,
      http,
    },
    null,
    2,
  )}\n`,
);
await Promise.all([bareMem.close(), oursMem.close(), httpBareClient.close(), httpOursClient.close()]);
bareHttp.close();
await app.close();
await deps.close();
