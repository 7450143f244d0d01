import { describe, expect, it } from 'vitest';
import type { LexiconEntry } from './lexicon.js';
import { SafetyMatcher, type Hit } from './matcher.js';

const LEXICON: LexiconEntry[] = [
  { term: '违禁', risk: 'A.1.a', action: 'block' },
  { term: '违禁词', risk: 'A.1.b', action: 'flag' },
  { term: '禁词', risk: 'A.2.b', action: 'flag' },
  { term: 'VIP', risk: 'A.3.a', action: 'block' },
  { term: '人工', risk: 'A.4.a', action: 'flag' },
];

/** Each hit as `term@matched text`, to show the offsets point into the original text. */
const show = (text: string, hits: Hit[]) =>
  hits.map((h) => `${h.term}@${text.slice(h.start, h.end)}`);

describe('SafetyMatcher.scan', () => {
  const m = new SafetyMatcher(LEXICON);

  it('finds a term and gives offsets into the original text', () => {
    const text = '这里有违禁内容';
    expect(m.scan(text)).toEqual([
      { term: '违禁', risk: 'A.1.a', action: 'block', start: 3, end: 5 },
    ]);
  });

  it.each([
    ['spaces', '违 禁', '违 禁'],
    ['ideographic space and newline', '前违\u3000\n禁后', '违\u3000\n禁'],
    ['ASCII symbols', 'x违*-禁x', '违*-禁'],
    ['CJK punctuation', '违。禁', '违。禁'],
    ['zero-width characters', '违\u200b\u200d禁', '违\u200b\u200d禁'],
    ['emoji', '违😀禁', '违😀禁'],
    ['full-width Latin', '是ＶＩＰ吗', 'ＶＩＰ'],
    ['lower case and dots', 'v.i.p', 'v.i.p'],
    ['accents', 'vìp', 'vìp'],
    ['combining marks', 'vi\u0301p', 'vi\u0301p'],
    ['Kangxi radicals', '⼈⼯', '⼈⼯'],
  ])('matches variants: %s', (_, text, matched) => {
    const hits = m.scan(text);
    expect(hits.length).toBeGreaterThan(0);
    expect(text.slice(hits[0]?.start, hits[0]?.end)).toBe(matched);
  });

  it('does not match when other letters come between, or too many skipped characters', () => {
    expect(m.scan('违反禁令')).toEqual([]);
    expect(m.scan('违 \t * 禁')).toEqual([]); // 5 skipped characters, at most 3 allowed
    expect(m.scan('违 * 禁')).toHaveLength(1); // exactly 3
    expect(m.scan('VI P')).toHaveLength(1);
    expect(m.scan('VIA P')).toEqual([]);
    expect(m.scan('')).toEqual([]);
  });

  it('honours maxGap', () => {
    const strict = new SafetyMatcher(LEXICON, { maxGap: 0 });
    expect(strict.scan('违 禁')).toEqual([]);
    expect(strict.scan('违禁')).toHaveLength(1);
    expect(() => new SafetyMatcher(LEXICON, { maxGap: -1 })).toThrow(/maxGap/);
  });

  it('reports overlapping terms by end, longest first', () => {
    const text = '违禁词与违禁';
    expect(show(text, m.scan(text))).toEqual([
      '违禁@违禁',
      '违禁词@违禁词',
      '禁词@禁词',
      '违禁@违禁',
    ]);
    expect(m.scan(text).map((h) => [h.start, h.end])).toEqual([
      [0, 2],
      [0, 3],
      [1, 3],
      [4, 6],
    ]);
  });

  it('keeps one entry per folded term and risk (block wins), drops unmatchable and over-long terms', () => {
    const dup = new SafetyMatcher([
      { term: '样例', risk: 'A.1.a', action: 'flag' },
      { term: '样 例', risk: 'A.1.a', action: 'block' },
      { term: '样例', risk: 'A.2.a', action: 'flag' },
      { term: '。。', risk: 'A.2.a', action: 'block' },
      { term: '长'.repeat(33), risk: 'A.2.a', action: 'block' },
    ]);
    expect(dup.scan('样例')).toEqual([
      { term: '样例', risk: 'A.1.a', action: 'block', start: 0, end: 2 },
      { term: '样例', risk: 'A.2.a', action: 'flag', start: 0, end: 2 },
    ]);
    expect(dup.stats).toMatchObject({ entries: 2, patterns: 1, dropped: 2 });
    expect(dup.scan('长'.repeat(40))).toEqual([]);
  });

  it('handles characters outside the BMP and characters that expand', () => {
    const m2 = new SafetyMatcher([
      { term: '𠀀𠀁', risk: 'A.1.h', action: 'block' },
      { term: 'fix', risk: 'A.5.a', action: 'flag' },
      { term: '株式', risk: 'A.3.e', action: 'flag' },
    ]);
    const text = 'a𠀀 𠀁b ﬁx ㈱式';
    expect(show(text, m2.scan(text))).toEqual(['𠀀𠀁@𠀀 𠀁', 'fix@ﬁx', '株式@㈱式']);
    expect(m2.scan('x\ud840y')).toEqual([]); // a lone surrogate is skipped, not a crash
  });

  it('is linear in the text and returns nothing for an empty lexicon', () => {
    expect(new SafetyMatcher([]).scan('违禁')).toEqual([]);
    // A classic worst case for naive matching: long runs of a prefix that never completes.
    const m3 = new SafetyMatcher([
      { term: `${'啊'.repeat(31)}哦`, risk: 'A.1.a', action: 'block' },
    ]);
    expect(m3.scan('啊'.repeat(200_000))).toEqual([]);
    expect(m3.scan(`${'啊'.repeat(200_000)}哦`)).toHaveLength(1);
  });

  it('reports the hold-back limit for streams', () => {
    // Longest blocking term 违禁 / VIP: 3 characters + 2 gaps of up to 3.
    expect(m.stats.holdLimit).toBe(3 + 2 * 3);
  });
});
