// Percentile math of the benchmark harness (nearest rank, pooled rounds, profile points).
import { describe, expect, it } from 'vitest';
import {
  latencyProfile,
  percentile,
  pooledSorted,
  summarizeSorted,
} from '../../../loadtest/lib/percentile.js';

describe('percentile', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('is the nearest rank floor(p/100 × n) of an ascending array', () => {
    expect(percentile(sorted, 50)).toBe(51);
    expect(percentile(sorted, 99)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN without samples', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarizeSorted(new Float64Array()).p99).toBeNaN();
  });

  it('pools several runs into one ascending distribution', () => {
    const pooled = pooledSorted([Float64Array.from([3, 1]), [2], new Float64Array()]);
    expect(Array.from(pooled)).toEqual([1, 2, 3]);
  });

  it('summarizes p50/p95/p99/max/mean and a compact profile', () => {
    const s = summarizeSorted(sorted);
    expect(s).toEqual({ n: 100, p50: 51, p95: 96, p99: 100, max: 100, mean: 50.5 });
    const profile = latencyProfile(sorted);
    expect(profile.p50).toBe(51);
    expect(profile.max).toBe(100);
    expect(Object.keys(profile)).toContain('p99.9');
  });
});
