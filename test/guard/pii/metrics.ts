/**
 * Precision and recall per type over the labelled set. A span counts as found when the
 * detector returns the same type at exactly the same offsets; the overlap figures also count a
 * detected span of the right type that overlaps the labelled one (a shorter or longer address).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PiiDetector, PiiType } from '../../../src/guard/pii/index.js';
import { PII_TYPES } from '../../../src/guard/pii/index.js';

export interface LabelledSpan {
  type: PiiType;
  start: number;
  end: number;
}

export interface Snippet {
  id: string;
  text: string;
  spans: LabelledSpan[];
  kind: 'positive' | 'near_miss' | 'negative';
}

export interface TypeScore {
  type: PiiType;
  labelled: number;
  detected: number;
  exact: number;
  overlap: number;
  precision: number;
  recall: number;
  overlapPrecision: number;
  overlapRecall: number;
}

export interface Mistake {
  id: string;
  kind: 'missed' | 'spurious';
  type: PiiType;
  text: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));

export type SetName = 'generated' | 'handwritten' | 'held-out';

/** The generated set (positive, near_miss, negative) or one of the hand-written batches. */
export function loadSnippets(set: SetName = 'generated'): Snippet[] {
  const files = set === 'generated' ? ['positive', 'near_miss', 'negative'] : [set];
  return files.flatMap((file) =>
    readFileSync(path.join(here, 'data', `${file}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Snippet),
  );
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
const overlaps = (a: LabelledSpan, b: LabelledSpan) =>
  a.type === b.type && a.start < b.end && b.start < a.end;

export function evaluate(detector: PiiDetector, snippets: Snippet[]) {
  const counts = new Map(
    PII_TYPES.map((t) => [
      t,
      { labelled: 0, detected: 0, exact: 0, overlapTp: 0, overlapFound: 0 },
    ]),
  );
  const mistakes: Mistake[] = [];
  for (const s of snippets) {
    const found = detector.detect(s.text);
    for (const l of s.spans) {
      const c = counts.get(l.type)!;
      c.labelled++;
      if (found.some((f) => overlaps(f, l))) c.overlapFound++;
      if (found.some((f) => f.type === l.type && f.start === l.start && f.end === l.end)) c.exact++;
      else
        mistakes.push({
          id: s.id,
          kind: 'missed',
          type: l.type,
          text: s.text.slice(l.start, l.end),
        });
    }
    for (const f of found) {
      const c = counts.get(f.type)!;
      c.detected++;
      if (s.spans.some((l) => overlaps(f, l))) c.overlapTp++;
      if (!s.spans.some((l) => l.type === f.type && l.start === f.start && l.end === f.end)) {
        mistakes.push({ id: s.id, kind: 'spurious', type: f.type, text: f.text });
      }
    }
  }
  const scores: TypeScore[] = PII_TYPES.map((type) => {
    const c = counts.get(type)!;
    return {
      type,
      labelled: c.labelled,
      detected: c.detected,
      exact: c.exact,
      overlap: c.overlapFound,
      precision: ratio(c.exact, c.detected),
      recall: ratio(c.exact, c.labelled),
      overlapPrecision: ratio(c.overlapTp, c.detected),
      overlapRecall: ratio(c.overlapFound, c.labelled),
    };
  });
  return { scores, mistakes };
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function scoreTable(scores: TypeScore[]): string {
  const head = ['type', 'labelled', 'detected', 'exact', 'P', 'R', 'P overlap', 'R overlap'];
  const rows = scores.map((s) => [
    s.type,
    String(s.labelled),
    String(s.detected),
    String(s.exact),
    pct(s.precision),
    pct(s.recall),
    pct(s.overlapPrecision),
    pct(s.overlapRecall),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
