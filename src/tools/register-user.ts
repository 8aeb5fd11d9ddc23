// register_user: create (or find) a shopper of this company, keyed by the integrator's own id.
import { z } from 'zod';
import {
  displayNameSchema,
  externalUserIdSchema,
  registerUser as register,
  toUserView,
  userViewSchema,
} from '../commerce/index.js';
import { AppError } from '../errors.js';
import { defineTool } from './tool.js';

export const registerUser = defineTool({
  name: 'register_user',
  title: 'Register a shopper',
  description:
    "Register a shopper with your app's id for them (external_user_id) so addresses and orders can be kept for " +
    'them. Registering an id that exists returns that shopper unchanged (created: false), never a duplicate. ' +
    'Not needed when the session is already bound to a shopper.',
  input: z.object({
    external_user_id: externalUserIdSchema,
    display_name: displayNameSchema.optional().describe('The name to show for the shopper.'),
  }),
  output: z.object({
    user: userViewSchema,
    created: z.boolean().describe('false = the shopper was registered already.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(ctx, input) {
    if (ctx.user && input.external_user_id !== ctx.user.externalUserId) {
      throw new AppError('forbidden', 'This session acts for one shopper only and cannot register others.', {
        code: 'user_mismatch',
      });
    }
    const { user, created } = await register(ctx.services.db, ctx.company.id, {
      externalUserId: input.external_user_id,
      displayName: input.display_name,
    });
    return { user: toUserView(user), created };
  },
  render: ({ user, created }) =>
    `${created ? 'Registered' : 'Already registered'}: ${user.display_name || user.external_user_id} (${user.id}).`,
});
