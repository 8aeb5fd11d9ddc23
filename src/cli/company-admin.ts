// Company administration for the CLI, on the database or through the running local server (see admin-access.ts).
import {
  createCompany,
  listCompanies,
  rotateSecretKey,
  rotateWebhookSecret,
  toCompanyView,
  updateCompany,
  type CompanyView,
} from '../commerce/index.js';
import type { AdminAccess } from './admin-access.js';

export type CompanyPatch = { name?: string; webhookUrl?: string | null; allowedTools?: string[] | null };
type WithSecrets = CompanyView & { secret_key: string; webhook_secret: string };

export type CompanyAdmin = {
  create(input: { name: string; webhookUrl?: string | null }): Promise<WithSecrets>;
  list(): Promise<CompanyView[]>;
  update(ref: string, patch: CompanyPatch): Promise<CompanyView>;
  rotateSecret(ref: string): Promise<CompanyView & { secret_key: string }>;
  rotateWebhookSecret(ref: string): Promise<CompanyView & { webhook_secret: string }>;
};

export function companyAdmin(access: AdminAccess): CompanyAdmin {
  if (access.via === 'server') {
    const { call } = access;
    const ref = (r: string) => `/companies/${encodeURIComponent(r)}/`;
    return {
      create: (input) =>
        call('POST', '/companies/', { json: { name: input.name, webhook_url: input.webhookUrl ?? null } }),
      list: () => call('GET', '/companies/'),
      update: (r, patch) =>
        call('PATCH', ref(r), {
          json: { name: patch.name, webhook_url: patch.webhookUrl, allowed_tools: patch.allowedTools },
        }),
      rotateSecret: (r) => call('POST', `${ref(r)}rotate-secret/`),
      rotateWebhookSecret: (r) => call('POST', `${ref(r)}rotate-webhook-secret/`),
    };
  }
  const db = access.database.db;
  return {
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
  };
}
