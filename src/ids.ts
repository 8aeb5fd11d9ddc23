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

function timePart(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

let lastTime = -1;
let lastRandom: number[] = [];

/** The next random part within one millisecond: the previous one plus one, so ids made together keep their order. */
function increment(digits: number[]): number[] | null {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return null; // 80 bits exhausted within one millisecond: cannot happen in practice
}

/**
 * `prefix_` + 10 characters of milliseconds + 16 random characters (80 bits). Monotonic within a process (as ULIDs):
 * ids made in the same millisecond, e.g. a batch insert's, still sort in the order they were made.
 */
export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  let digits: number[] | null = null;
  if (now <= lastTime) digits = increment(lastRandom);
  if (digits) {
    lastRandom = digits;
  } else {
    lastTime = now;
    lastRandom = [...randomBytes(16)].map((b) => b % 32);
  }
  return `${prefix}_${timePart(lastTime)}${lastRandom.map((d) => ALPHABET[d]).join('')}`;
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
