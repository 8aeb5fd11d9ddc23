// The chat socket, exactly as the reference: /ws/agent/?client_id=&secret_key=&user_id= (or ?token= from
// POST /api/v1/sessions/), {"message": …} in, {"type": "agent_response", "message", "products"?, "order"?} out,
// closing with 4001 (bad credentials), 4004 (unknown user), 4029 (too many messages). Error events carry a `message`
// too. Beyond the reference, for clients that ask with ?stream=1: agent_response_delta (streamed text) and tool_call
// (progress) events; off by default, because the reference's own examples read the first event as the answer.
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket, RawData } from 'ws';
import type { Deps } from '../../app.js';
import type { Agent } from '../../agent/agent.js';
import { resolveChatSession } from '../../agent/sessions.js';
import { authenticateCompany, findUser, type CompanyRow, type UserRow } from '../../commerce/index.js';
import type { Metrics } from '../../metrics.js';
import type { ToolContext } from '../../tools/index.js';

export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  authFailed: 4001,
  userNotFound: 4004,
  rateLimited: 4029,
} as const;

/** On shutdown, how long the turns in flight may still take before their sockets are closed (1001) anyway. */
export const SHUTDOWN_DRAIN_MS = 20_000;

type Binding = { company: CompanyRow; user: UserRow } | { close: number; reason: string };

type ChatDeps = Omit<Deps, 'metrics'> & { agent: Agent; metrics?: Metrics };

async function bind(deps: ChatDeps, query: Record<string, string | undefined>): Promise<Binding> {
  if (query.token) {
    const session = await resolveChatSession(deps.db, query.token);
    return (
      session ?? { close: CLOSE.authFailed, reason: 'Authentication failed: the token is unknown or expired' }
    );
  }
  const { client_id: clientId, secret_key: secretKey, user_id: userId } = query;
  const company = clientId && secretKey ? await authenticateCompany(deps.db, clientId, secretKey) : null;
  if (!company) return { close: CLOSE.authFailed, reason: 'Authentication failed: invalid credentials' };
  const user = userId ? await findUser(deps.db, company.id, userId) : undefined;
  if (!user) return { close: CLOSE.userNotFound, reason: 'User not found: register the user first' };
  return { company, user };
}

const send = (socket: WebSocket, event: Record<string, unknown>) => {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
};

/** Parses one client frame into the shopper's text, or an error event to send back. */
function readMessage(
  data: RawData,
  maxChars: number,
): { text: string } | { error: { code: string; message: string } } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString());
  } catch {
    return {
      error: { code: 'invalid_json', message: 'Send JSON such as {"message": "Find me running shoes"}.' },
    };
  }
  const text = (parsed as { message?: unknown } | null)?.message;
  if (typeof text !== 'string' || !text.trim()) {
    return { error: { code: 'invalid_message', message: 'Send {"message": "…"} with the shopper\'s text.' } };
  }
  if (text.length > maxChars) {
    return {
      error: { code: 'message_too_long', message: `Messages are limited to ${maxChars} characters.` },
    };
  }
  return { text: text.trim() };
}

