// Chat session tokens: the integrator's server trades its credentials for a short-lived token bound to one shopper,
// so the browser opens the socket with ?token= and never holds the secret key.
import { createHash } from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import { companies, users, type CompanyRow, type UserRow } from '../commerce/schema.js';
import type { Db } from '../db/client.js';
import { newSecret } from '../ids.js';
import { chatSessions } from './schema.js';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createChatSession(db: Db, companyId: string, userId: string, ttlSeconds: number) {
  const token = newSecret('cst', 40);
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await db.insert(chatSessions).values({ tokenHash: digest(token), companyId, userId, expiresAt });
  // Expired tokens are dropped as new ones are made; no sweeper needed.
  await db.delete(chatSessions).where(lt(chatSessions.expiresAt, sql`now() - interval '1 day'`));
  return { token, expiresAt };
}

/** The company and shopper a live token is for; null when unknown or expired. */
export async function resolveChatSession(
  db: Db,
  token: string,
): Promise<{ company: CompanyRow; user: UserRow } | null> {
  const [row] = await db
    .select({ company: companies, user: users })
    .from(chatSessions)
    .innerJoin(companies, eq(chatSessions.companyId, companies.id))
    .innerJoin(users, eq(chatSessions.userId, users.id))
    .where(and(eq(chatSessions.tokenHash, digest(token)), gt(chatSessions.expiresAt, new Date())));
  return row ?? null;
}
