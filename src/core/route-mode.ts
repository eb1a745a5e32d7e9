// Route modes and the one runtime switch that decides which mode a route executes now. Pure state, no I/O:
// the kill switch and later rollout rules plug in here, never as scattered config reads.

export const ROUTE_MODES = ['legacy', 'cache', 'sql', 'shadow'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

export function isRouteMode(value: unknown): value is RouteMode {
  return typeof value === 'string' && (ROUTE_MODES as readonly string[]).includes(value);
}

/** The part of a route the mode decision needs (keeps this module free of the route table). */
export interface ModeSubject {
  readonly id: string;
  readonly mode: RouteMode;
}

export interface ModeState {
  /** The mode to execute for this route right now; always `legacy` when in doubt. */
  effectiveMode(route: ModeSubject): RouteMode;
  /** True while every route is sent to the legacy regardless of its configured mode. */
  readonly killSwitch: boolean;
  setKillSwitch(on: boolean): void;
}

export interface ModeStateOptions {
  /** Modes this build can execute; a route configured with any other mode runs as `legacy`. */
  readonly implemented: readonly RouteMode[];
}

export function createModeState(options: ModeStateOptions): ModeState {
  const implemented = new Set<RouteMode>(options.implemented);
  implemented.add('legacy');
  let killSwitch = false;
  return {
    effectiveMode(route) {
      if (killSwitch) return 'legacy';
      return implemented.has(route.mode) ? route.mode : 'legacy';
    },
    get killSwitch() {
      return killSwitch;
    },
    setKillSwitch(on) {
      killSwitch = on;
    },
  };
}
