// A compact in-memory inverted index with BM25F scoring, over typed arrays. Written because the libraries measured
// (MiniSearch, Orama) spent 15-150 ms a query on a 100,000-product catalog (bench/search): they build an object per
// posting; this walks typed arrays and touches only the products a query's words name.

/** BM25 parameters: k1 (term-frequency saturation) and b (length normalisation). */
const K1 = 1.2;
const B = 0.75;

export type FieldSpec = { weight: number; typicalLength: number };
export type TermAlternative = { term: string; weight: number };
/** One query word: the product must contain one of its alternatives (the word, a synonym, a typo fix…). */
export type TermGroup = TermAlternative[];

class Postings {
  docs = new Int32Array(4);
  weights = new Float32Array(4);
  length = 0;

  push(doc: number, weight: number) {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(this.length * 2);
      docs.set(this.docs);
      this.docs = docs;
      const weights = new Float32Array(this.length * 2);
      weights.set(this.weights);
      this.weights = weights;
    }
    this.docs[this.length] = doc;
    this.weights[this.length++] = weight;
  }
}

export type Scored = { slot: number; score: number };

export class InvertedIndex<F extends string, P> {
  private readonly postings = new Map<string, Postings>();
  /** Slot -> external id; a removed document's slot stays (dead) until compaction. */
  private ids: (string | null)[] = [];
  private payloads: (P | null)[] = [];
  private readonly slotOf = new Map<string, number>();
  private dead = 0;
  // Per-query scratch space, reused: scores and which query (stamp) last touched each slot.
  private scores = new Float64Array(0);
  private stamps = new Int32Array(0);
  private lastGroup = new Int16Array(0);
  private matched = new Uint16Array(0);
  private stamp = 0;

  constructor(private readonly fields: Record<F, FieldSpec>) {}

  get size(): number {
    return this.slotOf.size;
  }

  idOf(slot: number): string | null {
    return this.ids[slot] ?? null;
  }

  /** What the caller stored with the document in this slot. */
  payloadOf(slot: number): P | null {
    return this.payloads[slot] ?? null;
  }

  /** What the caller stored with this document, if it is held. */
  payloadById(id: string): P | null {
    const slot = this.slotOf.get(id);
    return slot === undefined ? null : this.payloadOf(slot);
  }

  /** Every live slot, in insertion order. */
  *slots(): Generator<number> {
    for (let s = 0; s < this.ids.length; s++) if (this.ids[s] !== null) yield s;
  }

  /** Adds (or replaces) a document given as analysed terms per field, with a payload. Returns its slot. */
  add(id: string, terms: Record<F, string[]>, payload: P): number {
    this.remove(id);
    const slot = this.ids.length;
    this.ids.push(id);
    this.payloads.push(payload);
    this.slotOf.set(id, slot);
    // BM25F: each field's term frequency, normalised by that field's length against a typical length, weighted.
    const weighted = new Map<string, number>();
    for (const field of Object.keys(this.fields) as F[]) {
      const list = terms[field];
      if (!list.length) continue;
      const { weight, typicalLength } = this.fields[field];
      const norm = 1 - B + (B * list.length) / typicalLength;
      const counts = new Map<string, number>();
      for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [t, tf] of counts) weighted.set(t, (weighted.get(t) ?? 0) + (weight * tf) / norm);
    }
    for (const [t, w] of weighted) {
      let p = this.postings.get(t);
      if (!p) this.postings.set(t, (p = new Postings()));
      p.push(slot, w);
    }
    return slot;
  }

  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.ids[slot] = null;
    this.payloads[slot] = null;
    this.dead++;
    if (this.dead > 1000 && this.dead > this.ids.length / 4) this.compact();
  }

  clear(): void {
    this.postings.clear();
    this.ids = [];
    this.payloads = [];
    this.slotOf.clear();
    this.dead = 0;
  }

  /** Drops dead slots from every posting list and renumbers the live ones. */
  private compact(): void {
    const remap = new Int32Array(this.ids.length).fill(-1);
    const ids: string[] = [];
    const payloads: P[] = [];
    this.ids.forEach((id, slot) => {
      if (id !== null) {
        remap[slot] = ids.length;
        this.slotOf.set(id, ids.length);
        ids.push(id);
        payloads.push(this.payloads[slot]!);
      }
    });
    for (const [term, p] of this.postings) {
      let n = 0;
      for (let i = 0; i < p.length; i++) {
        const to = remap[p.docs[i]!]!;
        if (to < 0) continue;
        p.docs[n] = to;
        p.weights[n++] = p.weights[i]!;
      }
      p.length = n;
      if (n === 0) this.postings.delete(term);
    }
    this.ids = ids;
    this.payloads = payloads;
    this.dead = 0;
  }

  has(term: string): boolean {
    return this.postings.has(term);
  }

  /** Every indexed term, for typo and prefix expansion. */
  vocabulary(): IterableIterator<string> {
    return this.postings.keys();
  }

  /**
   * Scores the live slots holding at least one alternative of every group (all query words), or, with `partial`,
   * of some group; the second list holds those matching only some.
   */
  score(groups: TermGroup[], partial = false): { all: Scored[]; some: Scored[] } {
    const n = this.ids.length;
    if (this.scores.length < n) {
      const size = Math.max(n, this.scores.length * 2, 1024);
      this.scores = new Float64Array(size);
      this.stamps = new Int32Array(size);
      this.lastGroup = new Int16Array(size);
      this.matched = new Uint16Array(size);
    }
    if (this.stamp >= 2 ** 30) {
      this.stamps.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const live = this.slotOf.size;
    const touched: number[] = [];
    groups.forEach((group, g) => {
      for (const { term, weight } of group) {
        const p = this.postings.get(term);
        if (!p) continue;
        const idf = Math.log(1 + (live - p.length + 0.5) / (p.length + 0.5));
        const docs = p.docs;
        const weights = p.weights;
        for (let i = 0; i < p.length; i++) {
          const slot = docs[i]!;
          if (this.stamps[slot] !== stamp) {
            // Past the first group, a product that missed an earlier word can only be a partial match.
            if ((g > 0 && !partial) || this.ids[slot] === null) continue;
            this.stamps[slot] = stamp;
            this.scores[slot] = 0;
            this.matched[slot] = 0;
            this.lastGroup[slot] = -1;
            touched.push(slot);
          }
          const tf = weights[i]!;
          this.scores[slot] = this.scores[slot]! + (weight * idf * tf * (K1 + 1)) / (tf + K1);
          if (this.lastGroup[slot] !== g) {
            this.lastGroup[slot] = g;
            this.matched[slot] = this.matched[slot]! + 1;
          }
        }
      }
    });
    const all: Scored[] = [];
    const some: Scored[] = [];
    for (const slot of touched) {
      if (this.matched[slot] === groups.length) all.push({ slot, score: this.scores[slot]! });
      else if (partial) some.push({ slot, score: this.scores[slot]! });
    }
    return { all, some };
  }
}
