/**
 * Normalisation for matching, one code point at a time so that every normalised character keeps
 * a pointer into the original text:
 *
 * 1. NFKC: full-width and other compatibility forms become their ordinary forms (`ＡＢＣ１` →
 *    `ABC1`, `①` → `1`, Kangxi radicals such as `⼈` → `人`, `㊙` → `秘`);
 * 2. lower case (Latin, Greek, Cyrillic, …);
 * 3. NFD, then combining marks are dropped, so accents and tone marks do not matter
 *    (`fǎ` = `fa`, `é` = `e` whether precomposed or not);
 * 4. what is left that is whitespace, punctuation, a symbol, a control or format character
 *    (zero-width space and joiners, soft hyphen, BOM), private-use or unassigned is skipped.
 *
 * The same function folds lexicon terms and scanned text, so both sides agree by construction.
 */

// Unicode general categories P (punctuation), S (symbols incl. emoji), C (Cc, Cf, Co, Cn, Cs),
// M (marks) and White_Space. Letters and digits are what a term is made of.
const SKIPPABLE = /^[\p{White_Space}\p{P}\p{S}\p{C}\p{M}]$/u;

/** The normalised code points of one original code point; empty when it is skipped. */
export function foldCodePoint(cp: number): number[] {
  const folded = String.fromCodePoint(cp).normalize('NFKC').toLowerCase().normalize('NFD');
  const out: number[] = [];
  for (const ch of folded) {
    if (!SKIPPABLE.test(ch)) out.push(ch.codePointAt(0) ?? 0);
  }
  return out;
}

/**
 * A term as the matcher sees it: its normalised code points, skipped characters removed. Pass a
 * `memo` when folding many terms: lexicons reuse a few thousand characters over and over.
 */
export function foldTerm(term: string, memo?: Map<number, number[]>): number[] {
  const out: number[] = [];
  for (let i = 0; i < term.length; i++) {
    const cp = term.codePointAt(i) ?? 0;
    if (cp > 0xffff) i++;
    let folded = memo?.get(cp);
    if (!folded) {
      folded = foldCodePoint(cp);
      memo?.set(cp, folded);
    }
    for (const c of folded) out.push(c);
  }
  return out;
}

/** Folded code points as a string (short ones in one call; spreading a long one would overflow). */
export const keyOf = (cps: readonly number[]): string =>
  cps.length <= 1024
    ? String.fromCodePoint(...cps)
    : cps.map((cp) => String.fromCodePoint(cp)).join('');

/** The normalised form of a term as a string (for deduplication and reports). */
export const foldedKey = (term: string, memo?: Map<number, number[]>): string =>
  keyOf(foldTerm(term, memo));
