// /api/v1/users/{user_id}/addresses/: a user's shipping addresses.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  addAddress,
  addressPatchSchema,
  addressViewSchema,
  deleteAddress,
  getAddress,
  getUser,
  listAddresses,
  newAddressSchema,
  toAddressView,
  updateAddress,
} from '../../../commerce/index.js';
import type { Db } from '../../../db/client.js';
import { companyOf } from '../auth.js';
import { errorBodySchema } from '../errors.js';
import { userRefParams } from './users.js';

const addressParams = userRefParams.extend({
  address_id: z.string().min(1).describe('Address id ("addr_…").'),
});
const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const security = [{ clientId: [], secretKey: [] }];
const tags = ['addresses'];

export const addressRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/users/:user_id/addresses/',
    {
      schema: {
        tags,
        summary: "List a user's addresses",
        description: 'The default address first, then oldest first.',
        security,
        params: userRefParams,
        response: { 200: z.array(addressViewSchema), ...errors },
      },
    },
    async (request) => {
      const companyId = companyOf(request).id;
      const user = await getUser(db, companyId, request.params.user_id);
      return (await listAddresses(db, companyId, user.id)).map(toAddressView);
    },
  );

  app.post(
    '/users/:user_id/addresses/',
    {
      schema: {
        tags,
        summary: 'Add an address',
        description: "line1, city and country are required. A user's first address becomes the default.",
        security,
        params: userRefParams,
        body: newAddressSchema,
        response: { 201: addressViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const companyId = companyOf(request).id;
      const user = await getUser(db, companyId, request.params.user_id);
      const row = await addAddress(db, companyId, user.id, request.body);
      return reply.status(201).send(toAddressView(row));
    },
  );

  app.get(
    '/users/:user_id/addresses/:address_id/',
    {
      schema: {
        tags,
        summary: 'Get an address',
        security,
        params: addressParams,
        response: { 200: addressViewSchema, ...errors },
      },
    },
    async (request) => {
      const companyId = companyOf(request).id;
      const user = await getUser(db, companyId, request.params.user_id);
      return toAddressView(await getAddress(db, companyId, user.id, request.params.address_id));
    },
  );

  app.patch(
    '/users/:user_id/addresses/:address_id/',
    {
      schema: {
        tags,
        summary: 'Change an address',
        description: 'Send only the fields to change. is_default: true makes it the default.',
        security,
        params: addressParams,
        body: addressPatchSchema,
        response: { 200: addressViewSchema, ...errors },
      },
    },
    async (request) => {
      const companyId = companyOf(request).id;
      const user = await getUser(db, companyId, request.params.user_id);
      return toAddressView(
        await updateAddress(db, companyId, user.id, request.params.address_id, request.body),
      );
    },
  );

  app.delete(
    '/users/:user_id/addresses/:address_id/',
    {
      schema: {
        tags,
        summary: 'Delete an address',
        description: 'If it was the default, the newest remaining address becomes the default.',
        security,
        params: addressParams,
        response: { 204: z.null().describe('Deleted'), ...errors },
      },
    },
    async (request, reply) => {
      const companyId = companyOf(request).id;
      const user = await getUser(db, companyId, request.params.user_id);
      await deleteAddress(db, companyId, user.id, request.params.address_id);
      return reply.status(204).send(null);
    },
  );
};
