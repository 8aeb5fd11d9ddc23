// get_addresses: the shopper's saved shipping addresses.
import { z } from 'zod';
import { addressViewSchema, listAddresses, toAddressView } from '../commerce/index.js';
import { renderAddress } from './add-address.js';
import { actingUser, defineTool, READ_ONLY, userIdInput } from './tool.js';

export const getAddresses = defineTool({
  name: 'get_addresses',
  title: 'List saved addresses',
  description:
    "List the shopper's saved shipping addresses, the default first. Use it before buying to confirm where to " +
    'ship; if there is none, ask for one and save it with add_address.',
  input: z.object({ user_id: userIdInput }),
  output: z.object({ addresses: z.array(addressViewSchema) }),
  annotations: READ_ONLY,
  actsForUser: true,
  async run(ctx, { user_id }) {
    const user = await actingUser(ctx, user_id);
    return { addresses: (await listAddresses(ctx.services.db, ctx.company.id, user.id)).map(toAddressView) };
  },
  render: ({ addresses }) =>
    addresses.length ? addresses.map((a) => `- ${renderAddress(a)}`).join('\n') : 'No saved addresses yet.',
});
