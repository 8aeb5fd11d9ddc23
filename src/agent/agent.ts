// The chat agent: picks the model (Claude when ANTHROPIC_API_KEY is set, else the offline agent), and runs one turn
// at a time per shopper (later messages wait their turn, in order), remembering every message.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Metrics } from '../metrics.js';
import type { ToolContext } from '../tools/index.js';
import { createAnthropicModel } from './anthropic.js';
import { runTurn, type TurnEvent, type TurnResult } from './loop.js';
import {
  latestSeq,
  loadTurns,
  saveAssistantMessage,
  saveUserMessage,
  trimTurns,
  type Turn,
} from './memory.js';
import type { ModelClient } from './model.js';
import { createOfflineModel } from './offline.js';
import { systemPrompt } from './prompt.js';

export type Agent = ReturnType<typeof createAgent>;

/** Shoppers whose context stays in memory between turns (least recently active dropped first). */
const MAX_CACHED_CONTEXTS = 5000;

export type ChatTurn = TurnResult & { messageId: string; timestamp: string };

export function createAgent(deps: {
  db: Db;
  config: Pick<Config, 'agent'>;
  logger: Logger;
  model?: ModelClient;
  /** Counts turns, model latency and tokens; optional. */
  metrics?: Metrics;
}) {
  const { db, config, logger } = deps;
  const model =
    deps.model ?? (config.agent.anthropicApiKey ? createAnthropicModel(config.agent) : createOfflineModel());
  const queues = new Map<string, Promise<unknown>>();
  // Each active shopper's context, kept between turns; valid while their newest message is the one it ends with
  // (another node may have added turns: then it is read again).
  const contexts = new Map<string, { lastSeq: number | null; turns: Turn[] }>();
  const budget = config.agent.contextTokens;

  async function contextOf(userId: string): Promise<Turn[]> {
    const cached = contexts.get(userId);
    if (cached && cached.lastSeq === (await latestSeq(db, userId))) return cached.turns;
    const loaded = await loadTurns(db, userId, budget);
    return loaded.turns;
  }

  function remember(userId: string, turns: Turn[], lastSeq: number) {
    contexts.delete(userId); // re-inserted last: the map's order is least recently used first
    contexts.set(userId, { lastSeq, turns });
    if (contexts.size > MAX_CACHED_CONTEXTS) contexts.delete(contexts.keys().next().value!);
  }

  async function turn(ctx: ToolContext, text: string, onEvent?: (e: TurnEvent) => void): Promise<ChatTurn> {
    const user = ctx.user!;
    const scope = { companyId: ctx.company.id, userId: user.id };
    const turns = await contextOf(user.id);
    // Stored while the model works; awaited before the answer is stored, so the two keep their order.
    const savingUser = saveUserMessage(db, scope, text);
    savingUser.catch(() => {}); // handled where awaited
    const history = turns.flat();
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
      metrics: deps.metrics,
    });
    deps.metrics?.chatTurns.inc({ outcome: result.error ? 'error' : 'ok' });
    if (result.error) logger.warn({ err: result.error, user: user.id }, 'chat turn: the model failed');
    await savingUser;
    const saved = await saveAssistantMessage(db, scope, result, model.model);
    remember(
      user.id,
      trimTurns([...turns, [{ role: 'user', content: text }, ...result.transcript]], budget),
      saved.seq,
    );
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
