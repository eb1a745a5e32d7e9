// Metrics of rollout, hot reload, the kill switch and shadow comparison, on the edge's own registry (the one
// createMetrics builds). Labels stay bounded: route id, outcome — never a tenant.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ShadowKind, ShadowOutcome } from '../shadow/shadow-stats.js';

export const RELOAD_OUTCOMES = ['applied', 'rejected', 'unchanged'] as const;
export type ReloadOutcome = (typeof RELOAD_OUTCOMES)[number];

export interface RolloutMetricSources {
  readonly killSwitch: () => boolean;
  /** False while the routes file on disk is invalid (the previous table keeps running). */
  readonly configValid: () => boolean;
  /** Epoch ms of the active table's load. */
  readonly loadedAtMs: () => number;
}

export interface RolloutMetrics {
  countReload(outcome: ReloadOutcome): void;
  countShadow(routeId: string, kind: ShadowKind, outcome: ShadowOutcome): void;
}

export function createRolloutMetrics(registry: Registry, sources: RolloutMetricSources): RolloutMetrics {
  const reloads = new Counter({
    name: 'edge_routes_reload_total',
    help: 'routes.yaml reloads (file change or SIGHUP), by outcome: applied, rejected (invalid, old table kept), unchanged',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of RELOAD_OUTCOMES) reloads.inc({ outcome }, 0);
  new Gauge({
    name: 'edge_routes_config_valid',
    help: '1 when the last routes.yaml read was valid; 0 while the file on disk is rejected (the running table stays)',
    registers: [registry],
    collect() {
      this.set(sources.configValid() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'edge_routes_loaded_timestamp_seconds',
    help: 'When the active route table was loaded (Unix time)',
    registers: [registry],
    collect() {
      this.set(sources.loadedAtMs() / 1000);
    },
  });
  new Gauge({
    name: 'edge_kill_switch',
    help: '1 while the kill switch sends every request to the legacy',
    registers: [registry],
    collect() {
      this.set(sources.killSwitch() ? 1 : 0);
    },
  });
  const comparisons = new Counter({
    name: 'edge_shadow_comparisons_total',
    help: 'Shadow comparisons of the legacy answer with the fast path, by route id and outcome',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  const calibrations = new Counter({
    name: 'edge_shadow_calibration_total',
    help: 'Calibration comparisons of the legacy answer with a second legacy answer (noise), by route id and outcome',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  return {
    countReload: (outcome) => reloads.inc({ outcome }),
    countShadow(routeId, kind, outcome) {
      (kind === 'candidate' ? comparisons : calibrations).inc({ route: routeId, outcome });
    },
  };
}
