// Chat memory: every message stored as it happens, and the context for the next turn rebuilt from the latest turns
// that fit a token budget (oldest dropped first; a turn is never cut in half).
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { TurnResult } from './loop.js';
import type { ModelMessage } from './model.js';
import { chatMessages, type ChatMessageRow } from './schema.js';

/** A rough token count (about 4 characters a token): enough to keep the context under budget. */
export const estimateTokens = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);

/** Rows read per page; the budget usually fills within the first (a turn is two rows of a few KB). */
const PAGE = 40;
const MAX_ROWS = 400;

type ContextRow = Pick<ChatMessageRow, 'seq' | 'role' | 'content' | 'transcript'>;

export type Turn = ModelMessage[];

export async function loadContext(db: Db, userId: string, budgetTokens: number): Promise<ModelMessage[]> {
  return (await loadTurns(db, userId, budgetTokens)).turns.flat();
}

/** The latest whole turns within the budget, oldest first, and the newest message's seq they were read at. */
export async function loadTurns(
  db: Db,
  userId: string,
  budgetTokens: number,
): Promise<{ turns: Turn[]; lastSeq: number | null }> {
  const rows: ContextRow[] = [];
  // Only the columns the model needs, a page at a time until the budget is full.
  for (let before: number | undefined; rows.length < MAX_ROWS;) {
    const page = await db
      .select({
        seq: chatMessages.seq,
        role: chatMessages.role,
        content: chatMessages.content,
        transcript: chatMessages.transcript,
      })
      .from(chatMessages)
      .where(
        and(eq(chatMessages.userId, userId), before === undefined ? undefined : lt(chatMessages.seq, before)),
      )
      .orderBy(desc(chatMessages.seq))
      .limit(PAGE);
    rows.push(...page);
    if (page.length < PAGE || estimateTokens(rows) > budgetTokens) break;
    before = page.at(-1)!.seq;
  }
  const turns: ModelMessage[][] = [];
  let used = 0;
  // Newest first: an assistant row, then the user row before it, make one turn.
  for (let i = 0; i + 1 < rows.length && used < budgetTokens;) {
    const assistant = rows[i]!;
    const user = rows[i + 1]!;
    if (assistant.role !== 'assistant' || user.role !== 'user') {
      i++; // an unanswered message (a turn that never finished): leave it out
      continue;
    }
    const turn: ModelMessage[] = [
      { role: 'user', content: user.content },
      ...((assistant.transcript as ModelMessage[] | null) ?? [
        { role: 'assistant', content: assistant.content },
      ]),
    ];
    const cost = estimateTokens(turn);
    if (used + cost > budgetTokens) break;
    used += cost;
    turns.unshift(turn);
    i += 2;
  }
  return { turns, lastSeq: rows[0]?.seq ?? null };
}

/** Drops the oldest turns until the rest fit the budget. */
export function trimTurns(turns: Turn[], budgetTokens: number): Turn[] {
  let used = turns.reduce((n, t) => n + estimateTokens(t), 0);
  let from = 0;
  while (from < turns.length && used > budgetTokens) used -= estimateTokens(turns[from++]);
  return turns.slice(from);
}

/** The seq of the user's newest message (an index-only read): tells whether a cached context is still current. */
export async function latestSeq(db: Db, userId: string): Promise<number | null> {
  const [row] = await db
    .select({ seq: chatMessages.seq })
    .from(chatMessages)
    .where(eq(chatMessages.userId, userId))
    .orderBy(desc(chatMessages.seq))
    .limit(1);
  return row?.seq ?? null;
}

export async function saveUserMessage(db: Db, scope: { companyId: string; userId: string }, content: string) {
  const [row] = await db
    .insert(chatMessages)
    .values({ ...scope, role: 'user', content })
    .returning({ seq: chatMessages.seq });
  return row!;
}

export async function saveAssistantMessage(
  db: Db,
  scope: { companyId: string; userId: string },
  turn: TurnResult,
  model: string,
) {
  const [row] = await db
    .insert(chatMessages)
    .values({
      ...scope,
      role: 'assistant',
      content: turn.message,
      products: turn.products ?? null,
      order: (turn.order as Record<string, unknown> | undefined) ?? null,
      transcript: turn.transcript,
      model,
      usage: turn.usage,
    })
    .returning({ id: chatMessages.id, seq: chatMessages.seq, createdAt: chatMessages.createdAt });
  return row!;
}

/** A page of history, oldest first: the latest `limit` messages before the message `before` (its id). */
export async function historyPage(
  db: Db,
  userId: string,
  page: { limit: number; before?: string },
): Promise<ChatMessageRow[]> {
  const rows = await db
    .select()
    .from(chatMessages)
    .where(
      and(
        eq(chatMessages.userId, userId),
        page.before
          ? lt(
              chatMessages.seq,
              sql`(select ${chatMessages.seq} from ${chatMessages} where ${chatMessages.id} = ${page.before})`,
            )
          : undefined,
      ),
    )
    .orderBy(desc(chatMessages.seq))
    .limit(page.limit);
  return rows.reverse();
}
