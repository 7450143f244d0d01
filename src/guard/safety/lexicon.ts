/**
 * The operator's keyword library (关键词库): one term per record with the Annex A risk it belongs
 * to and what to do on a match. File formats and rules: docs/content-safety.md.
 */
import { foldedKey, foldTerm } from './fold.js';
import { isRiskId, RISKS, type RiskId } from './risks.js';

export interface LexiconEntry {
  term: string;
  risk: RiskId;
  /** `block` refuses the input or stops the answer; `flag` lets it through and records it. */
  action: 'block' | 'flag';
}

export type LexiconFormat = 'tsv' | 'csv' | 'jsonl';

export interface LexiconError {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

/** Longest term, in folded characters; bounds how much of a streamed answer is ever held back. */
export const MAX_TERM_LENGTH = 32;

/**
 * Parse a lexicon file. Bad records are reported with their line and left out; the rest load.
 * Without `format`, a first record starting with `{` means JSONL, one holding a tab TSV, else CSV.
 */
export function parseLexicon(
  text: string,
  format?: LexiconFormat,
): { entries: LexiconEntry[]; errors: LexiconError[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries: LexiconEntry[] = [];
  const errors: LexiconError[] = [];
  const memo = new Map<number, number[]>();
  let fmt = format;
  let first = true;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    fmt ??= detect(raw);
    const fields = fmt === 'jsonl' ? jsonFields(raw) : fmt === 'tsv' ? raw.split('\t') : csv(raw);
    const isHeader = first && fmt !== 'jsonl' && fields[0]?.trim().toLowerCase() === 'term';
    first = false;
    if (isHeader) return;
    const result = typeof fields === 'string' ? fields : toEntry(fields, memo);
    if (typeof result === 'string') errors.push({ line, message: result });
    else entries.push(result);
  });
  return { entries, errors };
}

const detect = (line: string): LexiconFormat =>
  line.trimStart().startsWith('{') ? 'jsonl' : line.includes('\t') ? 'tsv' : 'csv';

/** A record's fields, or an error message. */
function toEntry(fields: readonly string[], memo: Map<number, number[]>): LexiconEntry | string {
  if (fields.length < 2 || fields.length > 3) {
    return `expected 2 or 3 fields (term, risk, action), found ${fields.length}`;
  }
  const term = (fields[0] ?? '').trim();
  const risk = (fields[1] ?? '').trim();
  const action = (fields[2] ?? '').trim().toLowerCase() || 'block';
  if (term === '') return 'empty term';
  const length = foldTerm(term, memo).length;
  if (length === 0)
    return `term "${term}" has nothing to match (only spaces, punctuation or symbols)`;
  if (length > MAX_TERM_LENGTH) {
    return `term "${term}" is ${length} characters long after folding, at most ${MAX_TERM_LENGTH}`;
  }
  if (!isRiskId(risk)) return `unknown risk "${risk}" (expected an Annex A ID such as A.1.a)`;
  if (action !== 'block' && action !== 'flag') {
    return `unknown action "${action}" (expected block or flag)`;
  }
  return { term, risk, action };
}

/** A JSONL record as [term, risk, action?], or an error message. */
function jsonFields(line: string): string[] | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const { term, risk, action } = value as Record<string, unknown>;
  if (typeof term !== 'string') return '"term" must be a string';
  if (typeof risk !== 'string') return '"risk" must be a string';
  if (action !== undefined && typeof action !== 'string') return '"action" must be a string';
  return action === undefined ? [term, risk] : [term, risk, action];
}

/** One CSV line (RFC 4180 quoting: `"a, b"`, `"say ""hi"""`), or an error message. */
function csv(line: string): string[] | string {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      wasQuoted = false;
    } else if (ch === '"' && field.trim() === '' && !wasQuoted) {
      quoted = wasQuoted = true;
      field = '';
    } else if (wasQuoted && ch?.trim() !== '') {
      return 'text after a closing quote';
    } else {
      field += ch;
    }
  }
  if (quoted) return 'unterminated quote';
  fields.push(field);
  return fields;
}

export interface CoverageReport {
  /** Distinct terms (after folding) in the whole lexicon. */
  total: number;
  /** Distinct terms per risk. */
  perRisk: Record<RiskId, number>;
  ok: boolean;
  shortfalls: string[];
}

/** TC260-003 / GB/T 45654: ≥ 10,000 terms; ≥ 200 for each A.1 risk; ≥ 100 for each A.2 risk. */
export const COVERAGE_REQUIREMENT = { total: 10_000, perA1: 200, perA2: 100 } as const;

/**
 * Coverage of a lexicon against the keyword-library requirement. Terms are counted after
 * folding, so `违禁` and `违 禁` are one term; `block` and `flag` entries both count.
 */
export function coverage(entries: readonly LexiconEntry[]): CoverageReport {
  const memo = new Map<number, number[]>();
  const all = new Set<string>();
  const byRisk = new Map<RiskId, Set<string>>(RISKS.map((r) => [r.id, new Set<string>()]));
  for (const e of entries) {
    const key = foldedKey(e.term, memo);
    if (key === '') continue;
    all.add(key);
    byRisk.get(e.risk)?.add(key);
  }
  const perRisk = Object.fromEntries(
    RISKS.map((r) => [r.id, byRisk.get(r.id)?.size ?? 0]),
  ) as Record<RiskId, number>;
  const shortfalls: string[] = [];
  if (all.size < COVERAGE_REQUIREMENT.total) {
    shortfalls.push(
      `total: ${all.size} distinct terms, at least ${COVERAGE_REQUIREMENT.total} required`,
    );
  }
  for (const r of RISKS) {
    const needed =
      r.cls === 'A.1'
        ? COVERAGE_REQUIREMENT.perA1
        : r.cls === 'A.2'
          ? COVERAGE_REQUIREMENT.perA2
          : 0;
    if (perRisk[r.id] < needed) {
      shortfalls.push(`${r.id} ${r.name}: ${perRisk[r.id]} terms, at least ${needed} required`);
    }
  }
  return { total: all.size, perRisk, ok: shortfalls.length === 0, shortfalls };
}
