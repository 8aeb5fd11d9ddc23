// The model port: what the agent loop needs from a model, whether Claude (anthropic.ts) or the offline agent.
// Messages, tools and replies use the Anthropic Messages API shapes, so both sides speak one format.
import type Anthropic from '@anthropic-ai/sdk';

export type ModelMessage = Anthropic.Messages.MessageParam;
export type ModelTool = Anthropic.Messages.Tool;
export type ModelReply = Anthropic.Messages.Message;

export type ModelRequest = {
  system: string;
  tools: ModelTool[];
  messages: ModelMessage[];
  maxTokens: number;
};

export type ModelClient = {
  /** e.g. "claude-sonnet-5", or "offline". */
  readonly model: string;
  /** True for the deterministic offline agent: replies say so, and /api/health reports it. */
  readonly offline: boolean;
  /**
   * One model reply. `onText` receives the text as it streams. Rejects with a ModelError when the model cannot
   * answer (after any retries that are safe).
   */
  respond(request: ModelRequest, onText: (delta: string) => void, signal: AbortSignal): Promise<ModelReply>;
};

/** The model could not answer: `friendly` is what the shopper is told, `code` what the socket's error event says. */
export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    message: string,
    readonly code:
      'model_overloaded' | 'model_rate_limited' | 'model_timeout' | 'model_unavailable' | 'model_error',
    readonly friendly: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A reply made in this process (the offline agent, benchmarks) in the Messages API's shape, with no usage. */
export function localReply(
  meta: { id: string; model: string },
  content: Anthropic.Messages.ContentBlock[],
  stopReason: 'tool_use' | 'end_turn',
): ModelReply {
  return {
    id: meta.id,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: null,
      speed: null,
    },
  };
}
