// The per-configuration freshness figures as reported and stored (from a FreshnessResult). Pure.
import type { ConfigId } from './bench-results.js';
import type { FreshnessResult, WriteKind } from './freshness-run.js';
import { percentile, round3 } from './percentile.js';

export interface FreshnessSummary {
  readonly config: ConfigId;
  readonly boundMs: number;
  readonly skipReason?: string;
  readonly reads: number;
  readonly fresh: number;
  readonly stale: number;
  readonly foreign: number;
  readonly unmatched: number;
  readonly errors: number;
  readonly countMismatches: number;
  readonly staleMs: { readonly p50: number; readonly p95: number; readonly max: number };
  readonly observed: Readonly<Record<string, number>>;
  readonly writes: Readonly<Record<WriteKind, number>>;
  readonly writeErrors: number;
  readonly apiWriteP50Ms: number;
  readonly readP50Ms: number;
  readonly restored: boolean;
  readonly readFailures: Readonly<Record<string, number>>;
}

export function summarizeFreshness(
  config: ConfigId,
  boundMs: number,
  result: FreshnessResult,
): FreshnessSummary {
  const t = result.tally;
  const last = t.staleMs.length === 0 ? NaN : (t.staleMs[t.staleMs.length - 1] as number);
  return {
    config,
    boundMs,
    reads: t.reads,
    fresh: t.fresh,
    stale: t.stale,
    foreign: t.foreign,
    unmatched: t.unmatched,
    errors: t.errors,
    countMismatches: t.countMismatches,
    staleMs: {
      p50: round3(percentile(t.staleMs, 50)),
      p95: round3(percentile(t.staleMs, 95)),
      max: round3(last),
    },
    observed: result.observed,
    writes: result.writes,
    writeErrors: result.writeErrors,
    apiWriteP50Ms: round3(percentile(result.apiWriteMs, 50)),
    readP50Ms: round3(percentile(result.readLatencyMs, 50)),
    restored: result.restored,
    readFailures: result.readFailures,
  };
}

export function skippedFreshness(config: ConfigId, boundMs: number, reason: string): FreshnessSummary {
  return {
    config,
    boundMs,
    skipReason: reason,
    reads: 0,
    fresh: 0,
    stale: 0,
    foreign: 0,
    unmatched: 0,
    errors: 0,
    countMismatches: 0,
    staleMs: { p50: NaN, p95: NaN, max: NaN },
    observed: {},
    writes: { 'sql-transfer': 0, 'sql-status': 0, 'api-transfer': 0 },
    writeErrors: 0,
    apiWriteP50Ms: NaN,
    readP50Ms: NaN,
    restored: true,
    readFailures: {},
  };
}
