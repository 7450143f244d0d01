/**
 * Near-misses: strings shaped like personal data that are not, or that fail their checks.
 * A detector that flags any of them loses precision.
 */
import { fullWidth, type Random } from './random.js';
import {
  bankCardDigits,
  birthDate,
  residentIdDigits,
  usccCheck,
  withLuhn,
  wrongCheck,
  creditCode,
} from './values.js';

export function badResidentId(r: Random): string {
  const id = residentIdDigits(r);
  const style = r.next();
  if (style < 0.4) return wrongCheck(id);
  if (style < 0.55) {
    // Impossible date: 30 February or month 13, with a check digit that fits the body.
    const date = r.chance(0.5)
      ? `${r.int(1950, 2005)}0230`
      : `${r.int(1950, 2005)}13${String(r.int(1, 28)).padStart(2, '0')}`;
    return withIdCheck(`${id.slice(0, 6)}${date}${id.slice(14, 17)}`);
  }
  if (style < 0.7) {
    // Born in the future.
    return withIdCheck(`${id.slice(0, 6)}${birthDate(r, 2031, 2060)}${id.slice(14, 17)}`);
  }
  if (style < 0.85) {
    // No such province (00, 19, 39, 66, 99…).
    return withIdCheck(`${r.pick(['00', '19', '39', '66', '77', '99'])}${id.slice(2, 17)}`);
  }
  return r.chance(0.5) ? id.slice(0, 17) : `${id.slice(0, 17)}${r.digits(2)}`;
}

function withIdCheck(body: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * weights[i]!;
  return body + '10X98765432'[sum % 11]!;
}

export function badCreditCode(r: Random): string {
  const code = creditCode(r);
  if (r.chance(0.5)) {
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    const i = alphabet.indexOf(code[17]!);
    return code.slice(0, 17) + alphabet[(i + r.int(1, 30)) % 31]!;
  }
  // Organisation code check broken, main check recomputed so only the inner check fails.
  const org = code.slice(8, 16) + String((Number(/\d/.test(code[16]!) ? code[16] : '0') + 1) % 10);
  const body = code.slice(0, 8) + org;
  return body + usccCheck(body);
}

/** 16–19 digits failing Luhn, with a card's issuer prefix. */
export function badBankCard(r: Random): string {
  const card = bankCardDigits(r);
  const last = Number(card.at(-1));
  return card.slice(0, -1) + String((last + r.int(1, 9)) % 10);
}

/** A Luhn-valid number that is an order or transaction number (named so in the text). */
export function luhnOrderNumber(r: Random): string {
  return withLuhn(
    `${r.pick(['2023', '2024', '6223', '4000', '5200'])}${r.digits(r.pick([11, 14]))}`,
  );
}

export function orderNumber(r: Random): string {
  return `${r.pick(['2023', '2024'])}${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(1, 28)).padStart(2, '0')}${r.digits(r.pick([6, 10, 12]))}`;
}

export function badMobile(r: Random): string {
  const style = r.next();
  if (style < 0.5) return `${r.pick(['146', '194', '140', '141', '149'])}${r.digits(8)}`;
  if (style < 0.75) return `1${r.pick(['2', '0'])}${r.digits(9)}`;
  return `1${r.pick(['3', '5', '8'])}${r.digits(r.pick([8, 10]))}`;
}

export function serviceNumber(r: Random): string {
  return r.pick([
    '400-820-8820',
    '4006-888-888',
    '800-830-1740',
    '95588',
    '95566',
    '12345',
    '12315',
    '12369',
    '96166',
  ]);
}

export function docNumber(r: Random): string {
  const year = r.int(2018, 2024);
  const prefix = r.pick(['粤府', '国办发', '穗府办函', '粤办函', '深府规', '粤财预', '穗民规字']);
  return `${prefix}〔${year}〕${r.int(1, 180)}号`;
}

export function dateText(r: Random): string {
  const y = r.int(2019, 2024);
  const m = r.int(1, 12);
  const d = r.int(1, 28);
  const pad = (n: number) => String(n).padStart(2, '0');
  return r.pick([
    `${y}年${m}月${d}日`,
    `${y}-${pad(m)}-${pad(d)}`,
    `${y}${pad(m)}${pad(d)}`,
    `${y}/${pad(m)}/${pad(d)}`,
  ]);
}

export function amount(r: Random): string {
  const style = r.next();
  if (style < 0.3) return `${r.int(1, 999)},${r.digits(3)},${r.digits(3)}.${r.digits(2)}元`;
  if (style < 0.6) return `${r.int(1000, 99999999)}元`;
  if (style < 0.8) return `${r.int(1, 9999)}.${r.int(1, 99)}万元`;
  return `1${r.digits(10)}元`;
}

export function trackingNumber(r: Random): string {
  return r.pick([
    `SF${r.digits(13)}`,
    `YT${r.digits(13)}`,
    `JD${r.digits(15)}`,
    `7730${r.digits(11)}`,
    `${r.int(1, 9)}${r.digits(11)}`,
  ]);
}

export function caseNumber(r: Random): string {
  return `（${r.int(2019, 2024)}）粤${r.pick(['0106', '0104', '03', '0305'])}${r.pick(['民初', '行初', '刑初', '执'])}${r.int(100, 99999)}号`;
}

export function versionNumber(r: Random): string {
  return `${r.int(1, 9)}.${r.int(0, 9)}.${r.int(0, 20)}.${r.int(0, 200)}`;
}

export function sectionNumber(r: Random): string {
  return `${r.int(1, 9)}.${r.int(1, 9)}.${r.int(1, 9)}.${r.int(1, 9)}`;
}

export function badPlate(r: Random): string {
  return r.pick([
    `京O${r.digits(5)}`,
    `粤B${r.digits(4)}`,
    `沪I${r.digits(5)}`,
    `A${r.digits(5)}`,
    `苏E${r.pick(['ABC', 'XYZ'])}${r.digits(2)}`,
  ]);
}

export function productCode(r: Random): string {
  return r.pick([
    `D${r.digits(7)}`,
    `C${r.digits(8)}`,
    `H${r.digits(8)}`,
    `M${r.digits(8)}`,
    `P${r.digits(7)}`,
  ]);
}

export function ticketNumber(r: Random): string {
  return `${r.pick(['2023', '2024'])}${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(1, 28)).padStart(2, '0')}${r.digits(5)}`;
}

export function bigNumber(r: Random): string {
  return r.chance(0.5)
    ? String(r.int(1000000, 99999999))
    : fullWidth(String(r.int(1000000, 99999999)));
}

/** Unix times in seconds or milliseconds: 10 or 13 digits starting with 1, like a phone. */
export function timestamp(r: Random): string {
  const seconds = r.int(1500000000, 1800000000);
  return r.chance(0.5) ? String(seconds) : `${seconds}${r.digits(3)}`;
}

export function isbn(r: Random): string {
  return `978-7-${r.int(100, 999)}-${r.digits(5)}-${r.int(0, 9)}`;
}
