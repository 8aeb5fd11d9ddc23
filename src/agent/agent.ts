// The chat agent: picks the model (Claude when ANTHROPIC_API_KEY is set, else the offline agent), and runs one turn
// at a time per shopper (later messages wait their turn, in order), remembering every message.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { ToolContext } from '../tools/index.js';
import { createAnthropicModel } from './anthropic.js';
import { runTurn, type TurnEvent, type TurnResult } from './loop.js';
import { loadContext, saveAssistantMessage, saveUserMessage } from './memory.js';
import type { ModelClient } from './model.js';
import { createOfflineModel } from './offline.js';
import { systemPrompt } from './prompt.js';

export type Agent = ReturnType<typeof createAgent>;

export type ChatTurn = TurnResult & { messageId: string; timestamp: string };

export function createAgent(deps: {
  db: Db;
  config: Pick<Config, 'agent'>;
  logger: Logger;
  model?: ModelClient;
}) {
  const { db, config, logger } = deps;
  const model =
    deps.model ?? (config.agent.anthropicApiKey ? createAnthropicModel(config.agent) : createOfflineModel());
  const queues = new Map<string, Promise<unknown>>();

  async function turn(ctx: ToolContext, text: string, onEvent?: (e: TurnEvent) => void): Promise<ChatTurn> {
    const user = ctx.user!;
    const scope = { companyId: ctx.company.id, userId: user.id };
    const history = await loadContext(db, user.id, config.agent.contextTokens);
    await saveUserMessage(db, scope, text);
    const result = await runTurn({
      model,
      ctx,
      system: systemPrompt(ctx.company),
      history,
      userText: text,
      maxRounds: config.agent.maxRounds,
      maxTokens: config.agent.maxTokens,
      timeoutMs: config.agent.timeoutMs,
      onEvent,
    });
    if (result.error) logger.warn({ err: result.error, user: user.id }, 'chat turn: the model failed');
    const saved = await saveAssistantMessage(db, scope, result, model.model);
    logger.info(
      { user: user.id, rounds: result.rounds, usage: result.usage, model: model.model },
      'chat turn',
    );
    return { ...result, messageId: saved.id, timestamp: saved.createdAt.toISOString() };
  }

  return {
    model,
    /** One turn for the bound shopper of `ctx`, after any turn of theirs still running. */
    chat(ctx: ToolContext, text: string, onEvent?: (e: TurnEvent) => void): Promise<ChatTurn> {
      if (!ctx.user) throw new Error('chat needs a context bound to a user');
      const key = ctx.user.id;
      const previous = queues.get(key) ?? Promise.resolve();
      const next = previous.catch(() => {}).then(() => turn(ctx, text, onEvent));
      queues.set(key, next);
      void next
        .catch(() => {})
        .finally(() => {
          if (queues.get(key) === next) queues.delete(key);
        });
      return next;
    },
  };
}
