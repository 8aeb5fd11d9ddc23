// Claude through @anthropic-ai/sdk: streamed replies, the system prompt cached, API errors retried where the SDK
// deems it safe (429, 5xx, overloaded) and otherwise turned into a ModelError with words for the shopper.
import Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../config.js';
import { ModelError, type ModelClient, type ModelReply, type ModelRequest } from './model.js';

export function createAnthropicModel(config: Config['agent']): ModelClient {
  const client = new Anthropic({
    apiKey: config.anthropicApiKey,
    ...(config.anthropicBaseUrl && { baseURL: config.anthropicBaseUrl }),
    maxRetries: 2,
    timeout: config.timeoutMs,
  });
  return {
    model: config.model,
    offline: false,
    async respond(request: ModelRequest, onText, signal): Promise<ModelReply> {
      try {
        const stream = client.messages.stream(
          {
            model: config.model,
            max_tokens: request.maxTokens,
            // The system prompt and the tools are the same every turn: cache them.
            system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
            tools: request.tools,
            messages: request.messages,
          },
          { signal },
        );
        stream.on('text', (delta) => onText(delta));
        return await stream.finalMessage();
      } catch (err) {
        throw toModelError(err, signal);
      }
    },
  };
}

function toModelError(err: unknown, signal: AbortSignal): ModelError {
  const retryLater = 'Please try again in a moment.';
  if (signal.aborted || err instanceof Anthropic.APIConnectionTimeoutError) {
    return new ModelError(
      'the model did not answer in time',
      'model_timeout',
      `Sorry, I am taking too long to think. ${retryLater}`,
      { cause: err },
    );
  }
  if (err instanceof Anthropic.APIError) {
    const type = (err.error as { error?: { type?: string } } | undefined)?.error?.type;
    if (err.status === 529 || type === 'overloaded_error') {
      return new ModelError(
        `overloaded: ${err.message}`,
        'model_overloaded',
        `Sorry, I am very busy right now. ${retryLater}`,
        { cause: err },
      );
    }
    if (err.status === 429) {
      return new ModelError(
        `rate limited: ${err.message}`,
        'model_rate_limited',
        `Sorry, too many requests at once. ${retryLater}`,
        { cause: err },
      );
    }
    if (err.status === undefined) {
      return new ModelError(
        `unreachable: ${err.message}`,
        'model_unavailable',
        `Sorry, I cannot reach my brain right now. ${retryLater}`,
        { cause: err },
      );
    }
    return new ModelError(
      `API error ${err.status}: ${err.message}`,
      'model_error',
      'Sorry, something went wrong on my side. Please try again.',
      { cause: err },
    );
  }
  return new ModelError(
    String(err),
    'model_error',
    'Sorry, something went wrong on my side. Please try again.',
    { cause: err },
  );
}
