import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, latencyBucket, latencyQuantile } from './latency.js';

const histogram = (samples: number[]) => {
  const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const ms of samples) counts[latencyBucket(ms)]! += 1;
  return counts;
};

describe('latency histograms', () => {
  it('puts a call in the first bucket whose bound it does not exceed', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(10)).toBe(0);
    expect(latencyBucket(10.5)).toBe(1);
    expect(latencyBucket(14)).toBe(1);
    expect(latencyBucket(1e9)).toBe(LATENCY_BUCKETS - 1);
  });

  it('estimates percentiles within 20 % of the exact ones', () => {
    // A long-tailed mix: most calls 200–800 ms, a tail up to 30 s.
    const samples: number[] = [];
    let x = 12345;
    for (let i = 0; i < 10_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const u = x / 2 ** 31;
      samples.push(u < 0.9 ? 200 + 600 * u : 800 + 29_200 * ((u - 0.9) / 0.1) ** 2);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const counts = histogram(samples);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const estimate = latencyQuantile(counts, q)!;
      expect(Math.abs(estimate - exact) / exact, `p${q * 100}`).toBeLessThan(0.2);
    }
  });

  it('has no percentile without calls', () => {
    expect(latencyQuantile(histogram([]), 0.95)).toBeNull();
  });
});
