// Companies (integrators) and their credentials: client id, secret key (stored only as a hash) and webhook secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { asc, eq, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { newSecret } from '../ids.js';
import { companies, type CompanyRow } from './schema.js';

export const webhookUrlSchema = z
  .string()
  .max(2048)
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: 'must be an http:// or https:// URL without credentials' },
  )
  .describe('Where Aisle POSTs signed webhooks (balance_check, charge, order_followup).');

export const companyNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('The company name shown to people.');

export const companyViewSchema = z
  .object({
    id: z.string().describe('Company id ("cmp_…").'),
    name: z.string(),
    client_id: z.string().describe('Sent as X-Client-ID.'),
    secret_key_hint: z.string().describe('The first characters of the current secret key.'),
    webhook_url: z.string().nullable(),
    allowed_tools: z.array(z.string()).nullable().describe('The tools its integration exposes; null = all.'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe('Company');

export type CompanyView = z.infer<typeof companyViewSchema>;

export function toCompanyView(row: CompanyRow): CompanyView {
  return {
    id: row.id,
    name: row.name,
    client_id: row.clientId,
    secret_key_hint: row.secretKeyHint,
    webhook_url: row.webhookUrl,
    allowed_tools: row.allowedTools,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const hintOf = (secret: string) => `${secret.slice(0, 7)}…`;
const newSecretKey = () => newSecret('sk', 40);
const newWebhookSecret = () => newSecret('whsec', 32);

export async function createCompany(db: Db, input: { name: string; webhookUrl?: string | null }) {
  const secretKey = newSecretKey();
  const webhookSecret = newWebhookSecret();
  const [row] = await db
    .insert(companies)
    .values({
      name: input.name,
      clientId: newSecret('cid', 24),
      secretKeyHash: hashSecret(secretKey),
      secretKeyHint: hintOf(secretKey),
      webhookUrl: input.webhookUrl ?? null,
      webhookSecret,
    })
    .returning();
  return { company: row!, secretKey, webhookSecret };
}

export async function listCompanies(db: Db): Promise<CompanyRow[]> {
  return db.select().from(companies).orderBy(asc(companies.createdAt), asc(companies.id));
}

/** Finds a company by its `cmp_` id or its client id; 404 when there is none. */
export async function getCompany(db: Db, ref: string): Promise<CompanyRow> {
  const [row] = await db
    .select()
    .from(companies)
    .where(or(eq(companies.id, ref), eq(companies.clientId, ref)))
    .limit(1);
  if (!row)
    throw new AppError('not_found', `No company with id or client id "${ref}".`, {
      code: 'company_not_found',
    });
  return row;
}

/** Issues a new secret key; the old one stops working at once. */
export async function rotateSecretKey(db: Db, ref: string) {
  const company = await getCompany(db, ref);
  const secretKey = newSecretKey();
  const [row] = await db
    .update(companies)
    .set({ secretKeyHash: hashSecret(secretKey), secretKeyHint: hintOf(secretKey) })
    .where(eq(companies.id, company.id))
    .returning();
  return { company: row!, secretKey };
}

/** Issues a new webhook secret; webhooks are signed with it from now on. */
export async function rotateWebhookSecret(db: Db, ref: string) {
  const company = await getCompany(db, ref);
  const webhookSecret = newWebhookSecret();
  const [row] = await db
    .update(companies)
    .set({ webhookSecret })
    .where(eq(companies.id, company.id))
    .returning();
  return { company: row!, webhookSecret };
}

export async function updateCompany(
  db: Db,
  ref: string,
  patch: { name?: string; webhookUrl?: string | null; allowedTools?: string[] | null },
) {
  const company = await getCompany(db, ref);
  if (Object.values(patch).every((v) => v === undefined)) return company;
  const [row] = await db
    .update(companies)
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.webhookUrl !== undefined && { webhookUrl: patch.webhookUrl }),
      ...(patch.allowedTools !== undefined && { allowedTools: patch.allowedTools }),
    })
    .where(eq(companies.id, company.id))
    .returning();
  return row!;
}

// Compared against when the client id is unknown, so a miss costs the same time as a wrong key.
const DUMMY_HASH = hashSecret('no-such-company');

/** The company whose secret key this is (a bearer token), or null. The key is looked up by its hash. */
export async function authenticateCompanyBySecret(db: Db, secretKey: string): Promise<CompanyRow | null> {
  const [row] = await db
    .select()
    .from(companies)
    .where(eq(companies.secretKeyHash, hashSecret(secretKey)))
    .limit(1);
  return row ?? null;
}

/** The company whose client id and secret key these are, or null. Constant time in the secret key. */
export async function authenticateCompany(
  db: Db,
  clientId: string,
  secretKey: string,
): Promise<CompanyRow | null> {
  const [row] = await db.select().from(companies).where(eq(companies.clientId, clientId)).limit(1);
  const given = Buffer.from(hashSecret(secretKey), 'hex');
  const expected = Buffer.from(row?.secretKeyHash ?? DUMMY_HASH, 'hex');
  const match = timingSafeEqual(given, expected);
  return row && match ? row : null;
}
