// Chat memory: the context for the next turn is the latest whole turns that fit the token budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  estimateTokens,
  loadContext,
  saveAssistantMessage,
  saveUserMessage,
} from '../../src/agent/memory.js';
import { registerUser } from '../../src/commerce/index.js';
import { createTestCompany, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let scope: { companyId: string; userId: string };

beforeAll(async () => {
  t = await startTestApp();
  const company = await createTestCompany(t.db);
  const { user } = await registerUser(t.db, company.id, { externalUserId: 'mem' });
  scope = { companyId: company.id, userId: user.id };
  const usage = {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  for (let i = 0; i < 120; i++) {
    await saveUserMessage(t.db, scope, `question ${i} ${'x'.repeat(200)}`);
    await saveAssistantMessage(
      t.db,
      scope,
      {
        message: `answer ${i}`,
        transcript: [{ role: 'assistant', content: `answer ${i}` }],
        usage,
        rounds: 1,
      },
      'test',
    );
  }
  // A message whose turn never finished (the process died): left out of the context.
  await saveUserMessage(t.db, scope, 'unanswered');
});
afterAll(() => t.close());

describe('loadContext', () => {
  it('keeps the latest whole turns within the budget, oldest first, alternating, unanswered left out', async () => {
    const context = await loadContext(t.db, scope.userId, 2000);
    expect(estimateTokens(context)).toBeLessThanOrEqual(2000);
    expect(context.length).toBeGreaterThan(4);
    expect(context.length % 2).toBe(0);
    context.forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? 'user' : 'assistant'));
    expect(context.at(-1)!.content).toBe('answer 119');
    expect(JSON.stringify(context)).not.toContain('unanswered');
  });

  it('reads further back when the budget allows, across pages', async () => {
    const context = await loadContext(t.db, scope.userId, 1_000_000);
    expect(context).toHaveLength(240);
    expect(context[0]!.content).toMatch(/^question 0 /);
  });
});
