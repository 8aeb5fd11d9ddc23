// Portal accounts and sessions: scrypt password hashes (memory-hard, a salt per account, verified in constant time),
// sign-up of a company's or a merchant's account (the company or merchant is made in the same transaction), sessions
// whose cookie token is stored only as a hash, each with its own CSRF token, and a small in-memory attempt limiter.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import { z } from 'zod';
import { slugify } from '../catalog/merchants.js';
import { merchants, type MerchantRow } from '../catalog/schema.js';
import { createCompany, type CompanyRow } from '../commerce/index.js';
import { companies } from '../commerce/schema.js';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import {
  portalAccounts,
  portalSessions,
  type PortalAccountKind,
  type PortalAccountRow,
  type PortalSessionRow,
} from './schema.js';

// ---- passwords ----

/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB and tens of milliseconds a hash), a 64-byte key. */
export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 64, saltBytes: 16 } as const;
export const MIN_PASSWORD_LENGTH = 10;
/** Longer inputs are refused before hashing: nobody's password is this long, and it bounds the work. */
export const MAX_PASSWORD_LENGTH = 256;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }));

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { message: `must be at least ${MIN_PASSWORD_LENGTH} characters` })
  .max(MAX_PASSWORD_LENGTH, { message: `must be at most ${MAX_PASSWORD_LENGTH} characters` });

/** The one way an email is stored and looked up. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

function scryptAsync(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
  length: number,
) {
  return new Promise<Buffer>((resolve, reject) => {
    // maxmem: 128 * N * r bytes are needed; leave room above Node's 32 MiB default.
    const maxmem = 256 * params.N * params.r;
    scrypt(password.normalize('NFKC'), salt, length, { ...params, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** "scrypt$N$r$p$salt$hash", salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scryptAsync(password, salt, SCRYPT, SCRYPT.keyLength);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Whether `password` matches `stored`; compares in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Only costs this code could have written: a tampered row must not make us allocate gigabytes.
  if (!(N >= 2 ** 14 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 4)) {
    return false;
  }
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || expected.length < 32) return false;
  const given = await scryptAsync(password, salt, { N, r, p }, expected.length);
  return timingSafeEqual(given, expected);
}

// A wrong email costs as much as a wrong password, so response times do not tell which emails have accounts.
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));

// ---- accounts ----

export const newAccountId = () => `acct_${newId('usr').slice(4)}`;

export type PortalAccountView = {
  id: string;
  email: string;
  kind: PortalAccountKind;
  created_at: string;
  company: { id: string; name: string; client_id: string } | null;
  merchant: { id: string; name: string; slug: string } | null;
};

export type AccountWithOwner = {
  account: PortalAccountRow;
  company: CompanyRow | null;
  merchant: MerchantRow | null;
};

export function toAccountView(a: AccountWithOwner): PortalAccountView {
  return {
    id: a.account.id,
    email: a.account.email,
    kind: a.account.kind,
    created_at: a.account.createdAt.toISOString(),
    company: a.company ? { id: a.company.id, name: a.company.name, client_id: a.company.clientId } : null,
    merchant: a.merchant ? { id: a.merchant.id, name: a.merchant.name, slug: a.merchant.slug } : null,
  };
}

const emailTaken = () =>
  new AppError('conflict', 'An account with this email exists already: sign in instead.', {
    code: 'email_taken',
  });

async function emailExists(db: Db, email: string) {
  const [row] = await db
    .select({ id: portalAccounts.id })
    .from(portalAccounts)
    .where(eq(portalAccounts.email, email))
    .limit(1);
  return !!row;
}

/** Inserts the account, or throws email_taken (inside a transaction, which then rolls back). */
async function insertAccount(
  tx: Db,
  values: Omit<typeof portalAccounts.$inferInsert, 'id' | 'createdAt'>,
): Promise<PortalAccountRow> {
  const [row] = await tx
    .insert(portalAccounts)
    .values({ id: newAccountId(), ...values })
    .onConflictDoNothing({ target: portalAccounts.email })
    .returning();
  if (!row) throw emailTaken();
  return row;
}

/**
 * A company's account: makes the company (client id, secret key, webhook secret) and the account in one
 * transaction. The secret key is returned here only, to be shown once.
 */
export async function signUpCompany(db: Db, input: { email: string; password: string; companyName: string }) {
  const email = normalizeEmail(input.email);
  if (await emailExists(db, email)) throw emailTaken();
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const created = await createCompany(tx as unknown as Db, { name: input.companyName });
    const account = await insertAccount(tx as unknown as Db, {
      email,
      passwordHash,
      kind: 'company',
      companyId: created.company.id,
    });
    return {
      owner: { account, company: created.company, merchant: null } satisfies AccountWithOwner,
      secretKey: created.secretKey,
      webhookSecret: created.webhookSecret,
    };
  });
}

