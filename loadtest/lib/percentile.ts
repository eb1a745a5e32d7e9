// Percentiles of exact per-response latencies (float ms). Nearest-rank on a sorted copy: the value at
// index floor(p/100 × n), as passthrough-bench has always reported it. Pure.

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Ascending Float64Array of all samples of several arrays (the pooled distribution of repeated runs). */
export function pooledSorted(parts: readonly ArrayLike<number>[]): Float64Array {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(Array.from(part), offset);
    offset += part.length;
  }
  return all.sort();
}

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** p50/p95/p99/max/mean of an ascending array. */
export function summarizeSorted(sorted: ArrayLike<number>): LatencySummary {
  let sum = 0;
  for (let i = 0; i < sorted.length; i += 1) sum += sorted[i] as number;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? NaN : (sorted[sorted.length - 1] as number),
    mean: sorted.length === 0 ? NaN : sum / sorted.length,
  };
}

/** Fixed percentile points kept in the raw JSON instead of every sample (small, chart-ready). */
export const PROFILE_POINTS = [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9] as const;

export function latencyProfile(sorted: ArrayLike<number>): Record<string, number> {
  const profile: Record<string, number> = {};
  for (const p of PROFILE_POINTS) profile[`p${p}`] = round3(percentile(sorted, p));
  profile.max = round3(sorted.length === 0 ? NaN : (sorted[sorted.length - 1] as number));
  return profile;
}

export function round3(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : NaN;
}
