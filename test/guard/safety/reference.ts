/**
 * A brute-force matcher with the documented rules, for checking the automaton: fold every code
 * point, then try every term at every folded position, allowing at most `maxGap` skipped code
 * points between two characters of a term.
 */
import { foldCodePoint, foldTerm } from '../../../src/guard/safety/fold.js';
import type { LexiconEntry } from '../../../src/guard/safety/lexicon.js';
import type { Hit } from '../../../src/guard/safety/matcher.js';

type Token = { skip: true } | { skip: false; ch: number; start: number; end: number };

function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    const end = i + (cp > 0xffff ? 2 : 1);
    const folded = foldCodePoint(cp);
    if (folded.length === 0) out.push({ skip: true });
    for (const ch of folded) out.push({ skip: false, ch, start: i, end });
    i = end;
  }
  return out;
}

/** Entries as the matcher keeps them: one per folded term and risk, block winning. */
function distinct(entries: readonly LexiconEntry[]): LexiconEntry[] {
  const byKey = new Map<string, LexiconEntry>();
  for (const e of entries) {
    const folded = foldTerm(e.term);
    if (folded.length === 0) continue;
    const key = `${String.fromCodePoint(...folded)}\u0000${e.risk}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...e });
    else if (e.action === 'block') seen.action = 'block';
  }
  return [...byKey.values()];
}

export function referenceScan(
  entries: readonly LexiconEntry[],
  text: string,
  maxGap: number,
): Hit[] {
  const toks = tokens(text);
  const hits: Hit[] = [];
  for (const e of distinct(entries)) {
    const term = foldTerm(e.term);
    toks.forEach((first, t) => {
      if (first.skip || first.ch !== term[0]) return;
      let k = 1;
      let gap = 0;
      let last = first;
      for (let u = t + 1; k < term.length && u < toks.length; u++) {
        const tok = toks[u];
        if (!tok) break;
        if (tok.skip) {
          if (++gap > maxGap) break;
        } else if (tok.ch === term[k]) {
          k++;
          gap = 0;
          last = tok;
        } else break;
      }
      if (k === term.length) {
        hits.push({
          term: e.term,
          risk: e.risk,
          action: e.action,
          start: first.start,
          end: last.end,
        });
      }
    });
  }
  return hits;
}

/** Hits in a canonical order, for comparing sets of hits. */
export const sortHits = (hits: readonly Hit[]): Hit[] =>
  [...hits].sort(
    (a, b) =>
      a.start - b.start ||
      a.end - b.end ||
      a.risk.localeCompare(b.risk) ||
      a.term.localeCompare(b.term),
  );
