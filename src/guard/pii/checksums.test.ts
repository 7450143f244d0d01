import { describe, expect, it } from 'vitest';
import {
  isPlausibleLegacyId,
  isValidCreditCode,
  isValidOrgCode,
  isValidResidentId,
  luhn,
} from './checksums.js';

// Vectors from regulations.md §4.2–§4.4.
describe('isValidResidentId (GB 11643, MOD 11-2)', () => {
  it.each(['11010519491231002X', '440524188001010014', '110101199003074258', '11010519491231002x'])(
    'accepts %s',
    (id) => expect(isValidResidentId(id)).toBe(true),
  );

  it.each([
    ['110101199003074259', 'wrong check digit'],
    ['990101199003074258', 'no such province'],
    ['110101199002304258', 'no 30 February'],
    ['11010119900307425', '17 characters'],
    ['1101011990030742581', '19 characters'],
    ['11010519491231002Y', 'check character Y'],
  ])('rejects %s (%s)', (id) => expect(isValidResidentId(id)).toBe(false));

  it('rejects a birth date after today', () => {
    // Body 110101 + 20300101 + 001: Σ mod 11 = 8 → check character '4'.
    expect(isValidResidentId('110101203001010014', new Date('2031-01-01'))).toBe(true);
    expect(isValidResidentId('110101203001010014', new Date('2029-12-31'))).toBe(false);
  });

  it('checks the date of 15-digit legacy numbers', () => {
    expect(isPlausibleLegacyId('110101900307425')).toBe(true);
    expect(isPlausibleLegacyId('110101901307425')).toBe(false);
  });
});

describe('isValidCreditCode (GB 32100 + GB 11714)', () => {
  it.each([
    '91440300708461136T',
    '91110102MACQD9K640',
    '914403001922038216',
    '91320118MAK93FC72D',
    '91110000600001760P',
  ])('accepts %s', (code) => expect(isValidCreditCode(code)).toBe(true));

  it('rejects a wrong check character', () => {
    expect(isValidCreditCode('91440300708461136X')).toBe(false);
  });

  it('rejects letters outside the alphabet (I, O, S, V, Z) and lower case', () => {
    expect(isValidCreditCode('91440300708461136I')).toBe(false);
    expect(isValidCreditCode('91110102macqd9k640')).toBe(false);
  });

  it('checks the embedded organisation code', () => {
    expect(isValidOrgCode('708461136')).toBe(true);
    expect(isValidOrgCode('708461137')).toBe(false);
    // The organisation check broken (6 → 7) and the main check recomputed to fit (X): rejected.
    expect(isValidCreditCode('91440300708461137X')).toBe(false);
  });
});

describe('luhn', () => {
  it('accepts the test card and rejects a changed digit', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(luhn('')).toBe(false);
  });
});