export async function registerChatSocket(app: FastifyInstance, deps: ChatDeps): Promise<void> {
  const { chat } = deps.config;
  const sockets = new Set<WebSocket>();
  /** Each socket's turns in flight (until their answer is sent): on shutdown a socket closes once they are done. */
  const turns = new Map<WebSocket, Set<Promise<void>>>();
  let closing = false;
  // Shutting down: no new turns; each socket gets the answers of its turns in flight (for up to SHUTDOWN_DRAIN_MS),
  // then 1001. Meanwhile new HTTP requests and sockets are refused, so a load balancer moves on. (This replaces the
  // plugin's own preClose, which would close every socket at once without a code.)
  const drain = async () => {
    closing = true;
    let timer: NodeJS.Timeout | undefined;
    let late = false;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS)));
    void deadline.then(() => (late = true));
    await Promise.all(
      [...sockets].map(async (s) => {
        // A socket still authenticating holds frames that arrived before the shutdown: their turns count too.
        const pending = turns.get(s);
        while (pending?.size && !late) await Promise.race([Promise.allSettled([...pending]), deadline]);
        s.close(CLOSE.goingAway, 'Server shutting down');
        setTimeout(() => s.terminate(), 2000).unref(); // a peer that never answers the close frame
      }),
    );
    clearTimeout(timer);
  };
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 }, preClose: drain });

  app.get('/ws/agent/', { websocket: true, schema: { hide: true } }, (socket, request: FastifyRequest) => {
    if (closing) return socket.close(CLOSE.goingAway, 'Server shutting down');
    sockets.add(socket);
    const pending = new Set<Promise<void>>();
    turns.set(socket, pending);
    deps.metrics?.chatSockets.inc();
    // Frames can arrive before authentication finishes: hold them until the socket is bound.
    const early: RawData[] = [];
    let onFrame: (data: RawData) => void = (data) => void early.push(data);
    socket.on('message', (data: RawData) => {
      if (!closing) return onFrame(data);
      send(socket, {
        type: 'error',
        code: 'server_shutting_down',
        message: 'The server is restarting: reconnect and send this again.',
        retryable: true,
      });
    });

    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, chat.heartbeatMs);
    socket.on('close', () => {
      clearInterval(heartbeat);
      sockets.delete(socket);
      turns.delete(socket);
      deps.metrics?.chatSockets.dec();
    });

    const bound = (async () => {
      const binding = await bind(deps, request.query as Record<string, string | undefined>).catch(
        (err: Error) => {
          request.log.error({ err }, 'chat socket: authentication failed unexpectedly');
          return { close: 1011, reason: 'Server error' };
        },
      );
      if ('close' in binding) return socket.close(binding.close, binding.reason);
      const ctx: ToolContext = {
        company: binding.company,
        user: binding.user,
        services: { db: deps.db, catalog: deps.catalog, checkout: deps.checkout },
      };
      const query = request.query as Record<string, string | undefined>;
      const streaming = query.stream === '1' || query.stream === 'true';
      const sent: number[] = [];
      onFrame = (data) => {
        const now = Date.now();
        while (sent.length && now - sent[0]! > 60_000) sent.shift();
        sent.push(now);
        if (sent.length > chat.messagesPerMinute) {
          send(socket, {
            type: 'error',
            code: 'rate_limited',
            message: `Too many messages: the limit is ${chat.messagesPerMinute} a minute.`,
          });
          return socket.close(CLOSE.rateLimited, 'Rate limited: too many messages');
        }
        const read = readMessage(data, chat.maxMessageChars);
        if ('error' in read) return send(socket, { type: 'error', ...read.error });
        const turn: Promise<void> = deps.agent
          .chat(ctx, read.text, (event) => {
            if (!streaming) return;
            if (event.type === 'delta') send(socket, { type: 'agent_response_delta', delta: event.text });
            else
              send(socket, {
                type: 'tool_call',
                tool: event.tool,
                id: event.id,
                status: event.status,
                ...(event.error && { error: event.error }),
              });
          })
          .then((turn) => {
            send(socket, {
              type: 'agent_response',
              message: turn.message,
              ...(turn.products && { products: turn.products }),
              ...(turn.order && { order: turn.order }),
              message_id: turn.messageId,
              timestamp: turn.timestamp,
            });
            if (turn.error)
              send(socket, { type: 'error', code: turn.error.code, message: turn.message, retryable: true });
          })
          .catch((err: Error) => {
            request.log.error({ err }, 'chat turn failed');
            send(socket, {
              type: 'error',
              code: 'internal',
              message: 'Something went wrong; please try again.',
            });
          })
          .finally(() => pending.delete(turn));
        pending.add(turn);
      };
      for (const data of early.splice(0)) onFrame(data);
    })();
    pending.add(bound);
    void bound.finally(() => pending.delete(bound));
  });
}
