// /api/v1/chat/history/ (exactly as the reference: role, content, products, timestamp) and /api/v1/sessions/
// (a short-lived token for the chat socket, so browsers never hold the secret key).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { historyPage } from '../../../agent/memory.js';
import { createChatSession } from '../../../agent/sessions.js';
import { getUser } from '../../../commerce/index.js';
import type { Db } from '../../../db/client.js';
import { companyOf } from '../auth.js';
import { errorBodySchema } from '../errors.js';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const security = [{ clientId: [], secretKey: [] }];

const historyItemSchema = z
  .object({
    id: z.string().describe('Message id ("msg_…"); pass it as `before` for older messages.'),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    products: z.array(z.record(z.string(), z.unknown())).optional().describe('Products the agent showed.'),
    order: z.record(z.string(), z.unknown()).optional().describe('The order the agent placed, if any.'),
    timestamp: z.string(),
  })
  .describe('ChatMessage');

export const chatRoutes: FastifyPluginAsyncZod<{ db: Db; sessionTtlSeconds: number }> = async (
  app,
  { db, sessionTtlSeconds },
) => {
  app.get(
    '/chat/history/',
    {
      schema: {
        tags: ['chat'],
        summary: "A user's chat history",
        description:
          'Messages between the user and the agent, oldest first (a plain array, as in the reference): the latest ' +
          '`limit` (default 100), or those before the message `before`. A `Link: <…>; rel="next"` header points to ' +
          'older messages when there are more.',
        security,
        querystring: z.object({
          user_id: z.string().min(1).describe("Your external_user_id, or Aisle's usr_ id."),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          before: z.string().optional(),
        }),
        response: { 200: z.array(historyItemSchema), ...errors },
      },
    },
    async (request, reply) => {
      const { user_id, limit, before } = request.query;
      const user = await getUser(db, companyOf(request).id, user_id);
      const rows = await historyPage(db, user.id, { limit, before });
      if (rows.length === limit) {
        const next = new URLSearchParams({ user_id, limit: String(limit), before: rows[0]!.id });
        reply.header('link', `</api/v1/chat/history/?${next.toString()}>; rel="next"`);
      }
      return rows.map((r) => ({
        id: r.id,
        role: r.role,
        content: r.content,
        ...(r.products && { products: r.products as Record<string, unknown>[] }),
        ...(r.order && { order: r.order }),
        timestamp: r.createdAt.toISOString(),
      }));
    },
  );

  app.post(
    '/sessions/',
    {
      schema: {
        tags: ['chat'],
        summary: 'Create a chat session token',
        description:
          'From your server: a short-lived token that opens the chat socket for one user ' +
          '(`/ws/agent/?token=…`), so the browser never sees your secret key.',
        security,
        body: z.object({ user_id: z.string().min(1) }).strict(),
        response: {
          201: z.object({ token: z.string(), expires_at: z.string(), ws_path: z.string() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const company = companyOf(request);
      const user = await getUser(db, company.id, request.body.user_id);
      const { token, expiresAt } = await createChatSession(db, company.id, user.id, sessionTtlSeconds);
      return reply.status(201).send({
        token,
        expires_at: expiresAt.toISOString(),
        ws_path: `/ws/agent/?token=${encodeURIComponent(token)}`,
      });
    },
  );
};
