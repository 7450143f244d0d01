import { describe, expect, it } from 'vitest';
import { coverage, MAX_TERM_LENGTH, parseLexicon } from './lexicon.js';

describe('parseLexicon', () => {
  it('reads TSV with comments, a header, CRLF, a BOM and the default action', () => {
    const text =
      '\uFEFF# 样例词库\r\nterm\trisk\taction\r\n样例敏感词\tA.1.a\tblock\r\n示例屏蔽语\tA.2.d\r\n\r\n 示例关注词 \t A.3.b \t FLAG \r\n';
    const { entries, errors } = parseLexicon(text);
    expect(errors).toEqual([]);
    expect(entries).toEqual([
      { term: '样例敏感词', risk: 'A.1.a', action: 'block' },
      { term: '示例屏蔽语', risk: 'A.2.d', action: 'block' },
      { term: '示例关注词', risk: 'A.3.b', action: 'flag' },
    ]);
  });

  it('reads CSV with RFC 4180 quotes', () => {
    const text =
      'term,risk,action\n"样例,敏感词",A.1.b,flag\n"说""示例""",A.4.c\nplain,A.5.a,block';
    const { entries, errors } = parseLexicon(text, 'csv');
    expect(errors).toEqual([]);
    expect(entries.map((e) => e.term)).toEqual(['样例,敏感词', '说"示例"', 'plain']);
    expect(entries[0]?.action).toBe('flag');
  });

  it('reads JSONL and detects it', () => {
    const text =
      '{"term":"样例敏感词","risk":"A.1.c"}\n{"term":"示例","risk":"A.2.a","action":"flag","note":"ignored"}';
    const { entries, errors } = parseLexicon(text);
    expect(errors).toEqual([]);
    expect(entries).toEqual([
      { term: '样例敏感词', risk: 'A.1.c', action: 'block' },
      { term: '示例', risk: 'A.2.a', action: 'flag' },
    ]);
  });

  it('reports bad records with their line numbers and keeps the good ones', () => {
    const long = '字'.repeat(MAX_TERM_LENGTH + 1);
    const text = [
      '样例\tA.1.a', // 1 ok
      '样例\tA.9.z', // 2 unknown risk
      '样例\tA.1.a\tdelete', // 3 unknown action
      '\tA.1.a', // 4 empty term
      '。。。\tA.1.a', // 5 nothing matchable
      `${long}\tA.1.a`, // 6 too long
      '样例', // 7 one field (no tab: read as TSV since the format was detected from line 1)
      '样例\tA.1.a\tblock\textra', // 8 four fields
      '# comment', // 9
      '示例\tA.2.b', // 10 ok
    ].join('\n');
    const { entries, errors } = parseLexicon(text);
    expect(entries.map((e) => e.term)).toEqual(['样例', '示例']);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(errors[0]?.message).toMatch(/unknown risk "A.9.z"/);
    expect(errors[1]?.message).toMatch(/unknown action "delete"/);
    expect(errors[3]?.message).toMatch(/nothing to match/);
    expect(errors[4]?.message).toMatch(/33 characters/);
  });

  it('reports malformed JSONL and CSV lines', () => {
    const jsonl = parseLexicon(
      '{"term":"样例","risk":"A.1.a"}\n{oops\n[1]\n{"term":1,"risk":"A.1.a"}',
      'jsonl',
    );
    expect(jsonl.errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'not valid JSON'],
      [3, 'not a JSON object'],
      [4, '"term" must be a string'],
    ]);
    const csv = parseLexicon('"样例,A.1.a\n"样例"x,A.1.a', 'csv');
    expect(csv.errors.map((e) => e.message)).toEqual([
      'unterminated quote',
      'text after a closing quote',
    ]);
  });
});

describe('coverage (small lexicon)', () => {
  it('counts distinct folded terms, per risk and in total', () => {
    const { entries } = parseLexicon(
      ['违禁\tA.1.a', '违 禁\tA.1.a', 'ＶＩＰ\tA.1.a\tflag', 'vip\tA.2.a', '违禁\tA.2.a'].join(
        '\n',
      ),
    );
    const c = coverage(entries);
    expect(c.total).toBe(2); // 违禁, vip
    expect(c.perRisk['A.1.a']).toBe(2);
    expect(c.perRisk['A.2.a']).toBe(2);
    expect(c.perRisk['A.5.b']).toBe(0);
    expect(c.ok).toBe(false);
    expect(c.shortfalls[0]).toBe('total: 2 distinct terms, at least 10000 required');
    // 8 A.1 risks and 9 A.2 risks fall short; A.3–A.5 have no minimum.
    expect(c.shortfalls).toHaveLength(1 + 8 + 9);
    expect(c.shortfalls).toContain(
      'A.1.a 煽动颠覆国家政权、推翻社会主义制度: 2 terms, at least 200 required',
    );
    expect(c.shortfalls).toContain('A.2.i 其他方面歧视内容: 0 terms, at least 100 required');
  });
});
