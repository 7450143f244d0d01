import { describe, expect, it } from 'vitest';
import { isRiskId, RISK_CLASSES, RISKS, riskById, riskClass } from './risks.js';

describe('Annex A risks', () => {
  it('has 31 distinct risks, 8/9/5/7/2 per class A.1…A.5', () => {
    expect(RISKS).toHaveLength(31);
    expect(new Set(RISKS.map((r) => r.id)).size).toBe(31);
    const perClass = RISK_CLASSES.map((c) => RISKS.filter((r) => r.cls === c.cls).length);
    expect(perClass).toEqual([8, 9, 5, 7, 2]);
  });

  it('numbers each class a, b, c, … without gaps and derives the class from the ID', () => {
    for (const { cls } of RISK_CLASSES) {
      const letters = RISKS.filter((r) => r.cls === cls).map((r) => r.id.slice(4));
      expect(letters.join('')).toBe('abcdefghi'.slice(0, letters.length));
    }
    expect(riskClass('A.4.f')).toBe('A.4');
    expect(riskById('A.1.d').name).toBe('宣扬恐怖主义、极端主义');
  });

  it('recognises IDs exactly', () => {
    expect(isRiskId('A.2.i')).toBe(true);
    expect(isRiskId('A.2.j')).toBe(false);
    expect(isRiskId('a.1.a')).toBe(false);
    expect(isRiskId('A.1')).toBe(false);
  });
});
