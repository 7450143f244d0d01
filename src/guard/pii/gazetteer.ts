/**
 * Administrative-division names (GB/T 2260 codes, data/gazetteer.ts) for address detection:
 * full names at every level plus the short forms people write for provinces and prefecture
 * cities (广东, 广州). County short forms are left out: two-character fragments such as 东城 or
 * 中山 are too common inside other words.
 */
import { GAZETTEER } from './data/gazetteer.js';

export type DivisionLevel = 'province' | 'prefecture' | 'county';

export interface Division {
  code: string;
  name: string;
  level: DivisionLevel;
}

const LEVELS: Record<number, DivisionLevel> = { 2: 'province', 4: 'prefecture', 6: 'county' };

export const DIVISIONS: readonly Division[] = GAZETTEER.trim()
  .split('\n')
  .map((line) => {
    const [code = '', name = ''] = line.split(' ');
    const level = LEVELS[code.length];
    if (!level || !name) throw new Error(`gazetteer: bad line ${line}`);
    return { code, name, level };
  });

/** The short form a name is also written as, or null. */
export function shortForm(d: Division): string | null {
  const { name, level } = d;
  if (level === 'province') {
    if (name.endsWith('自治区')) return name.startsWith('内蒙古') ? '内蒙古' : name.slice(0, 2);
    if (name.endsWith('特别行政区')) return name.slice(0, 2);
    return name.slice(0, -1);
  }
  if (level === 'prefecture') {
    if (name.endsWith('市') && name.length >= 3) return name.slice(0, -1);
    if (name.endsWith('地区') && name.length >= 4) return name.slice(0, -2);
  }
  return null;
}

const NAMES = new Set<string>();
for (const d of DIVISIONS) {
  NAMES.add(d.name);
  const short = shortForm(d);
  if (short) NAMES.add(short);
}
// For each first character, the lengths of the names starting with it, longest first.
const LENGTHS = new Map<string, number[]>();
for (const name of NAMES) {
  const lengths = LENGTHS.get(name[0]!) ?? [];
  if (!lengths.includes(name.length)) lengths.push(name.length);
  LENGTHS.set(
    name[0]!,
    lengths.sort((a, b) => b - a),
  );
}

/** Length of the longest division name starting at `pos`, or 0. */
export function divisionAt(text: string, pos: number): number {
  const lengths = LENGTHS.get(text[pos] ?? '');
  if (!lengths) return 0;
  for (const len of lengths) {
    if (pos + len <= text.length && NAMES.has(text.slice(pos, pos + len))) return len;
  }
  return 0;
}
