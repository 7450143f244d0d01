/** Calendar months in Asia/Shanghai (UTC+8 all year), as bills and monthly limits count them. */
const SHANGHAI_MS = 8 * 3_600_000;

/** `2026-11` for any instant in November 2026, Shanghai time. */
export function shanghaiMonth(nowMs: number): string {
  return new Date(nowMs + SHANGHAI_MS).toISOString().slice(0, 7);
}

/** First and last day (inclusive, `YYYY-MM-DD`) of the Shanghai month of an instant. */
export function monthDays(nowMs: number): { first: string; last: string } {
  const local = new Date(nowMs + SHANGHAI_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const last = new Date(Date.UTC(y, m + 1, 0)).toISOString().slice(0, 10);
  return { first: `${shanghaiMonth(nowMs)}-01`, last };
}

/** The instant the next Shanghai month begins (00:00 on the 1st, UTC+8), in epoch ms. */
export function nextMonthStart(nowMs: number): number {
  const local = new Date(nowMs + SHANGHAI_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - SHANGHAI_MS;
}

/** Whole seconds until the next Shanghai month, at least 1: a monthly limit's Retry-After. */
export function secondsToNextMonth(nowMs: number): number {
  return Math.max(1, Math.ceil((nextMonthStart(nowMs) - nowMs) / 1000));
}
