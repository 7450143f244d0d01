/**
 * A plain-regex baseline, labelled as such in the results: the simple extractors of
 * regulations.md §4 (resident ID shape, mobile prefixes, e-mail) run over the text with no
 * folding, no validation and no context. It shows what one pass of a few regexes costs on the
 * same corpus, the floor any detector that reads the whole text pays.
 */
const PATTERNS = [
  /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g,
  /(?<!\d)(?:\+?86[- ]?)?1(?:3\d|4[57]|5[0-35-9]|6[25-7]|7[0-35-8]|8\d|9[0-35-9])\d{8}(?!\d)/g,
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
];

export function baselineDetect(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const re of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      out.push({ start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}
