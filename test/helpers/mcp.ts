// A real MCP SDK Client connected in memory to our MCP server for one binding.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  ElicitRequestSchema,
  type ElicitRequest,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { CompanyRow, UserRow } from '../../src/commerce/index.js';
import { buildMcpServer } from '../../src/transport/mcp/server.js';
import type { TestApp } from './app.js';

/** How the test client answers elicitation requests; a client without it does not declare the capability. */
export type OnElicit = (request: ElicitRequest) => Promise<ElicitResult>;

export async function connectInMemory(
  t: TestApp,
  binding: { company: CompanyRow; user?: UserRow | null },
  onElicit?: OnElicit,
) {
  const server = buildMcpServer(t.deps, { company: binding.company, user: binding.user ?? null });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client(
    { name: 'aisle-test', version: '1.0.0' },
    { capabilities: onElicit ? { elicitation: { form: {} } } : {} },
  );
  if (onElicit) client.setRequestHandler(ElicitRequestSchema, (request) => onElicit(request));
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}
