/**
 * Check digits of Chinese identifiers (regulations.md §4.2–§4.4).
 */

// GB/T 2260 province-level prefixes; 71/81/82/83 are Taiwan, Hong Kong, Macau and the
// residence permits of their residents (830000).
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
]);

export function isProvincePrefix(twoDigits: string): boolean {
  return PROVINCES.has(Number(twoDigits));
}

// ISO 7064 MOD 11-2: weight of position i is 2^(17−i) mod 11.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

function isValidBirthDate(year: number, month: number, day: number, now: Date): boolean {
  if (year < 1880 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return date.getTime() <= now.getTime();
}

/**
 * 18-character resident identity number (GB 11643-1999): province prefix, a real birth date not
 * in the future, and the MOD 11-2 check character (x accepted for X).
 */
export function isValidResidentId(id: string, now: Date = new Date()): boolean {
  if (!/^[1-9]\d{16}[\dXx]$/.test(id)) return false;
  if (!isProvincePrefix(id.slice(0, 2))) return false;
  const year = Number(id.slice(6, 10));
  if (!isValidBirthDate(year, Number(id.slice(10, 12)), Number(id.slice(12, 14)), now)) {
    return false;
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK[sum % 11] === id[17]!.toUpperCase();
}

/** 15-digit resident identity number (before 1999): no check digit, YYMMDD of the 1900s. */
export function isPlausibleLegacyId(id: string): boolean {
  if (!/^[1-9]\d{14}$/.test(id) || !isProvincePrefix(id.slice(0, 2))) return false;
  const year = 1900 + Number(id.slice(6, 8));
  return isValidBirthDate(year, Number(id.slice(8, 10)), Number(id.slice(10, 12)), new Date());
}

// GB 32100-2015: 31 characters (no I, O, S, V, Z) valued 0–30, weights 3^i mod 31.
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
// GB 11714 organisation code embedded at positions 9–17: 8 characters and a MOD 11 check.
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

function orgCodeValue(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  return -1;
}

/** The 9-character organisation code (GB 11714) check: C9 = 11 − Σ mod 11; 10 → X, 11 → 0. */
export function isValidOrgCode(code: string): boolean {
  if (code.length !== 9) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const v = orgCodeValue(code[i]!);
    if (v < 0) return false;
    sum += v * (ORG_WEIGHTS[i] ?? 0);
  }
  const c9 = 11 - (sum % 11);
  const expected = c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9);
  return code[8] === expected;
}

/**
 * Unified social credit code (GB 32100-2015): the region code's province prefix (or 10 for
 * national bodies), the MOD 31 check character, and the embedded organisation-code check.
 */
export function isValidCreditCode(code: string): boolean {
  if (code.length !== 18) return false;
  const region = code.slice(2, 8);
  if (!/^\d{6}$/.test(region)) return false;
  if (!isProvincePrefix(region.slice(0, 2)) && region.slice(0, 2) !== '10') return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(code[i]!);
    if (v < 0) return false;
    sum += v * (USCC_WEIGHTS[i] ?? 0);
  }
  if (USCC_ALPHABET[(31 - (sum % 31)) % 31] !== code[17]) return false;
  return isValidOrgCode(code.slice(8, 17));
}

/** Luhn (ISO/IEC 7812) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}
