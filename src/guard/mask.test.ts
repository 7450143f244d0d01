import { describe, expect, it } from 'vitest';
import { mapTexts, textsOf } from './body.js';
import { MaskVault, StreamRestorer } from './mask.js';
import type { PiiSpan, PiiType } from './pii/index.js';

/** Spans for every occurrence of each value (the detector's job, done by hand here). */
function spansOf(text: string, values: Record<string, PiiType>): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const [value, type] of Object.entries(values)) {
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1))
      spans.push({ type, start: at, end: at + value.length, text: value });
  }
  return spans.sort((a, b) => a.start - b.start);
}

const ID = '11010519491231002X';
const ID_WIDE = '１１０１０５１９４９１２３１００２Ｘ';
const IP = '10.1.2.3';

describe('MaskVault', () => {
  it('gives each value one placeholder per request, also when written differently', () => {
    const vault = new MaskVault();
    const a = `王某${ID}，李某13912345678`;
    const b = `核对${ID_WIDE}`;
    const maskedA = vault.mask(a, spansOf(a, { [ID]: 'id_card', '13912345678': 'mobile' }));
    const maskedB = vault.mask(b, spansOf(b, { [ID_WIDE]: 'id_card' }));
    expect(maskedA).toBe('王某〔身份证号1〕，李某〔手机号1〕');
    expect(maskedB).toBe('核对〔身份证号1〕');
    expect(vault.counts).toEqual({ id_card: 2, mobile: 1 });
    expect(vault.restore('〔身份证号1〕与〔手机号1〕')).toBe(`${ID}与13912345678`);
  });

  it('restores only what it issued, labels with digits included', () => {
    const vault = new MaskVault();
    const text = `主机${IP}`;
    expect(vault.mask(text, spansOf(text, { [IP]: 'ipv4' }))).toBe('主机〔IPv4地址1〕');
    expect(vault.restore('〔IPv4地址1〕〔IPv4地址2〕〔身份证号1〕〔IPv4地址 1〕')).toBe(
      `${IP}〔IPv4地址2〕〔身份证号1〕〔IPv4地址 1〕`,
    );
  });
});

describe('StreamRestorer', () => {
  it('restores a placeholder split at every position, and releases other text at once', () => {
    const vault = new MaskVault();
    const source = `身份证${ID}`;
    vault.mask(source, spansOf(source, { [ID]: 'id_card' }));
    const answer = '请核对〔身份证号1〕是否正确。';
    for (let cut = 1; cut < answer.length; cut++) {
      for (let cut2 = cut; cut2 < answer.length; cut2++) {
        const r = new StreamRestorer(vault);
        const out =
          r.push(answer.slice(0, cut)) +
          r.push(answer.slice(cut, cut2)) +
          r.push(answer.slice(cut2)) +
          r.end();
        expect(out).toBe(`请核对${ID}是否正确。`);
      }
    }
    const r = new StreamRestorer(vault);
    expect(r.push('请核对')).toBe('请核对');
    expect(r.push('〔身份')).toBe('');
    expect(r.push('证号1〕是')).toBe(`${ID}是`);
  });

  it('does not hold back an opening bracket that cannot start a placeholder', () => {
    const r = new StreamRestorer(new MaskVault());
    expect(r.push('〔注：这是一段很长的说明文字，不是占位符')).toBe(
      '〔注：这是一段很长的说明文字，不是占位符',
    );
    expect(r.push('〔一〕')).toBe('〔一〕');
    expect(r.push('结尾〔')).toBe('结尾');
    expect(r.end()).toBe('〔');
  });
});

describe('request texts', () => {
  it('finds and edits chat contents and text parts without touching the original', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: '你是政务助手' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'A' },
            { type: 'image_url', image_url: {} },
          ],
        },
      ],
    };
    expect(textsOf('chat', body)).toEqual(['你是政务助手', 'A']);
    const edited = mapTexts('chat', body, (t) => (t === 'A' ? 'B' : t));
    expect(edited).not.toBe(body);
    expect(edited.messages).toEqual([
      body.messages[0],
      {
        role: 'user',
        content: [
          { type: 'text', text: 'B' },
          { type: 'image_url', image_url: {} },
        ],
      },
    ]);
    expect(body.messages[1]!.content).toEqual([
      { type: 'text', text: 'A' },
      { type: 'image_url', image_url: {} },
    ]);
    // Nothing to change: the same object back.
    expect(mapTexts('chat', body, (t) => t)).toBe(body);
  });

  it('covers prompts and embedding inputs, leaving token arrays alone', () => {
    expect(textsOf('completions', { model: 'm', prompt: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(textsOf('embeddings', { model: 'm', input: [[1, 2, 3]] })).toEqual([]);
    expect(mapTexts('embeddings', { model: 'm', input: 'x' }, () => 'y')).toEqual({
      model: 'm',
      input: 'y',
    });
  });
});
