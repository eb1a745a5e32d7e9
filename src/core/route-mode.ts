// Route modes and the one runtime switch that decides which mode a request executes: the kill switch, the
// modes this build can execute, and the per-route tenant rollout. Pure state, no I/O: nothing else reads
// config to decide a mode.
import type { Principal } from './principal.js';
import { canSelectAnyone, selectTenant, type RolloutRule } from './rollout.js';

export const ROUTE_MODES = ['legacy', 'cache', 'sql', 'shadow'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

export function isRouteMode(value: unknown): value is RouteMode {
  return typeof value === 'string' && (ROUTE_MODES as readonly string[]).includes(value);
}

/** The part of a route the mode decision needs (keeps this module free of the route table). */
export interface ModeSubject {
  readonly id: string;
  readonly mode: RouteMode;
  readonly rollout?: RolloutRule;
}

/**
 * Who holds the kill switch on. `operator`: EDGE_KILL_SWITCH at start, `POST /_edge/rollback`, SIGUSR2;
 * `file`: `killSwitch: true` in routes.yaml. It is on while any source holds it (fail safe to legacy).
 */
export type KillSwitchSource = 'operator' | 'file';

/** Why a request runs as legacy although its route names another mode. */
export type DecisionReason =
  'kill-switch' | 'not-implemented' | 'rollout-denied' | 'rollout-excluded' | 'no-tenant';

export interface ModeDecision {
  readonly mode: RouteMode;
  readonly reason?: DecisionReason;
}

export interface ModeState {
  /**
   * The mode a route may execute right now, before the caller's tenant is known (the authenticate stage
   * uses it): `legacy` under the kill switch, for an unimplemented mode, or when the rollout selects nobody.
   */
  effectiveMode(route: ModeSubject): RouteMode;
  /** The mode for this request, once authenticate has run; always `legacy` when in doubt. */
  decide(route: ModeSubject, principal: Principal | undefined): ModeDecision;
  isImplemented(mode: RouteMode): boolean;
  /** True while every route is sent to the legacy regardless of its configured mode. */
  readonly killSwitch: boolean;
  readonly killSwitchSources: readonly KillSwitchSource[];
  /** Sets or clears one source (default `operator`); takes effect for the next request. */
  setKillSwitch(on: boolean, source?: KillSwitchSource): void;
}

export interface ModeStateOptions {
  /** Modes this build can execute; a route configured with any other mode runs as `legacy`. */
  readonly implemented: readonly RouteMode[];
}

const LEGACY_BY: Readonly<Record<DecisionReason, ModeDecision>> = Object.freeze({
  'kill-switch': Object.freeze({ mode: 'legacy', reason: 'kill-switch' }),
  'not-implemented': Object.freeze({ mode: 'legacy', reason: 'not-implemented' }),
  'rollout-denied': Object.freeze({ mode: 'legacy', reason: 'rollout-denied' }),
  'rollout-excluded': Object.freeze({ mode: 'legacy', reason: 'rollout-excluded' }),
  'no-tenant': Object.freeze({ mode: 'legacy', reason: 'no-tenant' }),
});

export function createModeState(options: ModeStateOptions): ModeState {
  const implemented = new Set<RouteMode>(options.implemented);
  implemented.add('legacy');
  const sources = new Set<KillSwitchSource>();
  let sourceList: readonly KillSwitchSource[] = Object.freeze([]);
  const decisions = new Map<RouteMode, ModeDecision>(
    ROUTE_MODES.map((mode) => [mode, Object.freeze({ mode })]),
  );
  const plain = (mode: RouteMode) => decisions.get(mode) as ModeDecision;

  return {
    effectiveMode(route) {
      if (sources.size > 0 || !implemented.has(route.mode)) return 'legacy';
      if (route.mode !== 'legacy' && route.rollout && !canSelectAnyone(route.rollout)) return 'legacy';
      return route.mode;
    },
    decide(route, principal) {
      if (sources.size > 0) return LEGACY_BY['kill-switch'];
      if (!implemented.has(route.mode)) return LEGACY_BY['not-implemented'];
      if (route.mode === 'legacy' || !route.rollout) return plain(route.mode);
      if (!principal) return LEGACY_BY['no-tenant'];
      switch (selectTenant(route.rollout, route.id, principal)) {
        case 'denied':
          return LEGACY_BY['rollout-denied'];
        case 'out-of-percent':
          return LEGACY_BY['rollout-excluded'];
        default:
          return plain(route.mode);
      }
    },
    isImplemented: (mode) => implemented.has(mode),
    get killSwitch() {
      return sources.size > 0;
    },
    get killSwitchSources() {
      return sourceList;
    },
    setKillSwitch(on, source = 'operator') {
      if (on) sources.add(source);
      else sources.delete(source);
      sourceList = Object.freeze([...sources].sort());
    },
  };
}
