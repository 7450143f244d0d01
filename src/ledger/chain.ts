import { sm3Hex } from '../crypto/sm.js';

/** The chain starts from 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** What one ledger entry records (追溯: who did what to what, from where, with what result). */
export interface LedgerEntryInput {
  at: Date;
  /** `user:<name>`, `key:<id>`, `operator:cli`, `system`. */
  actor: string;
  orgId: string | null;
  action: string;
  object: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  /** Call usage, routing decision, digests: anything structured. */
  detail: Record<string, unknown> | null;
}

export interface LedgerEntry extends LedgerEntryInput {
  seq: number;
  prevHash: string;
  hash: string;
}

const BROKEN = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\0/g;
/** The same test without the global flag's lastIndex state. */
const HAS_BROKEN = new RegExp(BROKEN.source);

/**
 * A string as PostgreSQL will store it: text and jsonb hold neither NUL nor lone surrogates (the
 * first fails the write, the second comes back as U+FFFD). Entries are made storable before they
 * are hashed, so what verification reads back hashes the same, and a client that puts such
 * characters in a field cannot fail other callers' records or forge a "modified" entry.
 */
export function storableText(text: string): string {
  return HAS_BROKEN.test(text) ? text.replace(BROKEN, '\uFFFD') : text;
}

/**
 * `storableText` applied to every string inside a value (object keys included). A value with
 * nothing to change comes back as itself, not copied: every call's entry passes through here.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((item: unknown, i) => {
      const fixed = storable(item);
      if (fixed !== item) (copy ??= [...value])[i] = fixed;
    });
    return (copy ?? value) as T;
  }
  let changed = false;
  const fixed = Object.entries(value as Record<string, unknown>).map(([k, v]) => {
    const pair = [storableText(k), storable(v)] as const;
    changed ||= pair[0] !== k || pair[1] !== v;
    return pair;
  });
  return changed ? (Object.fromEntries(fixed) as T) : value;
}

/** JSON with object keys sorted, so the same content always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Each entry commits to its position, its content and the previous entry's hash. */
export function entryHash(prevHash: string, seq: number, e: LedgerEntryInput): string {
  return sm3Hex(
    `${prevHash}\n${canonicalJson([seq, e.at.toISOString(), e.actor, e.orgId, e.action, e.object, e.outcome, e.ip, e.requestId, e.detail])}`,
  );
}

/** What a checkpoint signs. */
export const checkpointMessage = (seq: number, hash: string): string =>
  `zhongshu-ledger:${seq}:${hash}`;
