// A real MCP SDK Client connected in memory to our MCP server for one binding.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CompanyRow, UserRow } from '../../src/commerce/index.js';
import { buildMcpServer } from '../../src/transport/mcp/server.js';
import type { TestApp } from './app.js';

export async function connectInMemory(t: TestApp, binding: { company: CompanyRow; user?: UserRow | null }) {
  const server = buildMcpServer(t.deps, { company: binding.company, user: binding.user ?? null });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'aisle-test', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}
