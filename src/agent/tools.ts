// The shopping tools as the model sees them: the very definitions in src/tools, their input schemas as JSON Schema,
// run with the chat's context (the bound shopper), outputs returned as JSON, errors as is_error results.
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { inputSchemaFor, toolsFor, type Tool, type ToolContext } from '../tools/index.js';
import type { ModelTool } from './model.js';

// A tool's JSON Schema depends only on the tool and on whether a user is bound: build each once.
const schemaCache = new Map<string, ModelTool['input_schema']>();

function inputJsonSchema(tool: Tool, ctx: ToolContext): ModelTool['input_schema'] {
  const key = `${tool.name}:${ctx.user ? 'bound' : 'open'}`;
  let schema = schemaCache.get(key);
  if (!schema) {
    const { $schema: _, ...rest } = z.toJSONSchema(inputSchemaFor(tool, ctx), { io: 'input' }) as Record<
      string,
      unknown
    >;
    schema = rest as ModelTool['input_schema'];
    schemaCache.set(key, schema);
  }
  return schema;
}

export function modelTools(ctx: ToolContext): ModelTool[] {
  const tools: ModelTool[] = toolsFor(ctx.company).map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: inputJsonSchema(tool, ctx),
  }));
  // One cache breakpoint after the tools: the tool block is the same every turn.
  if (tools.length) tools[tools.length - 1]!.cache_control = { type: 'ephemeral' };
  return tools;
}

export type ToolRun = {
  result: Anthropic.Messages.ToolResultBlockParam;
  tool: Tool | undefined;
  output?: Record<string, unknown>;
  error?: AppError;
};

/** Runs one tool call from the model; never throws (a failure is a tool error the model can act on). */
export async function runToolCall(ctx: ToolContext, call: Anthropic.Messages.ToolUseBlock): Promise<ToolRun> {
  const tool = toolsFor(ctx.company).find((t) => t.name === call.name);
  const fail = (error: AppError): ToolRun => ({
    tool,
    error,
    result: {
      type: 'tool_result',
      tool_use_id: call.id,
      is_error: true,
      content: `${error.message}${error.retryable ? ' Retrying later may help.' : ''} (code: ${error.code})`,
    },
  });
  if (!tool)
    return fail(new AppError('not_found', `There is no tool "${call.name}".`, { code: 'unknown_tool' }));
  const parsed = inputSchemaFor(tool, ctx).safeParse(call.input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return fail(
      new AppError('bad_request', `Invalid input for ${tool.name}: ${detail}`, { code: 'invalid_input' }),
    );
  }
  try {
    const output = (await tool.run(ctx, parsed.data as never)) as Record<string, unknown>;
    return {
      tool,
      output,
      result: { type: 'tool_result', tool_use_id: call.id, content: JSON.stringify(output) },
    };
  } catch (err) {
    return fail(
      err instanceof AppError
        ? err
        : new AppError('internal', 'The tool failed unexpectedly; try again later.', {
            retryable: true,
            cause: err,
          }),
    );
  }
}
