// A server on the embedded database owns its folder; it leaves its address and a local admin token beside it
// (readable by its owner only) so CLI commands can go through it instead of opening the folder twice.
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const FILE = 'server.json';
const infoSchema = z.object({
  pid: z.number().int(),
  url: z.string().url(),
  admin_token: z.string().min(16),
});
export type LocalServerInfo = z.infer<typeof infoSchema>;

export async function writeLocalServerInfo(dataDir: string, info: LocalServerInfo): Promise<void> {
  const file = path.join(dataDir, FILE);
  await fs.writeFile(file, JSON.stringify(info), { mode: 0o600 });
}

export async function removeLocalServerInfo(dataDir: string, pid = process.pid): Promise<void> {
  const info = await readLocalServerInfo(dataDir);
  if (info?.pid === pid) await fs.rm(path.join(dataDir, FILE), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running local server's address and token, or null when none is running. */
export async function readLocalServerInfo(dataDir: string): Promise<LocalServerInfo | null> {
  try {
    const info = infoSchema.parse(JSON.parse(await fs.readFile(path.join(dataDir, FILE), 'utf8')));
    return isAlive(info.pid) ? info : null;
  } catch {
    return null;
  }
}
