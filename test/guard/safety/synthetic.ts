/**
 * Synthetic lexicons for tests and benchmarks. No real prohibited words: numbered placeholders
 * (`测试违禁词A1a0001`) and random strings of common CJK characters, from a seeded generator so
 * every run sees the same terms.
 */
import type { LexiconEntry } from '../../../src/guard/safety/lexicon.js';
import type { RiskId } from '../../../src/guard/safety/risks.js';

/** `n` numbered placeholder terms for one risk: 测试违禁词A1a0001, 测试违禁词A1a0002, … */
export function numberedTerms(
  risk: RiskId,
  n: number,
  action: LexiconEntry['action'] = 'block',
): LexiconEntry[] {
  const tag = risk.replaceAll('.', '');
  return Array.from({ length: n }, (_, i) => ({
    term: `测试违禁词${tag}${String(i + 1).padStart(4, '0')}`,
    risk,
    action,
  }));
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first 3,000 code points of the CJK Unified Ideographs block. */
const CJK_SPAN = 3000;

/** `n` distinct random CJK strings of 2 to 6 characters, spread over the given risks. */
export function randomTerms(n: number, risks: readonly RiskId[], seed = 1): LexiconEntry[] {
  const rand = prng(seed);
  const seen = new Set<string>();
  const out: LexiconEntry[] = [];
  while (out.length < n) {
    const length = 2 + Math.floor(rand() * 5);
    let term = '';
    for (let i = 0; i < length; i++) {
      term += String.fromCodePoint(0x4e00 + Math.floor(rand() * CJK_SPAN));
    }
    if (seen.has(term)) continue;
    seen.add(term);
    const risk = risks[out.length % risks.length] ?? 'A.1.a';
    out.push({ term, risk, action: rand() < 0.8 ? 'block' : 'flag' });
  }
  return out;
}

/** Random CJK text with ASCII and punctuation mixed in, about `chars` characters long. */
export function randomText(chars: number, seed = 2): string {
  const rand = prng(seed);
  const parts: string[] = [];
  for (let i = 0; i < chars; i++) {
    const r = rand();
    if (r < 0.04) parts.push('，');
    else if (r < 0.06) parts.push('。');
    else if (r < 0.1) parts.push(String.fromCharCode(0x61 + Math.floor(rand() * 26)));
    else if (r < 0.12) parts.push(' ');
    else parts.push(String.fromCodePoint(0x4e00 + Math.floor(rand() * CJK_SPAN)));
  }
  return parts.join('');
}

/** A lexicon as a TSV file. */
export const toTsv = (entries: readonly LexiconEntry[]): string =>
  entries.map((e) => `${e.term}\t${e.risk}\t${e.action}`).join('\n');
