// /api/v1/users/: register, list, read and rename a company's end users.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  displayNameSchema,
  externalUserIdSchema,
  getUser,
  listUsers,
  registerUser,
  toUserView,
  spendingLimitsPatchSchema,
  updateUser,
  userViewSchema,
} from '../../../commerce/index.js';
import type { Db } from '../../../db/client.js';
import { companyOf } from '../auth.js';
import { errorBodySchema } from '../errors.js';
import { offsetOf, pageEnvelope, pageOf, pageQuerySchema } from '../pagination.js';

export const userRefParams = z.object({
  user_id: z.string().min(1).describe('Your external_user_id for the user, or Aisle\'s "usr_…" id.'),
});

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const security = [{ clientId: [], secretKey: [] }];

export const userRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/users/',
    {
      schema: {
        tags: ['users'],
        summary: 'Register a user',
        description:
          'Creates the user (201). Registering an external_user_id that exists returns that user (200), never a duplicate.',
        security,
        body: z
          .object({ external_user_id: externalUserIdSchema, display_name: displayNameSchema.optional() })
          .strict(),
        response: { 200: userViewSchema, 201: userViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { user, created } = await registerUser(db, companyOf(request).id, {
        externalUserId: request.body.external_user_id,
        displayName: request.body.display_name,
      });
      return reply.status(created ? 201 : 200).send(toUserView(user));
    },
  );

  app.get(
    '/users/',
    {
      schema: {
        tags: ['users'],
        summary: 'List users',
        description: "Your company's users, oldest first, a page at a time.",
        security,
        querystring: pageQuerySchema,
        response: { 200: pageOf(userViewSchema), ...errors },
      },
    },
    async (request) => {
      const { rows, count } = await listUsers(db, companyOf(request).id, offsetOf(request.query));
      return pageEnvelope('/api/v1/users/', request.query, count, rows.map(toUserView));
    },
  );

  app.get(
    '/users/:user_id/',
    {
      schema: {
        tags: ['users'],
        summary: 'Get a user',
        security,
        params: userRefParams,
        response: { 200: userViewSchema, ...errors },
      },
    },
    async (request) => toUserView(await getUser(db, companyOf(request).id, request.params.user_id)),
  );

  app.patch(
    '/users/:user_id/',
    {
      schema: {
        tags: ['users'],
        summary: 'Update a user',
        security,
        params: userRefParams,
        description: 'Renames the user and sets their spending limits; fields left out are kept.',
        body: z
          .object({
            display_name: displayNameSchema.optional(),
            spending_limits: spendingLimitsPatchSchema.optional(),
          })
          .strict(),
        response: { 200: userViewSchema, ...errors },
      },
    },
    async (request) =>
      toUserView(
        await updateUser(db, companyOf(request).id, request.params.user_id, {
          displayName: request.body.display_name,
          spendingLimits: request.body.spending_limits,
        }),
      ),
  );
};
