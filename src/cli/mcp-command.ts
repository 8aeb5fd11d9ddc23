// `aisle mcp`: MCP over stdio for Claude Desktop and other local hosts. Only protocol on stdout; logs go to stderr.
// It serves from the database itself, or bridges to a running server's /mcp (--url, or automatically when a local
// server holds the embedded database).
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Command } from 'commander';
import pino from 'pino';
import { createDeps } from '../app.js';
import { authenticateCompany, getUser } from '../commerce/index.js';
import { loadConfig } from '../config.js';
import { DatabaseLockedError } from '../db/pglite-lock.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { buildMcpServer } from '../transport/mcp/server.js';
import { UsageError } from './common.js';
import { readLocalServerInfo } from './local-server.js';

type Credentials = { clientId: string; secretKey: string; userId: string | undefined };

function credentials(): Credentials {
  const clientId = process.env.AISLE_CLIENT_ID?.trim();
  const secretKey = process.env.AISLE_SECRET_KEY?.trim();
  if (!clientId || !secretKey) {
    throw new UsageError(
      'set AISLE_CLIENT_ID and AISLE_SECRET_KEY (from `aisle company create`) in the environment',
    );
  }
  return { clientId, secretKey, userId: process.env.AISLE_USER_ID?.trim() || undefined };
}

/** Pipes JSON-RPC messages both ways between the host's stdio and a server's /mcp, until either side closes. */
async function bridge(url: string, creds: Credentials): Promise<void> {
  const headers: Record<string, string> = { 'x-client-id': creds.clientId, 'x-secret-key': creds.secretKey };
  if (creds.userId) headers['x-user-id'] = creds.userId;
  const remote: Transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    requestInit: { headers },
  });
  const local: Transport = new StdioServerTransport();
  const fail = (err: Error) => process.stderr.write(`aisle mcp: ${err.message}\n`);
  local.onmessage = (m) => void remote.send(m).catch(fail);
  remote.onmessage = (m) => void local.send(m).catch(fail);
  local.onerror = fail;
  remote.onerror = fail;
  const closed = new Promise<void>((resolve) => {
    local.onclose = () => void remote.close().finally(resolve);
    remote.onclose = () => void local.close().finally(resolve);
  });
  await remote.start();
  await local.start();
  process.stderr.write(`aisle mcp: bridging stdio to ${new URL('/mcp', url).href}\n`);
  await closed;
}

async function serveStdio(creds: Credentials): Promise<void> {
  const config = loadConfig();
  // stdout carries the protocol: every log line goes to stderr.
  const logger = createLogger({ ...config, logFormat: 'json' }, pino.destination(2));
  const deps = await createDeps(config, { logger, demoCatalog: true, worker: true });
  try {
    const company = await authenticateCompany(deps.db, creds.clientId, creds.secretKey);
    if (!company) throw new AppError('unauthorized', 'AISLE_CLIENT_ID or AISLE_SECRET_KEY is not valid.');
    const user = creds.userId ? await getUser(deps.db, company.id, creds.userId) : null;
    const server = buildMcpServer(deps, { company, user }, (err) => logger.error({ err }, 'mcp tool failed'));
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
    await server.connect(transport);
    logger.info({ company: company.id, user: user?.id }, 'mcp on stdio ready');
    await closed;
  } finally {
    await deps.close();
  }
}

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description(
      'Serve the shopping tools over MCP on stdio (for Claude Desktop). Credentials from AISLE_CLIENT_ID and ' +
        'AISLE_SECRET_KEY; AISLE_USER_ID binds the session to one shopper.',
    )
    .option(
      '--url <url>',
      "bridge to a running Aisle server's /mcp instead of opening the database (or AISLE_SERVER_URL)",
    )
    .action(async (opts: { url?: string }) => {
      const creds = credentials();
      // AISLE_SERVER_URL is --url for hosts that configure by environment (the MCP bundle); empty = unset.
      const url = opts.url ?? (process.env.AISLE_SERVER_URL?.trim() || undefined);
      if (url) return bridge(url, creds);
      try {
        await serveStdio(creds);
      } catch (err) {
        // A server holds the embedded database: serve through it.
        const server =
          err instanceof DatabaseLockedError ? await readLocalServerInfo(loadConfig().dataDir) : null;
        if (!server) throw err;
        await bridge(server.url, creds);
      }
    });
}
