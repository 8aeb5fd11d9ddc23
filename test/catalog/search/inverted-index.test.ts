import { describe, expect, it } from 'vitest';
import { boundedEditDistance } from '../../../src/catalog/search/embedded.js';
import { InvertedIndex } from '../../../src/catalog/search/inverted-index.js';

const fields = { title: { weight: 2, typicalLength: 4 }, body: { weight: 1, typicalLength: 10 } };
const doc = (title: string, body = '') => ({
  title: title.split(' ').filter(Boolean),
  body: body.split(' ').filter(Boolean),
});

describe('InvertedIndex', () => {
  it('scores products holding every word above none, and weights fields', () => {
    const index = new InvertedIndex<'title' | 'body', number>(fields);
    index.add('a', doc('tent', 'a tent for two'), 1);
    index.add('b', doc('lamp', 'light for the tent'), 2);
    index.add('c', doc('stove'), 3);
    const { all } = index.score([[{ term: 'tent', weight: 1 }]]);
    expect(all.map((h) => index.idOf(h.slot))).toEqual(['a', 'b']);
    expect(all[0]!.score).toBeGreaterThan(all[1]!.score);
    expect(index.payloadOf(all[0]!.slot)).toBe(1);
  });

  it('separates full and partial matches, and counts a group once whatever alternative matched', () => {
    const index = new InvertedIndex<'title' | 'body', null>(fields);
    index.add('both', doc('trail shoe'), null);
    index.add('syn', doc('trail sneaker'), null);
    index.add('one', doc('trail map'), null);
    const groups = [
      [{ term: 'trail', weight: 1 }],
      [
        { term: 'shoe', weight: 1 },
        { term: 'sneaker', weight: 0.6 },
      ],
    ];
    const strict = index.score(groups);
    expect(strict.all.map((h) => index.idOf(h.slot)).sort()).toEqual(['both', 'syn']);
    expect(strict.some).toEqual([]);
    const loose = index.score(groups, true);
    expect(loose.some.map((h) => index.idOf(h.slot))).toEqual(['one']);
  });

  it('replaces, removes, and stays correct across compaction', () => {
    const index = new InvertedIndex<'title' | 'body', number>(fields);
    for (let i = 0; i < 3000; i++) index.add(`p${i}`, doc(`item${i} widget`), i);
    // Re-adding and removing leaves dead slots; past a quarter of them the index compacts itself.
    for (let i = 0; i < 3000; i += 2) index.add(`p${i}`, doc(`item${i} gadget`), -i);
    for (let i = 1; i < 3000; i += 4) index.remove(`p${i}`);
    expect(index.size).toBe(3000 - 750);
    const widgets = index.score([[{ term: 'widget', weight: 1 }]]).all.map((h) => index.idOf(h.slot));
    expect(widgets).toHaveLength(750);
    expect(widgets.every((id) => Number(id!.slice(1)) % 4 === 3)).toBe(true);
    const [hit] = index.score([[{ term: 'item42', weight: 1 }]]).all;
    expect(index.idOf(hit!.slot)).toBe('p42');
    expect(index.payloadOf(hit!.slot)).toBe(-42);
    expect(index.score([[{ term: 'item41', weight: 1 }]]).all).toEqual([]);
    expect([...index.slots()]).toHaveLength(2250);
    index.clear();
    expect(index.size).toBe(0);
  });
});

describe('boundedEditDistance', () => {
  it('counts edits up to the bound', () => {
    expect(boundedEditDistance('headphon', 'hedphon', 2)).toBe(1);
    expect(boundedEditDistance('sneaker', 'sneeker', 1)).toBe(1);
    expect(boundedEditDistance('tent', 'tent', 1)).toBe(0);
    expect(boundedEditDistance('tent', 'stove', 1)).toBe(2);
    expect(boundedEditDistance('a', 'abcdef', 2)).toBe(3);
  });
});
