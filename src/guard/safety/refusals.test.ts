import { describe, expect, it } from 'vitest';
import { DEFAULT_REFUSALS, refusalFor } from './refusals.js';
import { RISK_CLASSES } from './risks.js';

describe('refusalFor', () => {
  it('has a distinct polite Chinese refusal per class and a default', () => {
    const texts = [...RISK_CLASSES.map((c) => DEFAULT_REFUSALS[c.cls]), DEFAULT_REFUSALS.default];
    expect(new Set(texts).size).toBe(6);
    for (const t of texts) expect(t).toMatch(/^抱歉，.+。$/);
  });

  it('picks the class of the risk', () => {
    expect(refusalFor('A.1.d')).toBe(DEFAULT_REFUSALS['A.1']);
    expect(refusalFor('A.2.e')).toBe(DEFAULT_REFUSALS['A.2']);
    expect(refusalFor('A.5.b')).toBe(DEFAULT_REFUSALS['A.5']);
    expect(refusalFor()).toBe(DEFAULT_REFUSALS.default);
    expect(refusalFor(null)).toBe(DEFAULT_REFUSALS.default);
  });

  it('lets the operator override per risk, per class and the default, most specific first', () => {
    const overrides = { 'A.1.a': '按风险', 'A.1': '按类别', default: '默认' };
    expect(refusalFor('A.1.a', overrides)).toBe('按风险');
    expect(refusalFor('A.1.b', overrides)).toBe('按类别');
    expect(refusalFor('A.3.a', overrides)).toBe(DEFAULT_REFUSALS['A.3']);
    expect(refusalFor(undefined, overrides)).toBe('默认');
  });
});