/**
 * A merchant's account: makes a new merchant under this name (a name whose slug another merchant has is refused, so
 * nobody can sign up as an existing store) and the account, in one transaction.
 */
export async function signUpMerchant(
  db: Db,
  input: { email: string; password: string; merchantName: string },
) {
  const email = normalizeEmail(input.email);
  const slug = slugify(input.merchantName);
  if (!slug) {
    throw new AppError('bad_request', `"${input.merchantName}" is not a usable store name.`, {
      code: 'invalid_merchant',
    });
  }
  if (await emailExists(db, email)) throw emailTaken();
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [merchant] = await tx
      .insert(merchants)
      .values({ slug, name: input.merchantName.trim() })
      .onConflictDoNothing({ target: merchants.slug })
      .returning();
    if (!merchant) {
      throw new AppError(
        'conflict',
        `A store named "${input.merchantName.trim()}" exists already; choose another name.`,
        { code: 'merchant_name_taken' },
      );
    }
    const account = await insertAccount(tx as unknown as Db, {
      email,
      passwordHash,
      kind: 'merchant',
      merchantId: merchant.id,
    });
    return { owner: { account, company: null, merchant } satisfies AccountWithOwner };
  });
}

/** The account with its company or merchant. */
export async function loadAccount(db: Db, accountId: string): Promise<AccountWithOwner | null> {
  const [row] = await db
    .select({ account: portalAccounts, company: companies, merchant: merchants })
    .from(portalAccounts)
    .leftJoin(companies, eq(companies.id, portalAccounts.companyId))
    .leftJoin(merchants, eq(merchants.id, portalAccounts.merchantId))
    .where(eq(portalAccounts.id, accountId));
  return row ?? null;
}

/** The account these credentials open, or null; takes the same time whether or not the email has an account. */
export async function authenticate(
  db: Db,
  email: string,
  password: string,
): Promise<AccountWithOwner | null> {
  const [account] = await db
    .select()
    .from(portalAccounts)
    .where(eq(portalAccounts.email, normalizeEmail(email)))
    .limit(1);
  const ok = await verifyPassword(password, account?.passwordHash ?? (await dummy()));
  if (!account || !ok) return null;
  return loadAccount(db, account.id);
}

// ---- sessions ----

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export type PortalSession = { token: string; csrf: string; expiresAt: Date };

/** A new session: the token goes in the cookie, only its hash in the database. */
export async function createSession(
  db: Db,
  accountId: string,
  ttlMs = SESSION_TTL_MS,
): Promise<PortalSession> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.insert(portalSessions).values({ tokenHash: sha256(token), accountId, csrfToken: csrf, expiresAt });
  // Now and then, forget sessions that ran out.
  if (Math.random() < 0.05) await db.delete(portalSessions).where(lt(portalSessions.expiresAt, new Date()));
  return { token, csrf, expiresAt };
}

/** The live session of a cookie token, with its account; null when unknown or expired. */
export async function findSession(
  db: Db,
  token: string,
): Promise<{ session: PortalSessionRow; owner: AccountWithOwner } | null> {
  if (!token || token.length > 200) return null;
  const [session] = await db
    .select()
    .from(portalSessions)
    .where(and(eq(portalSessions.tokenHash, sha256(token)), gt(portalSessions.expiresAt, new Date())))
    .limit(1);
  if (!session) return null;
  const owner = await loadAccount(db, session.accountId);
  return owner ? { session, owner } : null;
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.delete(portalSessions).where(eq(portalSessions.tokenHash, sha256(token)));
}

/** Compares a CSRF token sent by the browser with the session's, in constant time. */
export function csrfMatches(session: PortalSessionRow, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(sha256(session.csrfToken), 'hex');
  const b = Buffer.from(sha256(given), 'hex');
  return timingSafeEqual(a, b);
}

// ---- attempt limits ----

/** At most `max` attempts per key in any `windowMs`; in memory (each node counts its own). */
export function attemptLimiter(options: { max: number; windowMs: number }) {
  const hits = new Map<string, number[]>();
  return {
    /** Records an attempt; when over the limit, returns how many seconds until one is allowed again. */
    hit(key: string, now = Date.now()): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
      const times = (hits.get(key) ?? []).filter((t) => now - t < options.windowMs);
      if (times.length >= options.max) {
        hits.set(key, times);
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil((times[0]! + options.windowMs - now) / 1000)),
        };
      }
      times.push(now);
      hits.set(key, times);
      if (hits.size > 50_000) {
        for (const [k, v] of hits) if (v.every((t) => now - t >= options.windowMs)) hits.delete(k);
      }
      return { allowed: true };
    },
  };
}

export type AttemptLimiter = ReturnType<typeof attemptLimiter>;
