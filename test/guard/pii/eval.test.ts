/**
 * Precision and recall of the PII detector per type on the labelled set in ./data (1,320
 * government-style snippets: positives, near-misses, negatives). Exact span match; the printed
 * table also gives overlap match. Targets from the issue for checksum types, phones and e-mail;
 * floors just under the measured figures for the rest (docs/pii.md has the numbers).
 */
import { describe, expect, it } from 'vitest';
import { createPiiDetector, type PiiType } from '../../../src/guard/pii/index.js';
import { generate, handwritten } from './generate.js';
import { evaluate, loadSnippets, scoreTable } from './metrics.js';

const snippets = loadSnippets();

const FLOORS: Record<PiiType, { precision: number; recall: number }> = {
  id_card: { precision: 0.995, recall: 0.99 },
  credit_code: { precision: 0.995, recall: 0.99 },
  bank_card: { precision: 0.995, recall: 0.99 },
  mobile: { precision: 0.99, recall: 0.98 },
  landline: { precision: 0.99, recall: 0.98 },
  email: { precision: 0.99, recall: 0.98 },
  ipv4: { precision: 0.98, recall: 0.97 },
  ipv6: { precision: 0.98, recall: 0.97 },
  passport: { precision: 0.98, recall: 0.97 },
  travel_permit: { precision: 0.98, recall: 0.97 },
  plate: { precision: 0.98, recall: 0.97 },
  address: { precision: 0.97, recall: 0.95 },
  person_name: { precision: 0.97, recall: 0.85 },
};

describe('the labelled set', () => {
  it('is what generate.ts produces, with at least 1,000 snippets of every kind', () => {
    expect(snippets).toEqual(generate());
    expect(snippets.length).toBeGreaterThanOrEqual(1000);
    const kinds = new Set(snippets.map((s) => s.kind));
    expect([...kinds].sort()).toEqual(['near_miss', 'negative', 'positive']);
  });

  it('has sorted, non-overlapping spans inside each text', () => {
    for (const s of [...snippets, ...loadSnippets('handwritten'), ...loadSnippets('held-out')]) {
      let end = 0;
      for (const span of s.spans) {
        expect(span.start).toBeGreaterThanOrEqual(end);
        expect(span.end).toBeLessThanOrEqual(s.text.length);
        end = span.end;
      }
    }
  });
});

describe('PII detector precision and recall', () => {
  const { scores, mistakes } = evaluate(createPiiDetector(), snippets);
  process.stdout.write(`\n${scoreTable(scores)}\n`);
  const shown = mistakes.filter((m) => m.type !== 'person_name').slice(0, 20);
  if (shown.length) process.stdout.write(`${JSON.stringify(shown, null, 1)}\n`);

  it.each(scores.map((s) => [s.type, s] as const))('%s meets its floor', (type, score) => {
    expect(score.labelled).toBeGreaterThanOrEqual(40);
    expect(score.precision).toBeGreaterThanOrEqual(FLOORS[type].precision);
    expect(score.recall).toBeGreaterThanOrEqual(FLOORS[type].recall);
  });

  it('flags nothing in the negatives', () => {
    const detector = createPiiDetector();
    const flagged = snippets
      .filter((s) => s.kind === 'negative')
      .flatMap((s) => detector.detect(s.text).map((f) => `${s.id}: ${f.type} ${f.text}`));
    expect(flagged).toEqual([]);
  });
});

/**
 * The hand-written batches (gen/handwritten.ts): too small for per-type targets, but they show
 * how names and addresses fare on text the generator did not make. Batch A was used to tune
 * cue words; the held-out batch B was not. Floors sit just under the measured figures.
 */
describe.each([
  ['handwritten', 'a', { address: [0.95, 0.85], person_name: [0.95, 0.85] }],
  ['held-out', 'b', { address: [0.85, 0.75], person_name: [0.85, 0.4] }],
] as const)('hand-written batch %s', (set, batch, floors) => {
  const hand = loadSnippets(set);
  const { scores } = evaluate(createPiiDetector(), hand);
  process.stdout.write(`\n${set}:\n${scoreTable(scores)}\n`);

  it('is what generate.ts produces from the markup', () => {
    expect(hand).toEqual(handwritten(batch));
  });

  const entries = Object.entries(floors) as [string, readonly [number, number]][];
  it.each(entries)('%s stays above its floor', (type, [precision, recall]) => {
    const score = scores.find((s) => s.type === type)!;
    expect(score.precision).toBeGreaterThanOrEqual(precision);
    expect(score.recall).toBeGreaterThanOrEqual(recall);
  });

  it('finds every labelled identifier with a check digit or a fixed shape', () => {
    const exact = scores.filter((s) => s.type !== 'address' && s.type !== 'person_name');
    for (const s of exact) expect([s.type, s.exact]).toEqual([s.type, s.labelled]);
  });
});
