// Prefixed, time-ordered ids ("usr_01jd…") and random secrets. Ids sort by creation time, so pages are stable.
import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = [
  'cmp',
  'usr',
  'addr',
  'prod',
  'var',
  'ord',
  'mer',
  'msg',
  'evt',
  'itm',
  'syn',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

// Crockford base32, lower case: no I, L, O, U, so ids read aloud and copy cleanly.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % 32];
  return out;
}

function timePart(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/** `prefix_` + 10 characters of milliseconds + 16 random characters (80 bits). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${timePart(Date.now())}${base32(randomBytes(16), 16)}`;
}

/** A random token with a readable prefix, e.g. `sk_…`; 32 characters of base62 = 190 bits. */
export function newSecret(prefix: string, length = 32): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Rejection sampling keeps every character equally likely (248 = 4 * 62).
      if (byte < 248 && out.length < length) out += chars[byte % 62];
    }
  }
  return `${prefix}_${out}`;
}
