// Store credentials at rest: AES-256-GCM with a key derived from AISLE_ENCRYPTION_KEY, or from a random key file
// made once in the data folder (fine for one node; several nodes must share AISLE_ENCRYPTION_KEY).
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';

const SALT = 'aisle/store-credentials/v1';

export type Sealer = { seal(value: unknown): string; open<T>(sealed: string): T };

export function keyFor(
  config: Pick<Config, 'dataDir'> & { stores: Pick<Config['stores'], 'encryptionKey'> },
) {
  let secret = config.stores.encryptionKey;
  if (!secret) {
    const file = path.join(config.dataDir, 'encryption.key');
    try {
      secret = fs.readFileSync(file, 'utf8').trim();
    } catch {
      fs.mkdirSync(config.dataDir, { recursive: true });
      secret = randomBytes(32).toString('base64');
      // wx: never overwrite a key another process just wrote.
      try {
        fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      } catch {
        secret = fs.readFileSync(file, 'utf8').trim();
      }
    }
  }
  return scryptSync(secret, SALT, 32);
}

/** A sealer whose key is read (or made) on first use, so processes that never touch a store never need one. */
export function lazySealer(key: () => Buffer): Sealer {
  let sealer: Sealer | undefined;
  const get = () => (sealer ??= createSealer(key()));
  return { seal: (value) => get().seal(value), open: <T>(sealed: string) => get().open<T>(sealed) };
}

export function createSealer(key: Buffer): Sealer {
  return {
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open<T>(sealed: string): T {
      const raw = Buffer.from(sealed.replace(/^v1\./, ''), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
        return JSON.parse(text) as T;
      } catch (err) {
        throw new AppError(
          'internal',
          'Cannot decrypt the store credentials: AISLE_ENCRYPTION_KEY differs from the one they were saved with.',
          { code: 'credentials_unreadable', cause: err },
        );
      }
    },
  };
}
