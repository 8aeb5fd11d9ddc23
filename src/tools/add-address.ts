// add_address: save a shipping address for the shopper.
import { z } from 'zod';
import { addAddress as add, addressFields, addressViewSchema, toAddressView } from '../commerce/index.js';
import { actingUser, defineTool, userIdInput } from './tool.js';

const { line1, city, country, ...optional } = addressFields;

export const renderAddress = (a: z.infer<typeof addressViewSchema>) =>
  [a.label && `${a.label}:`, a.recipient_name, a.line1, a.line2, a.city, a.state, a.zip, a.country]
    .filter(Boolean)
    .join(', ') + `${a.is_default ? ' (default)' : ''} [${a.id}]`;

export const addAddress = defineTool({
  name: 'add_address',
  title: 'Save a shipping address',
  description:
    'Save a shipping address for the shopper. Ask for the street, city, postal code and country (a two-letter ' +
    'code such as "US") rather than guessing. The first address saved becomes the default; is_default: true makes ' +
    'this one the default. Returns the saved address with its id, which buy_product takes.',
  input: z.object({
    user_id: userIdInput,
    line1,
    city,
    country,
    ...z.object(optional).partial().shape,
  }),
  output: z.object({ address: addressViewSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  actsForUser: true,
  async run(ctx, { user_id, ...address }) {
    const user = await actingUser(ctx, user_id);
    return { address: toAddressView(await add(ctx.services.db, ctx.company.id, user.id, address)) };
  },
  render: ({ address }) => `Saved ${renderAddress(address)}.`,
});
