import { describe, expect, it } from 'vitest';
import { createPiiDetector, PII_LABELS, PII_TYPES, type PiiSpan } from './index.js';

const detector = createPiiDetector();
const found = (text: string) => detector.detect(text).map((s) => [s.type, s.text]);

describe('createPiiDetector', () => {
  it('reports offsets into the original text after folding full-width characters', () => {
    const text = '身份证号：１１０１０１１９９００３０７４２５８，手机：１３８００１３８０００';
    const spans = detector.detect(text);
    expect(spans.map((s) => s.type)).toEqual(['id_card', 'mobile']);
    for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.text);
    expect(spans[0]!.text).toBe('１１０１０１１９９００３０７４２５８');
  });

  it('keeps offsets when folding changes the length before a span', () => {
    // 𝟏 (two UTF-16 units) folds to one; ㈠ folds to three characters.
    const text = '㈠附件𝟏：联系人手机13800138000';
    const [span] = detector.detect(text);
    expect(span).toMatchObject({ type: 'mobile', text: '13800138000' });
    expect(text.slice(span!.start, span!.end)).toBe('13800138000');
  });

  it('joins digit groups separated by spaces or hyphens', () => {
    expect(found('身份证 4403 0019 9003 0742 59 已登记')).toEqual([
      ['id_card', '4403 0019 9003 0742 59'],
    ]);
    expect(found('电话138-0013-8000')).toEqual([['mobile', '138-0013-8000']]);
    expect(found('+86 138 0013 8000')).toEqual([['mobile', '+86 138 0013 8000']]);
    expect(found('座机0755-83765566-8001')).toEqual([['landline', '0755-83765566']]);
  });

  it('does not take an ID or a phone from inside a longer digit run', () => {
    expect(found('订单号2023112411010119900307425')).toEqual([]);
    expect(found('流水号8613800138000123')).toEqual([]);
  });

  it('rejects unallocated mobile prefixes and numbers followed by a unit', () => {
    expect(found('14612345678、19412345678')).toEqual([]);
    expect(found('17400123456')).toEqual([['mobile', '17400123456']]);
    expect(found('金额13800000000元')).toEqual([]);
  });

  it('tells a bank card from an order number by the words before it', () => {
    expect(found('卡号6222021234567890128')).toEqual([['bank_card', '6222021234567890128']]);
    expect(found('交易流水号6222021234567890128')).toEqual([]);
    expect(found('卡号6222021234567890127')).toEqual([]);
  });

  it('prefers the more specific span when candidates overlap', () => {
    expect(found('邮箱13800138000@163.com')).toEqual([['email', '13800138000@163.com']]);
    expect(found('代码914403001922038216')).toEqual([['credit_code', '914403001922038216']]);
  });

  it('finds letter-and-digit identifiers only with their cues where the shape is common', () => {
    expect(found('护照E12345678')).toEqual([['passport', 'E12345678']]);
    expect(found('型号C12345678')).toEqual([]);
    expect(found('往来港澳通行证C12345678')).toEqual([['travel_permit', 'C12345678']]);
    expect(found('粤B12345、粤BD12345、京O12345')).toEqual([
      ['plate', '粤B12345'],
      ['plate', '粤BD12345'],
    ]);
  });

  it('tells IP addresses from version and section numbers', () => {
    expect(found('服务器192.168.1.10，IPv6 2001:db8::1')).toEqual([
      ['ipv4', '192.168.1.10'],
      ['ipv6', '2001:db8::1'],
    ]);
    expect(found('版本2.1.0.3，第3.2.1.4条，12:30:45')).toEqual([]);
  });

  it('finds addresses down to a house number or room, not bare divisions', () => {
    expect(found('家住广东省广州市天河区石牌街道华师社区5栋2单元501室。')).toEqual([
      ['address', '广东省广州市天河区石牌街道华师社区5栋2单元501室'],
    ]);
    expect(found('反映天河路385号噪音扰民')).toEqual([['address', '天河路385号']]);
    expect(found('广州市天河区人民政府，粤府〔2023〕90号')).toEqual([]);
  });

  it('finds names next to cues, not bare surnames with a title', () => {
    expect(found('参会人员：张伟、王芳、欧阳修文。请王建国同志回复。')).toEqual([
      ['person_name', '张伟'],
      ['person_name', '王芳'],
      ['person_name', '欧阳修文'],
      ['person_name', '王建国'],
    ]);
    expect(found('张先生反映，办公室主任已答复。')).toEqual([]);
  });

  it('returns sorted, non-overlapping spans and only the requested types', () => {
    const text = '联系人李明，电话13800138000，邮箱liming@gz.gov.cn，身份证110101199003074258';
    const spans: PiiSpan[] = detector.detect(text);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    const phonesOnly = createPiiDetector({ types: ['mobile'] }).detect(text);
    expect(phonesOnly.map((s) => s.type)).toEqual(['mobile']);
  });

  it('has a Chinese label for every type', () => {
    for (const t of PII_TYPES) expect(PII_LABELS[t]).toMatch(/[\u4e00-\u9fa5]/);
    expect(PII_LABELS.id_card).toBe('身份证号');
  });
});
