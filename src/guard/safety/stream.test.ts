import { describe, expect, it } from 'vitest';
import type { LexiconEntry } from './lexicon.js';
import { SafetyMatcher, type Hit } from './matcher.js';

const LEXICON: LexiconEntry[] = [
  { term: '违禁词', risk: 'A.1.a', action: 'block' },
  { term: '禁令', risk: 'A.2.a', action: 'flag' },
  { term: '关注', risk: 'A.3.a', action: 'flag' },
];
const m = new SafetyMatcher(LEXICON);

/** Feed pieces; return what was released after each push, the hits, and the end. */
function run(pieces: readonly string[]) {
  const s = m.stream();
  const releases: string[] = [];
  const hits: Hit[] = [];
  for (const p of pieces) {
    const r = s.push(p);
    releases.push(r.release);
    hits.push(...r.hits);
  }
  const last = s.end();
  hits.push(...last.hits);
  return { releases, hits, end: last.release, all: releases.join('') + last.release };
}

describe('StreamScanner', () => {
  it('holds back exactly the possible beginning of a blocked term', () => {
    const { releases } = run(['正常文本违', '禁', '的说明']);
    expect(releases).toEqual(['正常文本', '', '违禁的说明']);
  });

  it('keeps holding across skippable characters, and lets go after a break', () => {
    const s = m.stream();
    expect(s.push('甲违 ').release).toBe('甲');
    expect(s.push('*').release).toBe('');
    expect(s.push('禁').release).toBe('');
    expect(s.push('乙').release).toBe('违 *禁乙'); // 乙 cannot continue 违禁词
    expect(s.end()).toEqual({ release: '', hits: [] });
  });

  it('lets go when the gap grows past maxGap', () => {
    const s = m.stream();
    expect(s.push('违   ').release).toBe('');
    expect(s.push(' ').release).toBe('违    ');
  });

  it('does not hold for flag-only terms', () => {
    const { releases, hits } = run(['一关', '注二']);
    expect(releases).toEqual(['一关', '注二']);
    expect(hits.map((h) => [h.term, h.start, h.end])).toEqual([['关注', 1, 3]]);
  });

  it('never releases a character of a blocked term, whatever the split', () => {
    const text = '前文违 禁*词后文';
    const start = text.indexOf('违');
    const end = text.indexOf('词') + 1;
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const pieces = [text.slice(0, i), text.slice(i, j), text.slice(j)];
        const s = m.stream();
        let released = '';
        const hits: Hit[] = [];
        for (const p of pieces) {
          const r = s.push(p);
          released += r.release;
          hits.push(...r.hits);
          expect(released.length).toBeLessThanOrEqual(start);
        }
        released += s.end().release;
        expect(released).toBe(text.slice(0, start));
        const block = hits.filter((h) => h.action === 'block');
        expect(block).toEqual([{ term: '违禁词', risk: 'A.1.a', action: 'block', start, end }]);
        // The flagged 禁令 does not occur; nothing else is reported.
        expect(hits).toHaveLength(1);
      }
    }
  });

  it('releases everything of a clean answer, one character at a time too', () => {
    const text = '违规行为与禁止事项：违反禁令须关注。违禁';
    const byChar = run([...text.slice(0, -2), text.slice(-2)]);
    // The final 违禁 could still become 违禁词 until the stream ends.
    expect(byChar.end).toBe('违禁');
    expect(byChar.all).toBe(text);
    expect(byChar.hits.map((h) => h.term)).toEqual(['禁令', '关注']);
    expect(byChar.hits.map((h) => text.slice(h.start, h.end))).toEqual(['禁令', '关注']);
  });

  it('releases nothing after a block and keeps reporting hits', () => {
    const s = m.stream();
    const first = s.push('好违禁词后面关注');
    expect(first.release).toBe('好');
    expect(first.hits.map((h) => h.term)).toEqual(['违禁词', '关注']);
    expect(s.push('更多文字').release).toBe('');
    expect(s.end().release).toBe('');
  });

  it('finds a block term split inside a surrogate pair and counts offsets in code units', () => {
    const m2 = new SafetyMatcher([{ term: '𠀀违', risk: 'A.1.a', action: 'block' }]);
    const s = m2.stream();
    expect(s.push('ab\ud840').release).toBe('ab');
    const r = s.push('\udc00违c');
    expect(r.release).toBe('');
    expect(r.hits).toEqual([{ term: '𠀀违', risk: 'A.1.a', action: 'block', start: 2, end: 5 }]);
  });

  it('releases a lone high surrogate left at the end', () => {
    const s = m.stream();
    expect(s.push('a\ud840').release).toBe('a');
    expect(s.end().release).toBe('\ud840');
  });
});
