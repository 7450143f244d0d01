import { describe, expect, it } from 'vitest';
import { callCost, formatYuan, yuanToNano } from './money.js';

describe('exact money', () => {
  it('parses decimals without floating point', () => {
    expect(yuanToNano('0.002')).toBe(2_000_000n);
    expect(yuanToNano('12')).toBe(12_000_000_000n);
    expect(yuanToNano('0.000001')).toBe(1000n);
    expect(() => yuanToNano('1e-3')).toThrow();
    expect(() => yuanToNano('-1')).toThrow();
  });

  it('costs a call exactly, cached prompt tokens at their own price', () => {
    const price = {
      input: yuanToNano('0.002'),
      output: yuanToNano('0.008'),
      cachedInput: yuanToNano('0.0005'),
    };
    // 1234 prompt (200 cached) + 567 completion:
    // 1034 × 0.002/1k + 200 × 0.0005/1k + 567 × 0.008/1k = 0.002068 + 0.0001 + 0.004536
    expect(formatYuan(callCost(price, { prompt: 1234, completion: 567, cached: 200 }))).toBe(
      '0.006704000',
    );
    // 0.1 + 0.2 style sums stay exact: ten thousand calls of 0.000003 yuan.
    const one = callCost(
      { input: yuanToNano('0.003'), output: 0n, cachedInput: 0n },
      { prompt: 1, completion: 0, cached: 0 },
    );
    expect(formatYuan(one * 10_000n, 2)).toBe('0.03');
  });

  it('rounds half up only when printing', () => {
    expect(formatYuan(yuanToNano('1.005'), 2)).toBe('1.01');
    expect(formatYuan(yuanToNano('1.004999'), 2)).toBe('1.00');
    expect(formatYuan(yuanToNano('7'), 0)).toBe('7');
    expect(formatYuan(-yuanToNano('0.5'), 3)).toBe('-0.500');
  });
});
