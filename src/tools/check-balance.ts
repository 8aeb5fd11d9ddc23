// check_balance: ask the integrator whether the shopper can pay an amount (their balance_check webhook).
import { z } from 'zod';
import { normalizeMoney } from '../money.js';
import { actingUser, defineTool, userIdInput } from './tool.js';

export const checkBalance = defineTool({
  name: 'check_balance',
  title: 'Check the shopper can pay',
  description:
    "Ask the shopper's app whether they can pay an amount, before suggesting a purchase they cannot afford. " +
    'Returns approved or not, with the reason the app gives. Moves no money.',
  input: z.object({
    user_id: userIdInput,
    amount: z
      .string()
      .regex(/^\d{1,10}(\.\d{1,2})?$/, 'a decimal amount such as "129.99"')
      .describe('The amount.'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "USD"')
      .default('USD'),
  }),
  output: z.object({
    approved: z.boolean(),
    reason: z.string().nullable().describe("The app's reason when not approved."),
    amount: z.string(),
    currency: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  actsForUser: true,
  async run(ctx, input) {
    const user = await actingUser(ctx, input.user_id);
    const amount = normalizeMoney(input.amount);
    const answer = await ctx.services.checkout.checkBalance(ctx.company, user, amount, input.currency);
    return { ...answer, amount, currency: input.currency };
  },
  render: (o) =>
    o.approved
      ? `Approved for ${o.amount} ${o.currency}.`
      : `Not approved: ${o.reason ?? 'no reason given'}.`,
});
