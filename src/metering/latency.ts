/**
 * Latency histograms for the daily rollup, so percentiles over any range and grouping come from
 * a few thousand rollup rows rather than millions of call records. Bucket i holds calls of up to
 * LATENCY_BOUNDS_MS[i] ms (the last bucket: anything longer); bounds grow by √2 from 10 ms to
 * about 4 minutes, so an interpolated percentile is within about 20 % of the true one.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = Array.from({ length: 30 }, (_, i) =>
  Math.round(10 * 2 ** (i / 2)),
);

export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The bucket a call of `ms` falls in. */
export function latencyBucket(ms: number): number {
  // Bisection: the first bound ≥ ms.
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((LATENCY_BOUNDS_MS[mid] ?? Infinity) >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The `q` quantile (0–1) of a histogram, interpolated linearly inside its bucket; null when it
 * is empty. A quantile in the open last bucket is reported as that bucket's lower bound.
 */
export function latencyQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      const upper = LATENCY_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return Math.round((lower + ((rank - seen) / c) * (upper - lower)) * 10) / 10;
    }
    seen += c;
  }
  return LATENCY_BOUNDS_MS.at(-1) ?? null;
}
