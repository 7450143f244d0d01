import type { Domain } from '../config/index.js';
import { badRequest } from '../errors.js';

/**
 * Data levels (GB/T 43697-2024: 一般 1–4 级 < 重要 < 核心) plus the 涉密 marker, which no model
 * may ever receive (涉密不上网). The order of this list is the order of the levels.
 */
export const DATA_LEVELS = [
  'general-1',
  'general-2',
  'general-3',
  'general-4',
  'important',
  'core',
  'secret',
] as const;
export type DataLevel = (typeof DATA_LEVELS)[number];

export type Clearance = Exclude<DataLevel, 'secret'>;
/** Levels a model deployment may be cleared for (涉密 is never one). */
export const CLEARANCES = DATA_LEVELS.filter((l): l is Clearance => l !== 'secret');

export const LEVEL_NAMES: Record<DataLevel, string> = {
  'general-1': '一般1级',
  'general-2': '一般2级',
  'general-3': '一般3级',
  'general-4': '一般4级',
  important: '重要',
  core: '核心',
  secret: '涉密',
};

const RANK = new Map<DataLevel, number>(DATA_LEVELS.map((l, i) => [l, i]));
export const rank = (level: DataLevel): number => RANK.get(level)!;

export const maxLevel = (a: DataLevel, b: DataLevel): DataLevel => (rank(a) >= rank(b) ? a : b);
export const minLevel = <L extends DataLevel>(a: L, b: L): L => (rank(a) <= rank(b) ? a : b);

/** May data of `level` go to a deployment cleared for `clearance`? */
export const cleared = (clearance: Clearance, level: DataLevel): boolean =>
  level !== 'secret' && rank(level) <= rank(clearance);

/**
 * The highest level a deployment in each domain may receive unless the security administrator
 * tightens it. Nothing may be cleared above its domain's default: that is the policy ceiling.
 */
export const DOMAIN_CLEARANCE: Record<Domain, Clearance> = {
  internet: 'general-2',
  'gov-extranet': 'general-4',
  'gov-cloud': 'important',
  'gov-intranet': 'core',
};

/** A key's or organisation's default level, as given to the API or the CLI. */
export function parseClearance(value: string): Clearance {
  if ((CLEARANCES as string[]).includes(value)) return value as Clearance;
  throw badRequest('invalid_data_level', `A data level is one of ${CLEARANCES.join(', ')}.`, {
    param: 'data_level',
  });
}

/** The `x-zs-data-level` request header (ASCII values only, so any HTTP client can send it). */
export function parseLevelHeader(value: string | string[] | undefined): DataLevel | null {
  if (value === undefined) return null;
  const text = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  if (RANK.has(text as DataLevel)) return text as DataLevel;
  throw badRequest(
    'invalid_data_level',
    `x-zs-data-level must be one of ${DATA_LEVELS.join(', ')}.`,
    { param: 'x-zs-data-level' },
  );
}
