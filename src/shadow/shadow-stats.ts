// Shadow comparison bookkeeping since start, per route: counts by outcome, the match rate, and the last few
// mismatches (already-safe previews) for GET /_edge/shadow. Bounded: one entry per route id, a capped sample
// list per route.
import type { Difference } from './json-diff.js';

/**
 * - `match` / `mismatch`: compared.
 * - `too-large` / `interrupted` / `not-answered`: the legacy's exchange could not be captured completely.
 * - `busy`: maxConcurrent comparisons were already running for the route.
 * - `declined`: the candidate would have forwarded (it cannot answer this request itself).
 * - `candidate-error` / `candidate-timeout`: the candidate failed or took longer than timeoutMs.
 * - `no-candidate`: no executor is wired for the candidate mode.
 */
export const SHADOW_OUTCOMES = [
  'match',
  'mismatch',
  'too-large',
  'interrupted',
  'not-answered',
  'busy',
  'declined',
  'candidate-error',
  'candidate-timeout',
  'no-candidate',
] as const;
export type ShadowOutcome = (typeof SHADOW_OUTCOMES)[number];

/** `candidate`: legacy vs the fast path; `calibration`: legacy vs legacy (noise baseline). */
export type ShadowKind = 'candidate' | 'calibration';

export interface MismatchSample {
  readonly at: string;
  readonly requestId: string;
  /** arzsw_datenbank id of the caller's tenant; null when unauthenticated. */
  readonly tenant: number | null;
  readonly kind: ShadowKind;
  readonly differenceCount: number;
  readonly differences: readonly Difference[];
}

export interface ShadowKindReport {
  readonly compared: number;
  readonly matched: number;
  readonly mismatched: number;
  /** matched / compared; null before the first comparison. */
  readonly matchRate: number | null;
  readonly outcomes: Readonly<Record<ShadowOutcome, number>>;
}

export interface ShadowRouteReport {
  readonly route: string;
  readonly candidate: ShadowKindReport;
  readonly calibration: ShadowKindReport;
  /** Newest first. */
  readonly recentMismatches: readonly MismatchSample[];
}

export interface ShadowReport {
  readonly since: string;
  readonly routes: readonly ShadowRouteReport[];
}

export interface ShadowStats {
  record(routeId: string, kind: ShadowKind, outcome: ShadowOutcome, sample?: MismatchSample): void;
  report(): ShadowReport;
}

function zeroes(): Record<ShadowOutcome, number> {
  return Object.fromEntries(SHADOW_OUTCOMES.map((o) => [o, 0])) as Record<ShadowOutcome, number>;
}

function kindReport(outcomes: Record<ShadowOutcome, number>): ShadowKindReport {
  const matched = outcomes.match;
  const mismatched = outcomes.mismatch;
  const compared = matched + mismatched;
  return {
    compared,
    matched,
    mismatched,
    matchRate: compared === 0 ? null : matched / compared,
    outcomes: { ...outcomes },
  };
}

export function createShadowStats(
  options: { readonly now?: () => Date; readonly maxSamples?: number } = {},
): ShadowStats {
  const now = options.now ?? (() => new Date());
  const maxSamples = options.maxSamples ?? 10;
  const since = now().toISOString();
  const routes = new Map<
    string,
    {
      candidate: Record<ShadowOutcome, number>;
      calibration: Record<ShadowOutcome, number>;
      samples: MismatchSample[];
    }
  >();
  return {
    record(routeId, kind, outcome, sample) {
      let entry = routes.get(routeId);
      if (!entry) {
        entry = { candidate: zeroes(), calibration: zeroes(), samples: [] };
        routes.set(routeId, entry);
      }
      entry[kind][outcome] += 1;
      if (sample) {
        entry.samples.unshift(sample);
        if (entry.samples.length > maxSamples) entry.samples.length = maxSamples;
      }
    },
    report() {
      return {
        since,
        routes: [...routes.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([route, entry]) => ({
            route,
            candidate: kindReport(entry.candidate),
            calibration: kindReport(entry.calibration),
            recentMismatches: [...entry.samples],
          })),
      };
    },
  };
}
