// The tool type: data plus a function, written once and served over MCP, to the chat agent and (for some) REST.
import type { z } from 'zod';
import type { Catalog } from '../catalog/service.js';
import type { CompanyRow, UserRow } from '../commerce/index.js';
import type { Db } from '../db/client.js';

/** Who is acting, and the services a tool may use. Never taken from the model's input. */
export type ToolContext = {
  company: CompanyRow | null;
  /** The end user the session is bound to, if any. */
  user: UserRow | null;
  services: { db: Db; catalog: Catalog };
};

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
