/**
 * Random lexicons and texts over a small alphabet full of variants (full-width, accents,
 * expansions, astral characters, skippable characters): the automaton must agree with the
 * brute-force reference, and a stream cut at random places must report the same hits and never
 * release a character of a blocked term.
 */
import { describe, expect, it } from 'vitest';
import type { LexiconEntry } from '../../../src/guard/safety/lexicon.js';
import { SafetyMatcher } from '../../../src/guard/safety/matcher.js';
import type { RiskId } from '../../../src/guard/safety/risks.js';
import { referenceScan, sortHits } from './reference.js';
import { prng } from './synthetic.js';

const TERM_CHARS = ['违', '禁', '词', 'a', 'b', 'e', '𠀀', 'f', 'i', 'Ａ', ' '];
const TEXT_CHARS = [
  ...TERM_CHARS,
  'Ｂ',
  'é',
  '\u0301',
  ' ',
  ' ',
  '*',
  '。',
  '\u200b',
  '好',
  'x',
  'ﬁ',
  '😀',
];
const RISKS: RiskId[] = ['A.1.a', 'A.2.c', 'A.4.e'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  const v = list[Math.floor(rand() * list.length)];
  if (v === undefined) throw new Error('empty list');
  return v;
}

function randomCase(seed: number) {
  const rand = prng(seed);
  const entries: LexiconEntry[] = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => ({
    term: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(rand, TERM_CHARS)).join(''),
    risk: pick(rand, RISKS),
    action: rand() < 0.5 ? 'block' : 'flag',
  }));
  const text = Array.from({ length: Math.floor(rand() * 60) }, () => pick(rand, TEXT_CHARS)).join(
    '',
  );
  const maxGap = Math.floor(rand() * 4);
  return { rand, entries, text, maxGap };
}

/** Cut `text` at random code-unit positions (surrogate pairs may be cut in half). */
function randomPieces(rand: () => number, text: string): string[] {
  const pieces: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = Math.floor(rand() * 6);
    pieces.push(text.slice(i, i + n));
    i += n;
  }
  return pieces;
}

const codePoints = (s: string) => [...s].length;
const CASES = 2000;

/** Fail with the whole case, built only when needed (the loops run thousands of times). */
function check(ok: boolean, what: string, context: () => unknown): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(context())}`);
}

describe('matcher against the brute-force reference', () => {
  it(`finds exactly the reference hits on ${CASES} random cases`, () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { entries, text, maxGap } = randomCase(seed);
      const m = new SafetyMatcher(entries, { maxGap });
      expect(
        sortHits(m.scan(text)),
        `seed ${seed}: ${JSON.stringify({ entries, text, maxGap })}`,
      ).toEqual(sortHits(referenceScan(entries, text, maxGap)));
    }
  });

  it('streams: same hits as scan, nothing of a blocked term released, bounded hold', () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { rand, entries, text, maxGap } = randomCase(seed);
      const m = new SafetyMatcher(entries, { maxGap });
      const expected = m.scan(text);
      const firstBlock = Math.min(
        text.length,
        ...expected.filter((h) => h.action === 'block').map((h) => h.start),
      );
      const s = m.stream();
      const hits = [];
      let released = '';
      let fed = '';
      for (const piece of randomPieces(rand, text)) {
        const r = s.push(piece);
        fed += piece;
        released += r.release;
        hits.push(...r.hits);
        const context = () => ({ seed, entries, text, maxGap, fed });
        check(released.length <= firstBlock, 'released part of a blocked term', context);
        check(fed.startsWith(released), 'released text that was not fed', context);
        if (!hits.some((h) => h.action === 'block')) {
          const scanned = /[\ud800-\udbff]$/.test(fed) ? fed.slice(0, -1) : fed;
          const held = codePoints(scanned.slice(released.length));
          check(held <= m.stats.holdLimit, `held ${held} code points`, context);
        }
      }
      const last = s.end();
      released += last.release;
      hits.push(...last.hits);
      expect(hits, `seed ${seed}`).toEqual(expected);
      expect(released, `seed ${seed}`).toBe(text.slice(0, firstBlock));
    }
  });
});
