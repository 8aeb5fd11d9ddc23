// One process at a time may open the embedded database folder: PGlite has no locking of its own, and two writers corrupt it.
import fs from 'node:fs/promises';
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

/** Takes the lock on `dir`; resolves to the function that releases it. A crashed holder's lock goes stale in 10 s. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await fs.mkdir(dir, { recursive: true });
  try {
    return await lockfile.lock(dir, {
      lockfilePath: path.join(dir, '.lock'),
      stale: 10_000,
      update: 2_500,
      realpath: false,
      // If another process took over a lock we held, stop writing rather than corrupt the folder.
      onCompromised: (err) => {
        process.stderr.write(
          `aisle: lost the lock on ${dir} (${err.message}); exiting to protect the data.\n`,
        );
        process.exit(1);
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new DatabaseLockedError(dir);
    throw err;
  }
}
