// MCP over Streamable HTTP at /mcp: stateful sessions (elicitation needs them), each bound to the company whose
// credentials opened it, answered by its own McpServer. Host and Origin are checked against DNS rebinding.
import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../app.js';
import {
  authenticateCompany,
  authenticateCompanyBySecret,
  getUser,
  type CompanyRow,
} from '../../commerce/index.js';
import { AppError } from '../../errors.js';
import { SessionEventStore } from './event-store.js';
import { buildMcpServer } from './server.js';

type Session = {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  companyId: string;
  /** Digest of the credentials last verified for this session, and when. */
  credentials: string;
  verifiedAt: number;
  lastSeen: number;
};

/** How long verified credentials are trusted within a session: a rotated key stops working within this. */
const REVERIFY_MS = 10_000;

/** A digest of whatever credentials the request presents (headers, bearer or URL), to compare with a session's. */
function credentialDigest(request: FastifyRequest): string {
  const q = request.query as Record<string, unknown>;
  const parts = [
    request.headers['x-client-id'] ?? q.client_id,
    request.headers['x-secret-key'] ?? q.secret_key,
    request.headers.authorization,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Sessions idle this long are closed; clients open a new one (a 404 tells them to). */
const IDLE_MS = 30 * 60_000;

function hostAllowed(value: string | undefined, allowed: string[]): boolean {
  if (allowed.includes('*')) return true;
  if (!value) return false;
  let host: string;
  try {
    host = new URL(value.includes('://') ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    allowed.includes(host) || allowed.includes(`[${host}]`) || allowed.includes(host.replace(/^\[|\]$/g, ''))
  );
}

/** The request as the SDK's web-standard transport takes it; the body is passed already parsed. */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, v);
  }
  // Host and Origin were checked already; the URL's host is not used past here (and a bad Host cannot fail it).
  return new Request(new URL(request.url, 'http://localhost'), {
    method: request.method,
    headers,
  });
}

/**
 * Sends the transport's web Response on the raw socket: headers at once (a client of the SSE stream waits for them),
 * then each event as it is written. The SDK's Node wrapper (via @hono/node-server) waits a timer tick when a stream's
 * first chunk is ready but the second is not, which is every tool call once the priming event of resumable streams
 * goes first: about 1 ms added to each call.
 */
async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  res.flushHeaders();
  // A client that goes away ends the pipeline, which cancels the stream: the transport then forgets it.
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res).catch(() => {});
}

/** Hands the request to the session's transport and streams its answer. */
async function serve(
  transport: WebStandardStreamableHTTPServerTransport,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.hijack();
  let response: Response;
  try {
    response = await transport.handleRequest(webRequest(request), { parsedBody: request.body });
  } catch (err) {
    request.log.error({ err }, 'mcp request failed');
    response = Response.json(
      { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null },
      { status: 500 },
    );
  }
  await sendResponse(reply.raw, response);
}

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.status(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

// Credentials come as headers, a bearer secret key, or (for hosts that take only a URL, as the reference's socket does)
// ?client_id=&secret_key= in the URL; logs redact the latter.
async function companyOf(request: FastifyRequest, deps: Deps): Promise<CompanyRow> {
  const query = request.query as Record<string, unknown>;
  const clientId = request.headers['x-client-id'] ?? query.client_id;
  const secretKey = request.headers['x-secret-key'] ?? query.secret_key;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const company =
    typeof clientId === 'string' && typeof secretKey === 'string'
      ? await authenticateCompany(deps.db, clientId, secretKey)
      : bearer
        ? await authenticateCompanyBySecret(deps.db, bearer)
        : null;
  if (!company) {
    throw new AppError(
      'unauthorized',
      'Send X-Client-ID and X-Secret-Key headers, Authorization: Bearer <secret key>, or ?client_id=&secret_key= in the URL.',
      { code: 'invalid_credentials' },
    );
  }
  return company;
}

export async function registerMcpHttp(app: FastifyInstance, deps: Deps): Promise<void> {
  const sessions = new Map<string, Session>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const s of sessions.values()) if (now - s.lastSeen > IDLE_MS) void s.transport.close();
  }, 60_000);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await Promise.all([...sessions.values()].map((s) => s.transport.close()));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { allowedHosts } = deps.config;
    const origin = request.headers.origin;
    if (!hostAllowed(request.headers.host, allowedHosts) || (origin && !hostAllowed(origin, allowedHosts))) {
      return jsonRpcError(
        reply,
        403,
        -32000,
        'Forbidden: this Host or Origin is not allowed (AISLE_ALLOWED_HOSTS).',
      );
    }
    const sessionId = request.headers['mcp-session-id'];
    const presented = credentialDigest(request);

    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      const now = Date.now();
      // The credentials that opened the session, checked again within REVERIFY_MS, are taken without a database
      // round trip; anything else is checked in full. Another company's session id is as unknown as a made-up one.
      const recent = session && presented === session.credentials && now - session.verifiedAt < REVERIFY_MS;
      if (session && !recent) {
        const company = await companyOf(request, deps);
        if (company.id === session.companyId) {
          session.credentials = presented;
          session.verifiedAt = now;
        } else return jsonRpcError(reply, 404, -32001, 'Session not found');
      }
      if (!session) {
        await companyOf(request, deps); // bad credentials are a 401 before a missing session is a 404
        return jsonRpcError(reply, 404, -32001, 'Session not found');
      }
      session.lastSeen = now;
      return serve(session.transport, request, reply);
    }
    const company = await companyOf(request, deps);
    if (request.method !== 'POST' || !isInitializeRequest(request.body)) {
      return jsonRpcError(
        reply,
        400,
        -32000,
        'Bad Request: send initialize first, then the Mcp-Session-Id it returns.',
      );
    }

    const userRef = request.headers['x-user-id'] ?? (request.query as Record<string, unknown>).user_id;
    const user = typeof userRef === 'string' && userRef ? await getUser(deps.db, company.id, userRef) : null;
    const server = buildMcpServer(deps, { company, user }, (err) =>
      request.log.error({ err }, 'mcp tool failed'),
    );
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(),
      onsessioninitialized: (id) => {
        const now = Date.now();
        sessions.set(id, {
          transport,
          server,
          companyId: company.id,
          credentials: presented,
          verifiedAt: now,
          lastSeen: now,
        });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      void server.close();
    };
    await server.connect(transport);
    return serve(transport, request, reply);
  };

  app.route({ method: ['GET', 'POST', 'DELETE'], url: '/mcp', schema: { hide: true }, handler });
}
