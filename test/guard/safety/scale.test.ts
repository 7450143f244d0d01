/**
 * 50,000 terms: the automaton builds quickly, finds every planted term (also spelled with
 * inserted spaces and zero-width characters) at the right offsets, reports nothing that is not a
 * term, and a stream cut into pieces reports exactly what a whole scan does. Throughput is
 * measured by `npm run bench:safety`, not asserted here.
 */
import { describe, expect, it } from 'vitest';
import { foldedKey } from '../../../src/guard/safety/fold.js';
import { SafetyMatcher } from '../../../src/guard/safety/matcher.js';
import { RISKS } from '../../../src/guard/safety/risks.js';
import { prng, randomTerms, randomText } from './synthetic.js';

const TERMS = 50_000;
const entries = randomTerms(
  TERMS,
  RISKS.map((r) => r.id),
  7,
);

/** Random text with `count` lexicon terms planted, some spelled with separators. */
function planted(count: number) {
  const rand = prng(11);
  const filler = randomText(400_000, 12);
  const spots: { term: string; start: number; end: number }[] = [];
  let text = '';
  let at = 0;
  for (let i = 0; i < count; i++) {
    const next = at + 50 + Math.floor(rand() * 300);
    text += `${filler.slice(at, next)}。`;
    at = next;
    const entry = entries[Math.floor(rand() * entries.length)];
    if (!entry) continue;
    const sep = ['', ' ', '\u200b', '*'][i % 4] ?? '';
    const spelled = [...entry.term].join(sep);
    spots.push({ term: entry.term, start: text.length, end: text.length + spelled.length });
    text += `${spelled}。`;
  }
  return { text: text + filler.slice(at, at + 1000), spots };
}

describe('50,000-term lexicon', () => {
  const t0 = performance.now();
  const matcher = new SafetyMatcher(entries);
  const buildMs = performance.now() - t0;

  it('builds in well under the time a lexicon reload may take', () => {
    expect(matcher.stats.patterns).toBe(TERMS);
    expect(matcher.stats.entries).toBe(TERMS);
    // Typically ~0.3 s on a 2-core machine; the bound only catches a pathological build.
    expect(buildMs).toBeLessThan(10_000);
  });

  const { text, spots } = planted(1000);
  const hits = matcher.scan(text);

  it('finds every planted term at its offsets', () => {
    const found = new Set(hits.map((h) => `${h.term}@${h.start}-${h.end}`));
    const missing = spots.filter((s) => !found.has(`${s.term}@${s.start}-${s.end}`));
    expect(missing).toEqual([]);
  });

  it('reports only true occurrences', () => {
    expect(hits.length).toBeGreaterThan(spots.length); // random text holds short terms too
    for (const h of hits) expect(foldedKey(text.slice(h.start, h.end))).toBe(foldedKey(h.term));
  });

  it('streams the same hits as a whole scan', () => {
    const rand = prng(13);
    const s = matcher.stream();
    const streamed = [];
    let released = '';
    for (let i = 0; i < text.length;) {
      const n = 1 + Math.floor(rand() * 40);
      const r = s.push(text.slice(i, i + n));
      streamed.push(...r.hits);
      released += r.release;
      i += n;
    }
    const last = s.end();
    streamed.push(...last.hits);
    released += last.release;
    expect(streamed).toEqual(hits);
    const firstBlock = Math.min(...hits.filter((h) => h.action === 'block').map((h) => h.start));
    expect(released).toBe(text.slice(0, firstBlock));
  });
});
