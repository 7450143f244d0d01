import { describe, expect, it } from 'vitest';
import { coverage, parseLexicon, type LexiconEntry } from '../../../src/guard/safety/lexicon.js';
import { RISKS } from '../../../src/guard/safety/risks.js';
import { numberedTerms, toTsv } from './synthetic.js';

/** Exactly the minimum: 200 per A.1 risk, 100 per A.2 risk, the rest spread to 10,000. */
function minimalLexicon(): LexiconEntry[] {
  const a1 = RISKS.filter((r) => r.cls === 'A.1').flatMap((r) => numberedTerms(r.id, 200));
  const a2 = RISKS.filter((r) => r.cls === 'A.2').flatMap((r) => numberedTerms(r.id, 100));
  const others = RISKS.filter((r) => r.cls !== 'A.1' && r.cls !== 'A.2');
  const rest = 10_000 - a1.length - a2.length; // 7,500 over 14 risks
  const per = Math.ceil(rest / others.length);
  const filler = others.flatMap((r) => numberedTerms(r.id, per, 'flag')).slice(0, rest);
  return [...a1, ...a2, ...filler];
}

describe('coverage of a 10,000-term lexicon', () => {
  const base = minimalLexicon();

  it('passes at exactly the minimum, after a round trip through the TSV format', () => {
    const { entries, errors } = parseLexicon(toTsv(base));
    expect(errors).toEqual([]);
    expect(entries).toHaveLength(10_000);
    const c = coverage(entries);
    expect(c).toMatchObject({ total: 10_000, ok: true, shortfalls: [] });
    expect(c.perRisk['A.1.a']).toBe(200);
    expect(c.perRisk['A.2.i']).toBe(100);
    expect(Object.values(c.perRisk).reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('fails one term short of an A.1 risk: that risk and the total', () => {
    const short = base.filter((e) => e.term !== '测试违禁词A1c0200');
    const c = coverage(short);
    expect(c.ok).toBe(false);
    expect(c.total).toBe(9_999);
    expect(c.shortfalls).toEqual([
      'total: 9999 distinct terms, at least 10000 required',
      'A.1.c 煽动分裂国家、破坏国家统一和社会稳定: 199 terms, at least 200 required',
    ]);
  });

  it('does not count variants of a term twice, nor other risks towards A.2', () => {
    const moved = base.map((e) =>
      e.term === '测试违禁词A2e0001' ? { ...e, risk: 'A.3.a' as const } : e,
    );
    const variants = [
      { term: '测试 违禁词 A2e0002', risk: 'A.2.e' as const, action: 'block' as const },
      { term: '测试违禁词ａ２ｅ０００３', risk: 'A.2.e' as const, action: 'flag' as const },
    ];
    const c = coverage([...moved, ...variants]);
    expect(c.perRisk['A.2.e']).toBe(99);
    expect(c.total).toBe(10_000);
    expect(c.shortfalls).toEqual(['A.2.e 性别歧视内容: 99 terms, at least 100 required']);
  });
});
