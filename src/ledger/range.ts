import { asc, desc, gte, lt, lte } from 'drizzle-orm';
import { badRequest } from '../errors.js';
import { schema, type Db } from '../store/index.js';

/**
 * A part of the ledger as people name it: each end either a time (`--from 2026-05-01`,
 * `--to 2026-05-31T18:00`) or a sequence number (`--from-seq 1200`). Unset ends are open.
 */
export interface RangeInput {
  from?: string | undefined;
  to?: string | undefined;
  fromSeq?: number | undefined;
  toSeq?: number | undefined;
}

/** The same range in sequence numbers; `empty` when no entry falls inside it. */
export interface SeqRange {
  from?: number | undefined;
  to?: number | undefined;
  empty?: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * One end of a time range. A date is a Shanghai calendar day (China keeps UTC+8 all year, and
 * bills use Shanghai days too): as `from` it starts at 00:00, as `to` it covers the whole day. A
 * time without an offset is Shanghai time as well. Returns `[instant, inclusive]`.
 */
export function parseTimeBound(
  value: string,
  end: 'from' | 'to',
): { at: Date; inclusive: boolean } {
  const param = end;
  let at: Date;
  let inclusive = true;
  if (DAY.test(value)) {
    at = new Date(`${value}T00:00:00+08:00`);
    if (end === 'to') {
      at = new Date(at.getTime() + 86_400_000);
      inclusive = false;
    }
  } else if (TIME.test(value)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}+08:00`;
    at = new Date(zoned);
  } else {
    throw badRequest(
      'invalid_range',
      `"${value}" is neither a date (YYYY-MM-DD) nor an ISO-8601 time (YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]).`,
      { param },
    );
  }
  if (Number.isNaN(at.getTime()))
    throw badRequest('invalid_range', `"${value}" is not a valid date or time.`, { param });
  return { at, inclusive };
}

/** A sequence number as typed: a whole number ≥ 1. */
export function parseSeq(value: string, param: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw badRequest('invalid_range', `${param} must be a whole number ≥ 1, not "${value}".`, {
      param,
    });
  return n;
}

/** Refuse contradictory ends before touching the database. */
export function checkRange(input: RangeInput): void {
  if (input.from !== undefined && input.fromSeq !== undefined)
    throw badRequest('invalid_range', 'Give either a start time or a start sequence, not both.', {
      param: 'from',
    });
  if (input.to !== undefined && input.toSeq !== undefined)
    throw badRequest('invalid_range', 'Give either an end time or an end sequence, not both.', {
      param: 'to',
    });
  const from = input.from !== undefined ? parseTimeBound(input.from, 'from').at : undefined;
  const to = input.to !== undefined ? parseTimeBound(input.to, 'to').at : undefined;
  if ((from && to && from > to) || (input.fromSeq ?? 0) > (input.toSeq ?? Infinity))
    throw badRequest('invalid_range', 'The range ends before it starts.', { param: 'to' });
}

/**
 * Map a range to sequence numbers through the `at` index: from the first entry at or after the
 * start time to the last entry at or before the end time. Entries are appended in time order, so
 * the sequence range covers the time window (a hub's clock skew moves an edge by a few entries).
 */
export async function resolveRange(db: Db, input: RangeInput): Promise<SeqRange> {
  checkRange(input);
  const e = schema.ledgerEntries;
  let from = input.fromSeq;
  let to = input.toSeq;
  if (input.from !== undefined) {
    const bound = parseTimeBound(input.from, 'from');
    const [row] = await db
      .select({ seq: e.seq })
      .from(e)
      .where(gte(e.at, bound.at))
      .orderBy(asc(e.at))
      .limit(1);
    if (!row) return { empty: true };
    from = row.seq;
  }
  if (input.to !== undefined) {
    const bound = parseTimeBound(input.to, 'to');
    const [row] = await db
      .select({ seq: e.seq })
      .from(e)
      .where(bound.inclusive ? lte(e.at, bound.at) : lt(e.at, bound.at))
      .orderBy(desc(e.at))
      .limit(1);
    if (!row) return { empty: true };
    to = row.seq;
  }
  if (from !== undefined && to !== undefined && from > to) return { empty: true };
  return { from, to };
}
