import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUser, getUser, listUsers, registerUser, users } from '../../src/commerce/index.js';
import { AppError } from '../../src/errors.js';
import { createTestCompany, type TestCompany } from '../helpers/app.js';
import { openTestDb } from '../helpers/database.js';

let t: Awaited<ReturnType<typeof openTestDb>>;
let a: TestCompany;
let b: TestCompany;

beforeAll(async () => {
  t = await openTestDb();
  a = await createTestCompany(t.db, 'A');
  b = await createTestCompany(t.db, 'B');
});
afterAll(() => t.close());

describe('users', () => {
  it('registers once per company and external id', async () => {
    const first = await registerUser(t.db, a.id, { externalUserId: 'alice', displayName: 'Alice' });
    const again = await registerUser(t.db, a.id, { externalUserId: 'alice', displayName: 'Other' });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.user.id).toBe(first.user.id);
    expect(again.user.displayName).toBe('Alice');
    const inB = await registerUser(t.db, b.id, { externalUserId: 'alice' });
    expect(inB.created).toBe(true);
    expect(inB.user.id).not.toBe(first.user.id);
  });

  it('never makes two rows when the same user is registered concurrently', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => registerUser(t.db, a.id, { externalUserId: 'racer' })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
    const rows = await t.db.select().from(users);
    expect(rows.filter((u) => u.externalUserId === 'racer')).toHaveLength(1);
  });

  it('finds a user by external id or usr_ id, only within its company', async () => {
    const { user } = await registerUser(t.db, a.id, { externalUserId: '0x1234...abcd' });
    expect((await findUser(t.db, a.id, '0x1234...abcd'))?.id).toBe(user.id);
    expect((await findUser(t.db, a.id, user.id))?.id).toBe(user.id);
    expect(await findUser(t.db, b.id, user.id)).toBeUndefined();
    expect(await findUser(t.db, b.id, '0x1234...abcd')).toBeUndefined();
    await expect(getUser(t.db, b.id, user.id)).rejects.toMatchObject({
      kind: 'not_found',
      code: 'user_not_found',
    });
    await expect(getUser(t.db, b.id, user.id)).rejects.toBeInstanceOf(AppError);
  });

  it('lists a page of one company, oldest first, with the total', async () => {
    const { rows, count } = await listUsers(t.db, b.id, { offset: 0, limit: 10 });
    expect(count).toBe(1);
    expect(rows.map((r) => r.externalUserId)).toEqual(['alice']);
    const all = await listUsers(t.db, a.id, { offset: 1, limit: 1 });
    expect(all.count).toBe(3);
    expect(all.rows.map((r) => r.externalUserId)).toEqual(['racer']);
  });
});
