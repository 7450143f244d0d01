import { describe, expect, it } from 'vitest';
import { foldCodePoint, foldedKey, foldTerm } from './fold.js';

const fold = (ch: string) => String.fromCodePoint(...foldCodePoint(ch.codePointAt(0) ?? 0));

describe('folding', () => {
  it('maps full-width, circled and compatibility characters to ordinary ones', () => {
    expect(fold('Ａ')).toBe('a');
    expect(fold('１')).toBe('1');
    expect(fold('①')).toBe('1');
    expect(fold('⼈')).toBe('人'); // Kangxi radical
    expect(fold('㊙')).toBe('秘');
    expect(fold('ﬁ')).toBe('fi');
  });

  it('lower-cases and drops accents and tone marks', () => {
    expect(foldedKey('FǍLÜ')).toBe('falu');
    expect(foldedKey('cafe\u0301')).toBe(foldedKey('café'));
  });

  it('skips whitespace, punctuation, symbols and invisible characters', () => {
    for (const ch of [
      ' ',
      '\u3000',
      '\n',
      '。',
      '，',
      '*',
      '-',
      '·',
      '😀',
      '\u200b',
      '\u200d',
      '\u00ad',
      '\ufeff',
      '\ue000',
    ]) {
      expect(foldCodePoint(ch.codePointAt(0) ?? 0), JSON.stringify(ch)).toEqual([]);
    }
  });

  it('keeps letters and digits of every script', () => {
    expect(foldedKey('违禁 词 2024')).toBe('违禁词2024');
    expect(foldTerm('𠀀x')).toEqual([0x20000, 0x78]);
  });
});
