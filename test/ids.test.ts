import { describe, expect, it } from 'vitest';
import { newId, newSecret } from '../src/ids.js';

describe('ids', () => {
  it('are prefixed, fixed-length and url-safe', () => {
    expect(newId('usr')).toMatch(/^usr_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(newId('addr')).toMatch(/^addr_/);
  });

  it('sort by creation time', async () => {
    const a = newId('usr');
    await new Promise((r) => setTimeout(r, 3));
    const b = newId('usr');
    expect([b, a].sort()).toEqual([a, b]);
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('ord')));
    expect(ids.size).toBe(10_000);
  });

  it('secrets are base62 of the asked length', () => {
    expect(newSecret('sk', 40)).toMatch(/^sk_[A-Za-z0-9]{40}$/);
    expect(new Set(Array.from({ length: 1000 }, () => newSecret('x', 8))).size).toBe(1000);
  });
});

describe('newId ordering', () => {
  it('keeps ids made in the same millisecond in the order they were made', () => {
    const ids = Array.from({ length: 2000 }, () => newId('var'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
