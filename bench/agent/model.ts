// The instant models of bench:agent: one tool round (search_products with the shopper's words), then a short answer.
// `instantModel` answers in-process at once; `fakeAnthropicScript` scripts test/fakes/anthropic.ts the same way, for
// the real SDK over loopback. `timed` wraps any ModelClient to record how long each respond() took.
import { performance } from 'node:perf_hooks';
import type Anthropic from '@anthropic-ai/sdk';
import { localReply, type ModelClient, type ModelReply, type ModelRequest } from '../../src/agent/model.js';
import { reply, type FakeAnthropicRequest, type Reply } from '../../test/fakes/anthropic.js';

export const ANSWER = 'Here are a few good matches; the Trail Runner is the best value.';

/** The shopper's text when the last message is theirs, else undefined (the last message holds tool results). */
function shopperText(messages: ModelRequest['messages'] | { role: string; content: unknown }[]) {
  const last = messages.at(-1);
  return typeof last?.content === 'string' ? last.content : undefined;
}

const message = (
  content: Anthropic.Messages.ContentBlock[],
  stopReason: 'tool_use' | 'end_turn',
): ModelReply =>
  localReply(
    { id: `msg_bench_${performance.now().toString(36).replace('.', '')}`, model: 'bench-instant' },
    content,
    stopReason,
  );

/** An in-process model that answers at once: a search_products call for the shopper's text, then ANSWER. */
export function instantModel(): ModelClient {
  let calls = 0;
  return {
    model: 'bench-instant',
    offline: false,
    async respond(request, onText) {
      const text = shopperText(request.messages);
      if (text !== undefined) {
        return message(
          [
            {
              type: 'tool_use',
              id: `toolu_bench_${++calls}`,
              name: 'search_products',
              input: { query: text },
              caller: { type: 'direct' },
            },
          ],
          'tool_use',
        );
      }
      onText(ANSWER);
      return message([{ type: 'text', text: ANSWER, citations: null }], 'end_turn');
    },
  };
}

/** The same two replies from the fake Anthropic API (streamed over SSE, as the SDK client asks). */
export function fakeAnthropicScript(req: FakeAnthropicRequest): Reply {
  const text = shopperText((req.body as { messages: { role: string; content: unknown }[] }).messages);
  return text !== undefined ? reply.tool('search_products', { query: text }) : reply.text(ANSWER);
}

/** `model`, with every respond() timed into whatever array `sink()` returns at the time (none: not recorded). */
export function timed(model: ModelClient, sink: () => number[] | null): ModelClient {
  return {
    model: model.model,
    offline: model.offline,
    async respond(request, onText, signal) {
      const into = sink();
      const t0 = performance.now();
      try {
        return await model.respond(request, onText, signal);
      } finally {
        into?.push(performance.now() - t0);
      }
    },
  };
}
