// One process at a time may open the embedded database folder: PGlite has no locking of its own, and two writers corrupt it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** The embedded database is open in another process. */
export class DatabaseLockedError extends Error {
  override name = 'DatabaseLockedError';
  constructor(readonly dir: string) {
    super(
      `The embedded database in ${dir} is in use by another Aisle process. ` +
        'Stop that process, point AISLE_DATA_DIR elsewhere, or set DATABASE_URL to a Postgres server.',
    );
  }
}

const STALE_MS = 10_000;
const OWNER_FILE = '.lock-owner';

/** Whether the recorded holder of the lock is a process on this machine that no longer exists. */
async function holderIsDead(dir: string): Promise<boolean> {
  try {
    const { pid, host } = JSON.parse(await fs.readFile(path.join(dir, OWNER_FILE), 'utf8')) as {
      pid: number;
      host: string;
    };
    if (host !== os.hostname() || pid === process.pid) return false;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const take = (dir: string, retries: number) =>
  lockfile.lock(dir, {
    lockfilePath: path.join(dir, '.lock'),
    stale: STALE_MS,
    update: 2_500,
    realpath: false,
    retries: { retries, minTimeout: 1000, maxTimeout: 1000, factor: 1 },
    // If another process took over a lock we held, stop writing rather than corrupt the folder.
    onCompromised: (err) => {
      process.stderr.write(`aisle: lost the lock on ${dir} (${err.message}); exiting to protect the data.\n`);
      process.exit(1);
    },
  });

/**
 * Takes the lock on `dir`; resolves to the function that releases it. A live holder is an error at once. A holder
 * that died without releasing (killed, crashed) leaves a lock that goes stale within 10 s: wait for that rather than
 * fail, so a supervisor restarting the server right away succeeds.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await fs.mkdir(dir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await take(dir, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    if (!(await holderIsDead(dir))) throw new DatabaseLockedError(dir);
    try {
      release = await take(dir, Math.ceil(STALE_MS / 1000) + 2);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw new DatabaseLockedError(dir);
      throw again;
    }
  }
  await fs.writeFile(path.join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: os.hostname() }));
  return release;
}
