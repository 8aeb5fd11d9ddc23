// End users of a company, keyed by the integrator's own id (external_user_id). Every query is scoped to one company.
import { and, asc, count, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { normalizeMoney } from '../money.js';
import { users, type UserRow } from './schema.js';

export const externalUserIdSchema = z
  .string()
  .min(1)
  .max(255)
  // It travels in URL paths and query strings: no slashes, no control characters, no surrounding spaces.
  .regex(
    /^[^/\s\p{Cc}](?:[^/\p{Cc}]*[^/\s\p{Cc}])?$/u,
    'must not contain "/", control characters or surrounding spaces',
  )
  .describe("Your app's unique identifier for this user (e.g. a database id, email or wallet address).");

export const displayNameSchema = z
  .string()
  .trim()
  .max(200)
  .describe('The name shown for this user; may be empty.');

const limit = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'must be a decimal amount such as "250.00"')
  .nullable();

export const spendingLimitsSchema = z
  .object({
    per_order: limit.describe('Most one order may cost; null = no limit.'),
    per_day: limit.describe('Most the user may spend in any 24 hours; null = no limit.'),
  })
  .describe('Checked before any payment webhook is sent; an order over a limit is refused.');

export const spendingLimitsPatchSchema = spendingLimitsSchema.partial().strict();

export const userViewSchema = z
  .object({
    id: z.string().describe('Aisle\'s id for the user ("usr_…").'),
    external_user_id: z.string().describe("Your app's id for the user."),
    display_name: z.string(),
    spending_limits: spendingLimitsSchema,
    created_at: z.string().describe('ISO 8601, UTC.'),
  })
  .describe('User');

export type UserView = z.infer<typeof userViewSchema>;

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    external_user_id: row.externalUserId,
    display_name: row.displayName,
    spending_limits: { per_order: row.spendLimitPerOrder, per_day: row.spendLimitPerDay },
    created_at: row.createdAt.toISOString(),
  };
}

/** Creates the user, or returns the existing one with `created: false`; concurrent calls never make two. */
export async function registerUser(
  db: Db,
  companyId: string,
  input: { externalUserId: string; displayName?: string },
): Promise<{ user: UserRow; created: boolean }> {
  const [inserted] = await db
    .insert(users)
    .values({ companyId, externalUserId: input.externalUserId, displayName: input.displayName ?? '' })
    .onConflictDoNothing({ target: [users.companyId, users.externalUserId] })
    .returning();
  if (inserted) return { user: inserted, created: true };
  const existing = await findUser(db, companyId, input.externalUserId);
  if (!existing) throw new AppError('conflict', 'The user was deleted while being registered; try again.');
  return { user: existing, created: false };
}

/** Looks a user up by the integrator's external id first, then by our `usr_` id; only within the company. */
export async function findUser(db: Db, companyId: string, ref: string): Promise<UserRow | undefined> {
  const [byExternal] = await db
    .select()
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.externalUserId, ref)))
    .limit(1);
  if (byExternal || !ref.startsWith('usr_')) return byExternal;
  const [byId] = await db
    .select()
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.id, ref)))
    .limit(1);
  return byId;
}

/** Like findUser, but a missing user (or another company's) is a 404. */
export async function getUser(db: Db, companyId: string, ref: string): Promise<UserRow> {
  const user = await findUser(db, companyId, ref);
  if (!user) {
    throw new AppError(
      'not_found',
      `No user "${ref}" is registered for this company; register it with POST /api/v1/users/.`,
      {
        code: 'user_not_found',
        title: 'User not found',
      },
    );
  }
  return user;
}

export type UserPatch = {
  displayName?: string;
  spendingLimits?: { per_order?: string | null; per_day?: string | null };
};

export async function updateUser(db: Db, companyId: string, ref: string, patch: UserPatch) {
  const user = await getUser(db, companyId, ref);
  const limits = patch.spendingLimits ?? {};
  const set = {
    ...(patch.displayName !== undefined && { displayName: patch.displayName }),
    ...(limits.per_order !== undefined && {
      spendLimitPerOrder: limits.per_order && normalizeMoney(limits.per_order),
    }),
    ...(limits.per_day !== undefined && {
      spendLimitPerDay: limits.per_day && normalizeMoney(limits.per_day),
    }),
  };
  if (Object.keys(set).length === 0) return user;
  const [row] = await db.update(users).set(set).where(eq(users.id, user.id)).returning();
  return row!;
}

/** One page of the company's users, oldest first, and the total count. */
export async function listUsers(db: Db, companyId: string, page: { offset: number; limit: number }) {
  const where = eq(users.companyId, companyId);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(users)
      .where(where)
      .orderBy(asc(users.createdAt), asc(users.id))
      .offset(page.offset)
      .limit(page.limit),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { rows, count: total?.n ?? 0 };
}
