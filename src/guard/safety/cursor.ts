import type { Automaton } from './automaton.js';
import { foldCodePoint } from './fold.js';

/** What a code point of the scanned text is to the automaton (values ≥ 0: an alphabet index). */
const BREAK = -1; // a letter or digit no term uses: no match can run through it
const UNKNOWN = -2; // not folded yet
const SKIP = -3; // skippable (space, punctuation, symbol, zero-width, …)
const EXPAND = -4; // folds to several characters (e.g. `ﬁ` → `fi`); see `expansions`

/**
 * The folded form of every code point seen so far, cached per automaton: folding (NFKC, case,
 * marks) runs once per distinct character, not once per character of text.
 */
export class Folder {
  private readonly bmp = new Int32Array(0x10000).fill(UNKNOWN);
  private readonly astral = new Map<number, number>();
  private readonly expansions = new Map<number, Int32Array>();

  constructor(private readonly automaton: Automaton) {}

  kind(cp: number): number {
    if (cp < 0x10000) {
      const k = this.bmp[cp] ?? UNKNOWN;
      if (k !== UNKNOWN) return k;
      const computed = this.compute(cp);
      this.bmp[cp] = computed;
      return computed;
    }
    const k = this.astral.get(cp);
    if (k !== undefined) return k;
    const computed = this.compute(cp);
    this.astral.set(cp, computed);
    return computed;
  }

  expansion(cp: number): Int32Array {
    return this.expansions.get(cp) ?? new Int32Array(0);
  }

  private compute(cp: number): number {
    const folded = foldCodePoint(cp);
    if (folded.length === 0) return SKIP;
    const coded = Int32Array.from(folded, (c) => this.automaton.indexOf(c));
    if (coded.length === 1) return coded[0] ?? BREAK;
    this.expansions.set(cp, coded);
    return EXPAND;
  }
}

/** Called for every pattern occurrence: the node that ends it and its original offsets. */
export type OnMatch = (node: number, start: number, end: number) => void;

/**
 * The scanning state over one text or one stream: the automaton state, how many skippable
 * characters followed the last matched one, and the original start offsets of the last folded
 * characters (a ring as long as the longest pattern), which turn a match back into offsets.
 */
export class Cursor {
  private state = 0;
  private gap = 0;
  private pos = 0;
  private readonly starts: Float64Array;
  private readonly mask: number;

  constructor(
    private readonly automaton: Automaton,
    private readonly folder: Folder,
    private readonly maxGap: number,
    longest: number,
  ) {
    let size = 1;
    while (size < longest) size <<= 1;
    this.starts = new Float64Array(size);
    this.mask = size - 1;
  }

  /**
   * Scan `text` (whole code points; a lone surrogate counts as one skippable character) whose
   * first code unit sits at offset `base` of the original text or stream.
   */
  feed(text: string, base: number, onMatch: OnMatch): void {
    const n = text.length;
    for (let i = 0; i < n;) {
      let cp = text.charCodeAt(i);
      const start = i;
      i++;
      if (cp >= 0xd800 && cp < 0xdc00 && i < n) {
        const low = text.charCodeAt(i);
        if (low >= 0xdc00 && low < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      const kind = this.folder.kind(cp);
      if (kind >= 0) this.step(kind, base + start, base + i, onMatch);
      else if (kind === SKIP) this.skip();
      else if (kind === BREAK) this.reset();
      else this.expand(cp, base + start, base + i, onMatch);
    }
  }

  /**
   * The offset from which text must be held back: the start of the longest suffix of what was
   * scanned that can still grow into a blocking term. `Infinity` when nothing needs holding.
   */
  heldFrom(): number {
    const h = this.automaton.hold[this.state] ?? 0;
    return h === 0 ? Infinity : (this.starts[(this.pos - h) & this.mask] ?? 0);
  }

  private step(a: number, start: number, end: number, onMatch: OnMatch): void {
    const { automaton } = this;
    const state = automaton.next(this.state, a);
    this.state = state;
    this.gap = 0;
    this.starts[this.pos & this.mask] = start;
    this.pos++;
    let node = (automaton.patternAt[state] ?? -1) >= 0 ? state : (automaton.dict[state] ?? 0);
    while (node !== 0) {
      const first = this.pos - (automaton.depth[node] ?? 0);
      onMatch(node, this.starts[first & this.mask] ?? 0, end);
      node = automaton.dict[node] ?? 0;
    }
  }

  /** Skippable characters may sit between a term's characters, but at most `maxGap` in a row. */
  private skip(): void {
    if (this.state !== 0 && ++this.gap > this.maxGap) this.reset();
  }

  private reset(): void {
    this.state = 0;
    this.gap = 0;
  }

  private expand(cp: number, start: number, end: number, onMatch: OnMatch): void {
    for (const a of this.folder.expansion(cp)) {
      if (a >= 0) this.step(a, start, end, onMatch);
      else this.reset();
    }
  }
}
