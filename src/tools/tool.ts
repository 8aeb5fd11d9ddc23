// The tool type: data plus a function, written once and served over MCP, to the chat agent and (for some) REST.
import { z } from 'zod';
import type { Catalog } from '../catalog/service.js';
import type { Checkout } from '../commerce/checkout.js';
import { getUser, type CompanyRow, type UserRow } from '../commerce/index.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';

/** Who is acting, and the services a tool may use. Never taken from the model's input. */
export type ToolContext = {
  /** The company whose credentials the session connected with. */
  company: CompanyRow;
  /** The end user the session is bound to, if any: tools act for that user only. */
  user: UserRow | null;
  services: { db: Db; catalog: Catalog; checkout: Checkout };
  /**
   * Asks the human directly (MCP elicitation), when the host can. 'unanswered' = the host did not answer in time or
   * failed: fall back to a quote the shopper confirms in a later turn. Absent when the host cannot ask.
   */
  confirm?: (message: string) => Promise<ConfirmAnswer>;
  /**
   * In chat, when the shopper's current message arrived: a quote made since cannot be confirmed in the same turn,
   * so only the shopper's next message can say yes (text in tool results, e.g. product descriptions, never can).
   */
  turnStartedAt?: Date;
};

export type ConfirmAnswer = 'accept' | 'decline' | 'cancel' | 'unanswered';

/** MCP tool annotations: hints for hosts, e.g. whether to ask before running. */
export type ToolAnnotations = {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
};

export type Tool<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> = {
  /** snake_case, stable: hosts and prompts name tools by it. */
  name: string;
  title: string;
  /** Written for the model: when to use it, what it returns, what it never does. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** Takes `user_id` in its input unless the session is bound to a user (see inputSchemaFor). */
  actsForUser?: boolean;
  run(ctx: ToolContext, input: z.infer<I>): Promise<z.infer<O>>;
  /** A short plain-text rendering of the output, for hosts that read only text. */
  render(output: z.infer<O>): string;
};

export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(tool: Tool<I, O>): Tool<I, O> =>
  tool;

export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** The `user_id` input of tools that act for a user, when no user is bound to the session. */
export const userIdInput = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .optional()
  .describe("Your app's id for the shopper (external_user_id). Omit when the session is bound to a user.");

/**
 * The input schema the model sees: identifiers the session already binds are removed, not left to the model, and
 * unknown fields are refused (a misspelt or removed field is an error the model can correct, never silently dropped).
 */
export function inputSchemaFor(tool: Tool, ctx: Pick<ToolContext, 'user'>): z.ZodObject {
  const schema =
    tool.actsForUser && ctx.user ? (tool.input.omit({ user_id: true } as never) as z.ZodObject) : tool.input;
  return schema.strict();
}

/** The user a tool acts for: the bound user, else the `user_id` given, and only within the session's company. */
export async function actingUser(ctx: ToolContext, userId: string | undefined): Promise<UserRow> {
  if (ctx.user) {
    if (userId !== undefined && userId !== ctx.user.externalUserId && userId !== ctx.user.id) {
      throw new AppError('forbidden', 'This session acts for one shopper only; leave user_id out.', {
        code: 'user_mismatch',
      });
    }
    return ctx.user;
  }
  if (!userId) {
    throw new AppError('bad_request', 'Say which shopper this is for: pass user_id (their id in your app).', {
      code: 'user_required',
    });
  }
  return getUser(ctx.services.db, ctx.company.id, userId);
}
