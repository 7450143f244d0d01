/** Sliding one-minute windows with one-second buckets, for requests and tokens per minute. */
export const WINDOW_SECONDS = 60;

/**
 * Whether `need` more fits under `limit` when `used` is already counted. A tokens-per-minute
 * window that is empty admits any one call, even one estimated above the limit: otherwise a large
 * request could never run at all (it still fills the window for the next minute).
 */
export const fits = (used: number, need: number, limit: number, admitWhenEmpty: boolean): boolean =>
  used + need <= limit || (admitWhenEmpty && used <= 0);

/**
 * Seconds until enough of the window's oldest buckets expire for `need` to fit: the Retry-After
 * of a rate limit. `buckets` are [second, count] pairs inside the window, in any order.
 */
export function secondsUntilFits(
  buckets: [number, number][],
  nowS: number,
  need: number,
  limit: number,
  admitWhenEmpty: boolean,
): number {
  buckets.sort((a, b) => a[0] - b[0]);
  let left = buckets.reduce((sum, [, n]) => sum + n, 0);
  for (const [second, count] of buckets) {
    left -= count;
    if (fits(left, need, limit, admitWhenEmpty)) return Math.max(1, second + WINDOW_SECONDS - nowS);
  }
  return WINDOW_SECONDS;
}

/** One scope's counts over the last minute, as a ring of per-second buckets. */
export class MinuteWindow {
  private readonly counts = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly seconds = new Array<number>(WINDOW_SECONDS).fill(-1);

  /** The sum over the 60 seconds ending with `nowS`. */
  total(nowS: number): number {
    let sum = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++)
      if (this.seconds[i]! > nowS - WINDOW_SECONDS) sum += this.counts[i]!;
    return sum;
  }

  buckets(nowS: number): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < WINDOW_SECONDS; i++)
      if (this.seconds[i]! > nowS - WINDOW_SECONDS && this.counts[i]! > 0)
        out.push([this.seconds[i]!, this.counts[i]!]);
    return out;
  }

  add(second: number, n: number): void {
    const slot = second % WINDOW_SECONDS;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot] = this.counts[slot]! + n;
  }

  /**
   * Correct an earlier reservation made at `second` by `delta` (actual − estimate): in its own
   * bucket while that is still in the window; an overrun after it left the window still counts,
   * now. A release after it left the window changes nothing (it no longer counts anyway).
   */
  adjust(second: number, delta: number, nowS: number): void {
    const slot = second % WINDOW_SECONDS;
    if (this.seconds[slot] === second && second > nowS - WINDOW_SECONDS) {
      this.counts[slot] = Math.max(0, this.counts[slot]! + delta);
    } else if (delta > 0) {
      this.add(nowS, delta);
    }
  }
}
