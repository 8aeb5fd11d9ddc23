// One chat turn: the shopper's text, then model replies and tool calls in rounds until the model answers (or the
// round bound is reached). Streams text and tool status as it goes; never throws for a model failure (the shopper
// gets a friendly message), never hangs (every model call has a deadline).
import type Anthropic from '@anthropic-ai/sdk';
import type { ProductCard } from '../catalog/products.js';
import type { OrderView } from '../commerce/order-views.js';
import type { Metrics } from '../metrics.js';
import type { ToolContext } from '../tools/index.js';
import { ModelError, type ModelClient, type ModelMessage } from './model.js';
import { modelTools, runToolCall } from './tools.js';

export type TurnEvent =
  | { type: 'delta'; text: string }
  | { type: 'tool_call'; id: string; tool: string; status: 'started' | 'done' | 'error'; error?: string };

export type Usage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
};

export type TurnResult = {
  message: string;
  products?: ProductCard[];
  order?: OrderView;
  /** The model-format messages after the user's text: replayed as context in later turns. Ends with the assistant. */
  transcript: ModelMessage[];
  usage: Usage;
  rounds: number;
  /** Set when the model failed and `message` is the friendly explanation. */
  error?: { code: string; message: string };
};

export type TurnOptions = {
  model: ModelClient;
  ctx: ToolContext;
  system: string;
  history: ModelMessage[];
  userText: string;
  maxRounds: number;
  maxTokens: number;
  timeoutMs: number;
  onEvent?: (event: TurnEvent) => void;
  /** Times each model call and counts its tokens; optional. */
  metrics?: Metrics;
};

const emptyUsage = (): Usage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

function addUsage(total: Usage, u: Anthropic.Messages.Usage) {
  total.input_tokens += u.input_tokens ?? 0;
  total.output_tokens += u.output_tokens ?? 0;
  total.cache_creation_input_tokens += u.cache_creation_input_tokens ?? 0;
  total.cache_read_input_tokens += u.cache_read_input_tokens ?? 0;
}

export async function runTurn(o: TurnOptions): Promise<TurnResult> {
  const ctx: ToolContext = { ...o.ctx, turnStartedAt: new Date() };
  const tools = modelTools(ctx);
  const messages: ModelMessage[] = [...o.history, { role: 'user', content: o.userText }];
  const start = messages.length;
  const usage = emptyUsage();
  const texts: string[] = [];
  let products: ProductCard[] | undefined;
  let order: OrderView | undefined;
  let rounds = 0;

  const finish = (extra: Partial<TurnResult> = {}): TurnResult => ({
    message: texts.join('\n\n').trim(),
    ...(products && { products }),
    ...(order && { order }),
    transcript: messages.slice(start),
    usage,
    rounds,
    ...extra,
  });

  while (rounds < o.maxRounds) {
    rounds++;
    let reply: Anthropic.Messages.Message;
    const callStarted = performance.now();
    const observe = (outcome: string) =>
      o.metrics?.modelCallDuration.observe(
        { model: o.model.model, outcome },
        (performance.now() - callStarted) / 1000,
      );
    try {
      reply = await o.model.respond(
        { system: o.system, tools, messages, maxTokens: o.maxTokens },
        (text) => o.onEvent?.({ type: 'delta', text }),
        AbortSignal.timeout(o.timeoutMs),
      );
    } catch (err) {
      const e =
        err instanceof ModelError
          ? err
          : new ModelError(
              String(err),
              'model_error',
              'Sorry, something went wrong on my side. Please try again.',
            );
      observe(e.code);
      messages.push({ role: 'assistant', content: e.friendly });
      texts.push(e.friendly);
      return finish({ error: { code: e.code, message: e.message } });
    }
    addUsage(usage, reply.usage);
    observe('ok');
    o.metrics?.countTokens(o.model.model, reply.usage);
    messages.push({ role: 'assistant', content: reply.content });
    for (const block of reply.content)
      if (block.type === 'text' && block.text.trim()) texts.push(block.text.trim());
    const calls = reply.content.filter((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use');
    if (reply.stop_reason !== 'tool_use' || calls.length === 0) return finish();

    // One at a time, in the model's order: a purchase must never race the quote it follows.
    const results: Anthropic.Messages.ToolResultBlockParam[] = [];
    for (const call of calls) {
      o.onEvent?.({ type: 'tool_call', id: call.id, tool: call.name, status: 'started' });
      const run = await runToolCall(ctx, call);
      results.push(run.result);
      o.onEvent?.({
        type: 'tool_call',
        id: call.id,
        tool: call.name,
        status: run.error ? 'error' : 'done',
        ...(run.error && { error: run.error.code }),
      });
      if (run.output) {
        if (call.name === 'search_products') products = run.output.products as ProductCard[];
        if (call.name === 'get_product') products = [run.output.product as ProductCard];
        if (call.name === 'buy_product' && run.output.order) order = run.output.order as OrderView;
      }
    }
    messages.push({ role: 'user', content: results });
  }
  // Out of rounds right after tool results: close the turn with an assistant message so the history stays valid.
  const note = 'I had to stop there; tell me how you would like to continue.';
  messages.push({ role: 'assistant', content: note });
  texts.push(note);
  return finish();
}
