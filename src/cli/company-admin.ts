// Company administration for the CLI: straight on the database, or through the running local server's admin API
// when that server holds the embedded database.
import type { Config } from '../config.js';
import {
  createCompany,
  listCompanies,
  rotateSecretKey,
  rotateWebhookSecret,
  toCompanyView,
  updateCompany,
  type CompanyView,
} from '../commerce/index.js';
import { databaseTarget, openDatabase } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { DatabaseLockedError } from '../db/pglite-lock.js';
import { AppError, type ErrorKind } from '../errors.js';
import { readLocalServerInfo } from './local-server.js';

export type CompanyPatch = { name?: string; webhookUrl?: string | null };

export type CompanyAdmin = {
  create(input: {
    name: string;
    webhookUrl?: string | null;
  }): Promise<CompanyView & { secret_key: string; webhook_secret: string }>;
  list(): Promise<CompanyView[]>;
  update(ref: string, patch: CompanyPatch): Promise<CompanyView>;
  rotateSecret(ref: string): Promise<CompanyView & { secret_key: string }>;
  rotateWebhookSecret(ref: string): Promise<CompanyView & { webhook_secret: string }>;
  /** How the commands reach the data, for the user: "database" or the server's URL. */
  via: string;
  close(): Promise<void>;
};

export async function openCompanyAdmin(config: Config): Promise<CompanyAdmin> {
  try {
    return await direct(config);
  } catch (err) {
    if (!(err instanceof DatabaseLockedError)) throw err;
    const server = await readLocalServerInfo(config.dataDir);
    if (!server) throw err;
    return viaServer(server.url, server.admin_token);
  }
}

async function direct(config: Config): Promise<CompanyAdmin> {
  const database = await openDatabase(databaseTarget(config));
  try {
    await migrateDatabase(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  const db = database.db;
  return {
    via: 'database',
    async create(input) {
      const c = await createCompany(db, input);
      return { ...toCompanyView(c.company), secret_key: c.secretKey, webhook_secret: c.webhookSecret };
    },
    list: async () => (await listCompanies(db)).map(toCompanyView),
    update: async (ref, patch) => toCompanyView(await updateCompany(db, ref, patch)),
    async rotateSecret(ref) {
      const r = await rotateSecretKey(db, ref);
      return { ...toCompanyView(r.company), secret_key: r.secretKey };
    },
    async rotateWebhookSecret(ref) {
      const r = await rotateWebhookSecret(db, ref);
      return { ...toCompanyView(r.company), webhook_secret: r.webhookSecret };
    },
    close: () => database.close(),
  };
}

function viaServer(baseUrl: string, token: string): CompanyAdmin {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(`/api/admin${path}`, baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { detail?: string; code?: string };
    if (!res.ok) {
      const kind: ErrorKind =
        res.status === 404 ? 'not_found' : res.status === 400 ? 'bad_request' : 'internal';
      throw new AppError(kind, json.detail ?? `The server answered ${res.status}.`, { code: json.code });
    }
    return json;
  }
  const ref = (r: string) => `/companies/${encodeURIComponent(r)}/`;
  return {
    via: baseUrl,
    create: (input) =>
      call('POST', '/companies/', { name: input.name, webhook_url: input.webhookUrl ?? null }),
    list: () => call('GET', '/companies/'),
    update: (r, patch) => call('PATCH', ref(r), { name: patch.name, webhook_url: patch.webhookUrl }),
    rotateSecret: (r) => call('POST', `${ref(r)}rotate-secret/`),
    rotateWebhookSecret: (r) => call('POST', `${ref(r)}rotate-webhook-secret/`),
    close: async () => {},
  };
}
