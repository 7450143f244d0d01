import { Automaton } from './automaton.js';
import { Cursor, Folder } from './cursor.js';
import { foldTerm, keyOf } from './fold.js';
import { MAX_TERM_LENGTH, type LexiconEntry } from './lexicon.js';
import type { RiskId } from './risks.js';
import { createStreamScanner, type StreamScanner } from './stream.js';

export type { StreamScanner } from './stream.js';

/** One occurrence of a lexicon term. Offsets are UTF-16 indices into the original text. */
export interface Hit {
  /** The term as the lexicon spells it (the text may spell it differently: `text.slice(start, end)`). */
  term: string;
  risk: RiskId;
  action: 'block' | 'flag';
  start: number;
  end: number;
}

export interface MatcherOptions {
  /** Skippable characters allowed between two characters of a term (default 3). */
  maxGap?: number;
}

export const DEFAULT_MAX_GAP = 3;

export interface MatcherStats {
  /** Distinct (folded term, risk) pairs in the automaton. */
  entries: number;
  /** Distinct folded terms. */
  patterns: number;
  nodes: number;
  /** Distinct characters used by the terms. */
  alphabet: number;
  /**
   * Entries left out: nothing in the term is matchable (only spaces, punctuation, …), or it is
   * longer than MAX_TERM_LENGTH after folding. `parseLexicon` reports both as errors.
   */
  dropped: number;
  /** The most code points a stream scanner ever holds back: the longest blocking term's span. */
  holdLimit: number;
}

/**
 * Multi-pattern matcher over a lexicon: one Aho-Corasick automaton over the folded terms (see
 * fold.ts), built once when the lexicon is loaded and shared by every request.
 */
export class SafetyMatcher {
  readonly stats: MatcherStats;
  private readonly automaton: Automaton;
  private readonly folder: Folder;
  /** Lexicon entries ending at each pattern, by pattern index. */
  private readonly entriesOf: LexiconEntry[][];
  private readonly maxGap: number;
  private readonly longest: number;

  constructor(entries: readonly LexiconEntry[], options: MatcherOptions = {}) {
    const maxGap = options.maxGap ?? DEFAULT_MAX_GAP;
    if (!Number.isInteger(maxGap) || maxGap < 0) throw new Error('maxGap must be an integer ≥ 0');
    this.maxGap = maxGap;
    const grouped = groupByPattern(entries);
    this.entriesOf = grouped.entries;
    const blocking = grouped.entries.map((list) => list.some((e) => e.action === 'block'));
    this.automaton = new Automaton(grouped.patterns, blocking);
    this.folder = new Folder(this.automaton);
    // Loops, not Math.max(...spread): a large lexicon would overflow the argument stack.
    let longest = 1;
    let longestBlock = 0;
    grouped.patterns.forEach((p, i) => {
      longest = Math.max(longest, p.length);
      if (blocking[i]) longestBlock = Math.max(longestBlock, p.length);
    });
    this.longest = longest;
    this.stats = {
      entries: grouped.entries.reduce((n, list) => n + list.length, 0),
      patterns: grouped.patterns.length,
      nodes: this.automaton.nodes,
      alphabet: this.automaton.alphabetSize,
      dropped: grouped.dropped,
      holdLimit: longestBlock === 0 ? 0 : longestBlock + (longestBlock - 1) * maxGap,
    };
  }

  /**
   * Every occurrence of every term in `text`, overlapping ones included, in order of their end
   * (for the same end, the longest term first).
   */
  scan(text: string): Hit[] {
    const hits: Hit[] = [];
    this.cursor().feed(text, 0, (node, start, end) => this.collect(node, start, end, hits));
    return hits;
  }

  /** A scanner for one streamed answer (see stream.ts). */
  stream(): StreamScanner {
    return createStreamScanner(this.cursor(), (node, start, end, hits) =>
      this.collect(node, start, end, hits),
    );
  }

  private cursor(): Cursor {
    return new Cursor(this.automaton, this.folder, this.maxGap, this.longest);
  }

  private collect(node: number, start: number, end: number, hits: Hit[]): void {
    const pattern = this.automaton.patternAt[node] ?? -1;
    for (const e of this.entriesOf[pattern] ?? []) {
      hits.push({ term: e.term, risk: e.risk, action: e.action, start, end });
    }
  }
}

/**
 * Distinct folded patterns, each with its entries: one per risk, `block` winning over `flag`
 * when the same folded term is listed twice for one risk.
 */
function groupByPattern(entries: readonly LexiconEntry[]) {
  const index = new Map<string, number>();
  const patterns: number[][] = [];
  const grouped: LexiconEntry[][] = [];
  const memo = new Map<number, number[]>();
  let dropped = 0;
  for (const entry of entries) {
    const folded = foldTerm(entry.term, memo);
    if (folded.length === 0 || folded.length > MAX_TERM_LENGTH) {
      dropped++;
      continue;
    }
    const key = keyOf(folded);
    let p = index.get(key);
    if (p === undefined) {
      p = patterns.length;
      index.set(key, p);
      patterns.push(folded);
      grouped.push([]);
    }
    const list = grouped[p] ?? [];
    const same = list.find((e) => e.risk === entry.risk);
    if (!same) list.push({ term: entry.term, risk: entry.risk, action: entry.action });
    else if (entry.action === 'block') same.action = 'block';
  }
  return { patterns, entries: grouped, dropped };
}
