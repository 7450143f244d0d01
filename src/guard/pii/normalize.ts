/**
 * NFKC folding with a way back to the original offsets.
 *
 * Detectors run on the folded text (full-width digits and letters become ASCII, the ideographic
 * space a space), spans are reported in the original text. Folding must be cheap: text with
 * nothing to fold is returned as it is after one regex test; otherwise only the characters
 * outside the ranges NFKC leaves alone are folded, one code point at a time (cached), and an
 * offset map is built only when a fold changes the length (𝟏 → 1, ㈠ → (一)); full-width forms
 * map 1:1.
 */

export interface Folded {
  text: string;
  /** Original index of each folded index (length text.length + 1); absent when lengths match 1:1. */
  toOriginal?: Int32Array;
}

// Characters NFKC may change: everything outside ASCII, general punctuation, CJK punctuation,
// kana and the unified ideographs. So full-width digits and letters, the ideographic space, the
// U+2000 spaces and Latin-1 (NBSP, ², ½…) are folded. Left as they are: the full-width
// punctuation of ordinary Chinese prose (，：；（）！？), which the detectors accept in both
// widths, so that most text never takes the slow path; and the few marks NFKC would fold inside
// the skipped ranges (‥ … ‼ ″), which never belong to an identifier.
const MAY_FOLD =
  // eslint-disable-next-line no-control-regex -- the class spans all of ASCII, controls included
  /[^\u0000-\u009f\u00b7\u2010-\u2027\u2030-\u205e\u3001-\u30ff\u4e00-\u9fff\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f]/g;

const cache = new Map<string, string>();

function foldChar(ch: string): string {
  let folded = cache.get(ch);
  if (folded === undefined) {
    folded = ch.normalize('NFKC');
    if (cache.size < 4096) cache.set(ch, folded);
  }
  return folded;
}

export function fold(text: string): Folded {
  MAY_FOLD.lastIndex = 0;
  if (!MAY_FOLD.test(text)) return { text };
  let lengthChanged = false;
  const out = text.replace(MAY_FOLD, (ch: string) => {
    const folded = foldChar(ch);
    if (folded.length !== 1) lengthChanged = true;
    return folded;
  });
  // Surrogate pairs are matched as two lone halves (no `u` flag: faster); NFKC leaves lone
  // surrogates alone, so they pass through unchanged and the lengths still match.
  if (!lengthChanged) return { text: out };
  return withOffsetMap(text);
}

// The slow path: rebuild code point by code point, recording where each folded unit came from.
function withOffsetMap(text: string): Folded {
  const parts: string[] = [];
  const map: number[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    const folded = cp < 0xa0 || (cp >= 0x4e00 && cp <= 0x9fff) ? ch : foldChar(ch);
    parts.push(folded);
    for (let k = 0; k < folded.length; k++) map.push(i);
    i += ch.length;
  }
  map.push(text.length);
  return { text: parts.join(''), toOriginal: Int32Array.from(map) };
}

/** Maps a [start, end) span of the folded text back to the original text. */
export function toOriginalSpan(folded: Folded, start: number, end: number): [number, number] {
  const map = folded.toOriginal;
  if (!map) return [start, end];
  // A span ending inside the expansion of one character (… → ...) ends where that character ends.
  let j = end;
  while (j < map.length - 1 && map[j] === map[end - 1]) j++;
  return [map[start] ?? start, map[j] ?? end];
}
