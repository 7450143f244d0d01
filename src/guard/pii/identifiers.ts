/**
 * Letter-and-digit identifiers: unified social credit codes, passports, travel permits and
 * vehicle plates (regulations.md §4.3, §4.6).
 */
import { isValidCreditCode } from './checksums.js';
import { before, NOT_PERSONAL_CUE } from './context.js';
import type { Candidate, PiiType } from './types.js';

// 18 characters of the GB 32100 alphabet (no I, O, S, V, Z); the checks decide.
const USCC = /(?<![0-9A-Za-z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Za-z])/g;

export function detectCreditCodes(text: string, out: Candidate[]): void {
  USCC.lastIndex = 0;
  for (let m = USCC.exec(text); m; m = USCC.exec(text)) {
    if (isValidCreditCode(m[0])) {
      out.push({ type: 'credit_code', start: m.index, end: m.index + m[0].length });
    }
  }
}

// One or two capital letters and 7–10 digits: every passport and permit format below.
const DOCUMENT = /(?<![0-9A-Za-z])([A-Z]{1,2})(\d{7,10})(?![0-9A-Za-z])/g;

const PASSPORT_CUE = /护照/;
const MAINLAND_PERMIT_CUE = /港澳通行证|往来港澳|通行证/;
const HOME_RETURN_CUE = /回乡证|来往内地通行证|港澳居民/;
const TAIWAN_PERMIT_CUE = /台湾通行证|往来台湾|赴台/;
const ANY_DOCUMENT_CUE = /证件|护照|通行证|回乡证/;

// Letters after the first of newer passports and permits: no I or O.
const SERIAL_LETTER = /^[A-HJ-NP-Z]$/;

/**
 * Which document a letter prefix and digit count can be, and whether it needs a cue.
 * E- and G-passports (E12345678, EA1234567, G12345678) are distinctive enough alone; the
 * other prefixes are common in product codes, so a word naming the document must precede.
 */
function documentType(letters: string, digits: string, cue: string): PiiType | null {
  const [first, second] = [letters[0], letters[1]];
  const n = digits.length;
  const serial = second === undefined ? n === 8 : SERIAL_LETTER.test(second) && n === 7;
  if ((first === 'E' && serial) || (first === 'G' && letters.length === 1 && n === 8)) {
    return 'passport';
  }
  if ('DSP'.includes(first ?? '') && letters.length === 1 && (n === 7 || n === 8)) {
    return PASSPORT_CUE.test(cue) ? 'passport' : null;
  }
  if (first === 'C' && serial) {
    return MAINLAND_PERMIT_CUE.test(cue) || ANY_DOCUMENT_CUE.test(cue) ? 'travel_permit' : null;
  }
  if ((first === 'H' || first === 'M') && letters.length === 1 && (n === 8 || n === 10)) {
    return HOME_RETURN_CUE.test(cue) || ANY_DOCUMENT_CUE.test(cue) ? 'travel_permit' : null;
  }
  if (first === 'L' && letters.length === 1 && n === 8) {
    return TAIWAN_PERMIT_CUE.test(cue) ? 'travel_permit' : null;
  }
  return null;
}

export function detectDocuments(text: string, out: Candidate[]): void {
  DOCUMENT.lastIndex = 0;
  for (let m = DOCUMENT.exec(text); m; m = DOCUMENT.exec(text)) {
    const cue = before(text, m.index, 16);
    const type = documentType(m[1]!, m[2]!, cue);
    if (!type) continue;
    // "订单号 E12345678" is an order, whatever its shape.
    if (NOT_PERSONAL_CUE.test(before(text, m.index, 6))) continue;
    out.push({ type, start: m.index, end: m.index + m[0].length });
  }
}

// GA 36-2018 plates: province, issuing-authority letter (no I/O), then either a new-energy
// serial (D…/F… + 5, or 5 digits + D/F…) or an ordinary 5-character serial whose last character
// may be 学/警/挂/港/澳. A separator dot or space after the letter is common in writing.
const PLATE =
  /[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·・• ]?(?:[DABCEFGHJK][A-HJ-NP-Z0-9]\d{4}|\d{5}[DABCEFGHJK]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])(?![0-9A-Za-z])/g;

export function detectPlates(text: string, out: Candidate[]): void {
  PLATE.lastIndex = 0;
  for (let m = PLATE.exec(text); m; m = PLATE.exec(text)) {
    const serial = m[0].slice(2).replace(/^[·・• ]/, '');
    // Ordinary serials carry at most two letters (GA 36-2018); more is a code, not a plate.
    const letters = serial.replace(/[^A-Z]/g, '').length;
    if (serial.length === 5 && letters > 2) continue;
    out.push({ type: 'plate', start: m.index, end: m.index + m[0].length });
  }
}
