// Money is exact: decimal strings on the wire and in Postgres numeric, integer minor units (cents) in code.

/** "129.99" -> 12999. Throws on anything that is not a non-negative decimal with at most 2 decimals. */
export function toMinor(decimal: string): number {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal.trim());
  if (!m) throw new Error(`not a money amount: "${decimal}"`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** 12999 -> "129.99". */
export function fromMinor(minor: number): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new Error(`not an amount in minor units: ${minor}`);
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/** Normalises "129.9" or "129.90" to "129.90". */
export const normalizeMoney = (decimal: string) => fromMinor(toMinor(decimal));
