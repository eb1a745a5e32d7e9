// The side-by-side benchmark's result model (what goes into loadtest/results/*.json) and the pure
// summaries over repeated runs: pooled exact latencies, CPU per request, observed X-Edge share and the
// "active" verdict of a configuration (does it really answer the way its name says?).
import { latencyProfile, pooledSorted, round3, summarizeSorted, type LatencySummary } from './percentile.js';

export type ConfigId =
  'emulator' | 'proxy-legacy' | 'proxy-sql' | 'proxy-cache' | 'nginx' | 'varnish' | 'bare';
export type RouteId = 'list-100' | 'list-1000' | 'statusuuid-100' | 'health';

export interface RunRecord {
  readonly route: RouteId;
  readonly config: ConfigId;
  readonly round: number;
  readonly completed: number;
  readonly reqPerSec: number;
  readonly elapsedMs: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly bytes: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly observed: Readonly<Record<string, number>>;
  /** CPU ms during the run: the process tree clients talk to, the emulator behind it, PostgreSQL + Redis. */
  readonly cpuMs: { readonly front: number; readonly legacy: number; readonly db: number };
  readonly frontRssBytes: number;
  /** The settle step before the run: how long it waited, statements of abandoned requests it cancelled. */
  readonly settle?: { readonly waitedMs: number; readonly cancelled: number };
  readonly latency: LatencySummary;
  /** Exact 2xx durations (ms, ascending); dropped from the JSON. */
  readonly samples?: Float64Array;
}

export type Activity = 'active' | 'not active' | 'partial' | 'no answers';

export interface Summary {
  readonly route: RouteId;
  readonly config: ConfigId;
  readonly runs: number;
  /** Mean wall time of one measured run, in s. */
  readonly secondsPerRun: number;
  readonly completed: number;
  readonly reqPerSec: number;
  readonly latency: LatencySummary;
  readonly profile: Record<string, number>;
  readonly errors: number;
  readonly non2xx: number;
  readonly observed: Readonly<Record<string, number>>;
  readonly expected: readonly string[];
  /** Share of responses whose observed header is one of `expected`. */
  readonly expectedShare: number;
  readonly activity: Activity;
  readonly cpuUsPerRequest: { readonly front: number; readonly legacy: number; readonly db: number };
  readonly frontRssMiB: number;
  readonly bytesPerResponse: number;
  /** reqPerSec / the emulator's reqPerSec on the same route (NaN without an emulator figure). */
  readonly vsEmulator: number;
  /** reqPerSec / the bare server's reqPerSec on the same route. */
  readonly vsCeiling: number;
}

export function activityOf(share: number, completed: number): Activity {
  if (completed === 0) return 'no answers';
  if (share >= 0.99) return 'active';
  if (share < 0.01) return 'not active';
  return 'partial';
}

function sumRecords(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) total[k] = (total[k] ?? 0) + v;
  return total;
}

export function summarize(
  route: RouteId,
  config: ConfigId,
  runs: readonly RunRecord[],
  expected: readonly string[],
): Omit<Summary, 'vsEmulator' | 'vsCeiling'> {
  const sorted = pooledSorted(runs.map((r) => r.samples ?? new Float64Array()));
  const completed = runs.reduce((n, r) => n + r.completed, 0);
  const observed = sumRecords(runs.map((r) => r.observed));
  const observedTotal = Object.values(observed).reduce((a, b) => a + b, 0);
  const matching = expected.reduce((n, token) => n + (observed[token] ?? 0), 0);
  const expectedShare = observedTotal === 0 ? 0 : matching / observedTotal;
  const perRequest = (pick: (r: RunRecord) => number) => {
    const ms = runs.reduce((n, r) => n + pick(r), 0);
    return completed === 0 ? NaN : (ms * 1000) / completed;
  };
  const bytes = runs.reduce((n, r) => n + r.bytes, 0);
  return {
    route,
    config,
    runs: runs.length,
    secondsPerRun:
      runs.length === 0 ? NaN : round3(runs.reduce((n, r) => n + r.elapsedMs, 0) / runs.length / 1000),
    completed,
    reqPerSec: runs.length === 0 ? NaN : runs.reduce((n, r) => n + r.reqPerSec, 0) / runs.length,
    latency: summarizeSorted(sorted),
    profile: latencyProfile(sorted),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    observed,
    expected,
    expectedShare,
    activity: activityOf(expectedShare, completed),
    cpuUsPerRequest: {
      front: perRequest((r) => r.cpuMs.front),
      legacy: perRequest((r) => r.cpuMs.legacy),
      db: perRequest((r) => r.cpuMs.db),
    },
    frontRssMiB: round3(Math.max(...runs.map((r) => r.frontRssBytes)) / 2 ** 20),
    bytesPerResponse: completed === 0 ? NaN : bytes / completed,
  };
}

/** Adds the ratios against the emulator and the bare ceiling of the same route. */
export function withRatios(summaries: readonly Omit<Summary, 'vsEmulator' | 'vsCeiling'>[]): Summary[] {
  return summaries.map((s) => {
    const emulator = summaries.find((o) => o.route === s.route && o.config === 'emulator');
    const bare = summaries.find((o) => o.route === s.route && o.config === 'bare');
    return {
      ...s,
      vsEmulator: emulator && emulator.reqPerSec > 0 ? s.reqPerSec / emulator.reqPerSec : NaN,
      vsCeiling: bare && bare.reqPerSec > 0 ? s.reqPerSec / bare.reqPerSec : NaN,
    };
  });
}

/** "sql 100 %", "cache-hit 99.2 %, cache-miss 0.8 %": the observed header values, largest first. */
export function describeObserved(observed: Readonly<Record<string, number>>): string {
  const total = Object.values(observed).reduce((a, b) => a + b, 0);
  if (total === 0) return '–';
  return Object.entries(observed)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => {
      const pct = (100 * v) / total;
      const label = k === '(none)' ? 'no header' : k;
      return `${label} ${pct >= 99.95 || pct < 0.05 ? pct.toFixed(0) : pct.toFixed(1)} %`;
    })
    .join(', ');
}

/** JSON.stringify replacer for the raw results: NaN/Infinity become null, floats keep three decimals. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  if (!Number.isFinite(value)) return null;
  return Number.isInteger(value) ? value : Math.round(value * 1000) / 1000;
}
