// Small pieces every CLI command uses: output, usage errors, validation of flags, admin access for one command.
import type { z } from 'zod';
import { loadConfig } from '../config.js';
import { openAdminAccess, type AdminAccess } from './admin-access.js';

/** Bad flags or arguments: exit code 2. */
export class UsageError extends Error {}

export const out = (text: string) => process.stdout.write(`${text}\n`);

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`${flag}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

export async function withAdminAccess<T>(fn: (access: AdminAccess) => Promise<T>): Promise<T> {
  const access = await openAdminAccess(loadConfig());
  try {
    return await fn(access);
  } finally {
    await access.close();
  }
}
