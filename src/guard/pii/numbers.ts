/**
 * Digit runs: resident IDs, bank cards, mobile and fixed-line numbers, Taiwan compatriot permits.
 *
 * One regex finds maximal runs of digits that may contain single spaces or hyphens
 * ("4403 0019 9003 0742 58", "138-0013-8000", "+86 138…"). A run is split into its digit groups
 * and every stretch of consecutive groups is tried as a whole: the longest stretches that
 * validate win, so "2023-11-24 13800138000" yields the phone and "0755-83765566-8001" the
 * number without its extension. Digits glued to letters, dots or @ are left to other detectors.
 */
import { isPlausibleLegacyId, isValidResidentId, luhn } from './checksums.js';
import {
  after,
  BANK_CUE,
  before,
  ID_CUE,
  nearestCue,
  NOT_PERSONAL_CUE,
  PHONE_CUE,
  UNIT_AFTER,
} from './context.js';
import { isLocalSubscriber, phoneKind } from './phone.js';
import type { Candidate, PiiType } from './types.js';

const RUN = /(?<![0-9A-Za-z.@_])\+?\d(?:\d|[ -](?=\d))*[Xx]?(?![0-9A-Za-z@_]|\.\d)/g;

// Longest meaningful stretch: a 19-digit card (0086 and a mobile make 15).
const MAX_DIGITS = 19;
const MAX_GROUPS = 8;

interface Group {
  start: number;
  end: number;
  digits: string;
}

function groupsOf(run: string, offset: number): Group[] {
  const groups: Group[] = [];
  const re = /\+?[\dXx]+/g;
  for (let m = re.exec(run); m; m = re.exec(run)) {
    groups.push({
      start: offset + m.index,
      end: offset + m.index + m[0].length,
      digits: m[0].replace('+', ''),
    });
  }
  return groups;
}

// A 17-digit ID typed short may pass Luhn; after 身份证 it is not a card.
const NOT_CARD_CUE = new RegExp(`${NOT_PERSONAL_CUE.source}|${ID_CUE.source}`);

// Issuer prefixes of cards in use in China: UnionPay 62, Visa 4, Mastercard 51–55 and
// 2221–2720, JCB 35, Discover/UnionPay 60, and ICBC's legacy 9558 cards.
function hasCardPrefix(d: string): boolean {
  if (/^(?:62|60|4|5[1-5]|35|9558)/.test(d)) return true;
  const four = Number(d.slice(0, 4));
  return four >= 2221 && four <= 2720;
}

function classifyPhone(text: string, d: string, start: number): PiiType | null {
  let national = d;
  if (d.startsWith('0086')) national = d.slice(4);
  else if (d.startsWith('86') && d.length >= 12) national = d.slice(2);
  // After +86 a fixed line drops its trunk 0; put it back for the national form.
  if (national !== d && !national.startsWith('1')) national = `0${national}`;
  const kind = phoneKind(national);
  if (!kind) return null;
  return nearestCue(text, start, 10, PHONE_CUE, NOT_PERSONAL_CUE) === 'bad' ? null : kind;
}

function classify(text: string, d: string, start: number): PiiType | null {
  const n = d.length;
  if (/[Xx]/.test(d)) return n === 18 && isValidResidentId(d) ? 'id_card' : null;
  if (n === 18 && isValidResidentId(d)) return 'id_card';
  if (n >= 16 && n <= 19 && luhn(d)) {
    const cue = nearestCue(text, start, 12, BANK_CUE, NOT_CARD_CUE);
    if (cue === 'good' || (cue === null && hasCardPrefix(d))) return 'bank_card';
  }
  if (n === 15 && isPlausibleLegacyId(d) && ID_CUE.test(before(text, start, 12))) {
    return 'id_card';
  }
  if (n >= 10) return classifyPhone(text, d, start);
  if (isLocalSubscriber(d) && nearestCue(text, start, 8, PHONE_CUE, NOT_PERSONAL_CUE) === 'good') {
    return 'landline';
  }
  if (
    n === 8 &&
    /(?:台胞证|台湾居民来往大陆通行证)(?:号码|号)?[:：\s]*$/.test(before(text, start, 16))
  ) {
    return 'travel_permit';
  }
  return null;
}

function detectInRun(text: string, groups: Group[], out: Candidate[]): void {
  const found: Candidate[] = [];
  for (let i = 0; i < groups.length; i++) {
    let digits = '';
    for (let j = i; j < groups.length && j - i < MAX_GROUPS; j++) {
      digits += groups[j]!.digits;
      if (digits.length > MAX_DIGITS) break;
      const start = groups[i]!.start;
      const end = groups[j]!.end;
      if (UNIT_AFTER.test(after(text, end, 2))) continue;
      const type = classify(text, digits, start);
      if (type) found.push({ type, start, end });
    }
  }
  // Longest first; a stretch overlapping a longer valid one is dropped.
  found.sort((a, b) => b.end - b.start - (a.end - a.start));
  const kept: Candidate[] = [];
  for (const c of found) {
    if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
  }
  out.push(...kept);
}

// An area code in parentheses of either width, "(0755)8376 5566", "（020）87654321".
const PAREN_LANDLINE = /[(（]0\d{2,3}[)）][ -]?\d{3,4}[ -]?\d{3,4}(?![0-9A-Za-z])/g;

function detectParenLandlines(text: string, out: Candidate[]): void {
  PAREN_LANDLINE.lastIndex = 0;
  for (let m = PAREN_LANDLINE.exec(text); m; m = PAREN_LANDLINE.exec(text)) {
    if (phoneKind(m[0].replace(/\D/g, '')) === 'landline') {
      out.push({ type: 'landline', start: m.index, end: m.index + m[0].length });
    }
  }
}

export function detectNumbers(text: string, out: Candidate[]): void {
  if (text.includes('(') || text.includes('（')) detectParenLandlines(text, out);
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    const run = m[0];
    // The shortest identifier here is a 7-digit local number.
    if (run.length < 7) continue;
    detectInRun(text, groupsOf(run, m.index), out);
  }
}
