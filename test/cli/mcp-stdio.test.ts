// `aisle mcp` as Claude Desktop runs it: a child process speaking MCP on stdio, driven by the SDK's own client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  cleanupProcesses,
  makeTempDir,
  REPO_ROOT,
  runCliJson,
  startServer,
  type CreatedCompany,
} from '../helpers/process.js';

afterAll(cleanupProcesses);

async function stdioClient(env: Record<string, string>, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'bin/aisle.js'), 'mcp', ...args],
    env: childEnv({ AISLE_DEMO_CATALOG: 'off', ...env }) as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'desktop-like', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type Result = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { text?: string }[];
};

describe('aisle mcp (stdio)', () => {
  it('serves the tools from its own embedded database', async () => {
    const dataDir = await makeTempDir();
    const company = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Desk', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    const client = await stdioClient({
      AISLE_DATA_DIR: dataDir,
      AISLE_CLIENT_ID: company.client_id,
      AISLE_SECRET_KEY: company.secret_key,
    });
    try {
      expect((await client.listTools()).tools).toHaveLength(8);
      const reg = (await client.callTool({
        name: 'register_user',
        arguments: { external_user_id: 'dana' },
      })) as Result;
      expect(reg.structuredContent).toMatchObject({ created: true });
      const search = (await client.callTool({
        name: 'search_products',
        arguments: { query: 'tent' },
      })) as Result;
      expect(search.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('bridges to the running server that holds the embedded database, and binds a shopper', async () => {
    const dataDir = await makeTempDir();
    const server = await startServer({ AISLE_DATA_DIR: dataDir, AISLE_DEMO_CATALOG: 'auto' });
    const company = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Desk', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    await fetch(`${server.baseUrl}/api/v1/users/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-client-id': company.client_id,
        'x-secret-key': company.secret_key,
      },
      body: JSON.stringify({ external_user_id: 'erin' }),
    });
    const client = await stdioClient({
      AISLE_DATA_DIR: dataDir,
      AISLE_CLIENT_ID: company.client_id,
      AISLE_SECRET_KEY: company.secret_key,
      AISLE_USER_ID: 'erin',
    });
    try {
      const { tools } = await client.listTools();
      expect(tools.find((x) => x.name === 'get_addresses')!.inputSchema.properties ?? {}).not.toHaveProperty(
        'user_id',
      );
      const search = (await client.callTool({
        name: 'search_products',
        arguments: { query: 'tent under $300' },
      })) as Result;
      expect((search.structuredContent as { total: number }).total).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('writes nothing but JSON-RPC to stdout, even with debug logs on', async () => {
    const dataDir = await makeTempDir();
    const company = await runCliJson<CreatedCompany>(['company', 'create', '--name', 'Raw', '--json'], {
      AISLE_DATA_DIR: dataDir,
    });
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/aisle.js'), 'mcp'], {
      env: childEnv({
        AISLE_DATA_DIR: dataDir,
        AISLE_DEMO_CATALOG: 'off',
        LOG_LEVEL: 'debug',
        AISLE_CLIENT_ID: company.client_id,
        AISLE_SECRET_KEY: company.secret_key,
      }),
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    while (!stdout.includes('"id":2')) await new Promise((r) => setTimeout(r, 100));
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });

  it('refuses bad credentials', async () => {
    const dataDir = await makeTempDir();
    await expect(
      stdioClient({ AISLE_DATA_DIR: dataDir, AISLE_CLIENT_ID: 'cid_x', AISLE_SECRET_KEY: 'sk_x' }),
    ).rejects.toThrow();
  });
});
