// Text analysis shared by every engine: normalise, split, drop stop words, stem, and expand commerce synonyms.
import { stemmer } from 'stemmer';

const STOP_WORDS = new Set(
  'a an and are as at be by for from has have i in is it its me my of on or our show some that the this to want with you your need looking find get buy any please'.split(
    ' ',
  ),
);

// Words that should not be split or stemmed apart: "t-shirt" and "t shirt" are one word.
const PHRASES: [RegExp, string][] = [
  [/\bt[\s-]?shirts?\b/g, 'tshirt'],
  [/\btees?\b/g, 'tshirt'],
  [/\bin[\s-]ear\b/g, 'inear'],
  [/\bover[\s-]ear\b/g, 'overear'],
  [/\bon[\s-]ear\b/g, 'onear'],
  [/\bwi[\s-]?fi\b/g, 'wifi'],
  [/\brain ?coats?\b/g, 'rainjacket'],
  [/\brain jackets?\b/g, 'rainjacket'],
  [/\bface cream\b/g, 'moisturizer'],
  [/\bflip[\s-]flops?\b/g, 'flipflop'],
  [/\busb[\s-]c\b/g, 'usbc'],
  [/\be[\s-]?readers?\b/g, 'ereader'],
];

/** Groups of words a shopper uses for the same thing; a query for one also finds the others (at lower weight). */
export const SYNONYM_GROUPS: string[][] = [
  ['sneaker', 'trainer', 'kicks'],
  ['hoodie', 'sweatshirt', 'pullover'],
  ['tshirt', 'top'],
  ['earbud', 'earphone', 'inear'],
  ['headphone', 'headset'],
  ['moisturizer', 'moisturiser', 'lotion'],
  ['rainjacket', 'shell', 'waterproof jacket'],
  ['pan', 'skillet', 'frypan'],
  ['pot', 'saucepan'],
  ['couch', 'sofa'],
  ['backpack', 'rucksack', 'daypack', 'pack'],
  ['jumper', 'sweater'],
  ['pants', 'trousers'],
  ['jeans', 'denim'],
  ['flashlight', 'torch', 'headlamp'],
  ['charger', 'power adapter'],
  ['cable', 'cord'],
  ['speaker', 'soundbar'],
  ['perfume', 'fragrance', 'cologne', 'eau de parfum'],
  ['serum', 'essence'],
  ['sunscreen', 'spf', 'sunblock'],
  ['boot', 'bootie'],
  ['sandal', 'slide', 'flipflop'],
  ['mug', 'cup'],
  ['knife', 'knives'],
  ['duvet', 'comforter'],
  ['jacket', 'coat'],
  ['running', 'jogging', 'runner'],
  ['hiking', 'trekking', 'trail', 'walking'],
];

const stemCache = new Map<string, string>();

/** The stem of one lower-case word, cached (the same few thousand words recur across a catalog). */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /\d/.test(word) || word.length <= 3 ? word : stemmer(word);
    if (stemCache.size < 200_000) stemCache.set(word, s);
  }
  return s;
}

// The phrases in one pass. Each pattern and each replacement begins and ends with a word character, and no
// replacement forms another pattern, so this equals applying them one after another.
const ANY_PHRASE = new RegExp(PHRASES.map(([p]) => `(${p.source})`).join('|'), 'g');
const phraseOf = (_: string, ...groups: unknown[]) =>
  PHRASES[groups.findIndex((g, i) => i < PHRASES.length && g !== undefined)]![1];
const NON_ASCII = /[\u0080-\uffff]/;

export function normalizeText(text: string): string {
  // NFKD leaves ASCII as it is: only other text needs decomposing and its accents stripping.
  const plain = NON_ASCII.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : text;
  return plain
    .toLowerCase()
    .replace(/[’']s\b/g, '') // "men's" -> "men"
    .replace(/[’']/g, '')
    .replace(ANY_PHRASE, phraseOf);
}

/** Splits normalised text into words: letters and digits, keeping decimals such as "10.5" together. */
export function splitWords(text: string): string[] {
  return text.match(/\d+(?:\.\d+)?|[a-z0-9]+/g) ?? [];
}

/** One word of normalised text as an index term: its stem, or null for a stop word. */
export function processWord(word: string): string | null {
  return STOP_WORDS.has(word) ? null : stem(word);
}

/** Index-time and query-time terms of a text: normalised, split, without stop words, stemmed. */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const word of splitWords(normalizeText(text))) {
    const term = processWord(word);
    if (term) out.push(term);
  }
  return out;
}

// Stemmed term -> the stemmed terms of its synonyms (single words only; phrases are matched as their words).
const SYNONYMS: Map<string, string[]> = (() => {
  const map = new Map<string, Set<string>>();
  for (const group of SYNONYM_GROUPS) {
    const stems = group.map((w) => analyze(w).join(' ')).filter((s) => s && !s.includes(' '));
    for (const s of stems) {
      const set = map.get(s) ?? new Set<string>();
      for (const other of stems) if (other !== s) set.add(other);
      map.set(s, set);
    }
  }
  return new Map([...map].map(([k, v]) => [k, [...v]]));
})();

/** The synonyms of one analysed term (not including the term itself). */
export function synonymsOf(term: string): string[] {
  return SYNONYMS.get(term) ?? [];
}
