// The compiled route table: ordered routes plus the implicit catch-all that sends everything else to the
// legacy. Built once at load; `match` is the per-request hot path and does no allocation beyond the regex test.
import type { RolloutRule, ShadowSettings } from './rollout.js';
import type { CompiledPattern } from './route-pattern.js';
import type { RouteMode } from './route-mode.js';

/** Route id of the implicit catch-all; reserved, routes.yaml may not use it. */
export const UNMATCHED_ROUTE_ID = 'unmatched';

export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', '*'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export interface CompiledRoute {
  /** Shared key for log fields, metric labels and SQL file names. */
  readonly id: string;
  readonly method: RouteMethod;
  /** The pattern as written in routes.yaml. */
  readonly path: string;
  readonly mode: RouteMode;
  readonly pattern: CompiledPattern;
  /** Which tenants the fast mode serves; absent = every tenant. */
  readonly rollout?: RolloutRule;
  /** Shadow comparison settings (mode `shadow` only; defaults when the block is absent). */
  readonly shadow?: ShadowSettings;
}

/** The legacy's own settings that a fast path must mirror (CONTRACT §11, Q13, Q15). */
export interface LegacySettings {
  readonly environment: string;
  readonly maxPageSize: number;
  readonly maxBulkSize: number;
}

export const DEFAULT_LEGACY_SETTINGS: LegacySettings = Object.freeze({
  environment: 'Development',
  maxPageSize: 500,
  maxBulkSize: 1000,
});

export interface RouteTable {
  readonly routes: readonly CompiledRoute[];
  readonly fallback: CompiledRoute;
  readonly legacy: LegacySettings;
  /** `killSwitch: true` in routes.yaml: every request goes to the legacy (one of the kill switch's sources). */
  readonly killSwitch: boolean;
  /** First route (file order) whose method and path match; the fallback otherwise. */
  match(method: string, path: string): CompiledRoute;
}

const FALLBACK: CompiledRoute = Object.freeze({
  id: UNMATCHED_ROUTE_ID,
  method: '*',
  path: '/**',
  mode: 'legacy',
  pattern: Object.freeze({ regex: /^/, parameters: [] }),
});

export function createRouteTable(
  routes: readonly CompiledRoute[],
  legacy: LegacySettings,
  options: { readonly killSwitch?: boolean } = {},
): RouteTable {
  const frozen = Object.freeze(routes.map((route) => Object.freeze({ ...route })));
  return Object.freeze({
    routes: frozen,
    fallback: FALLBACK,
    legacy: Object.freeze({ ...legacy }),
    killSwitch: options.killSwitch ?? false,
    match(method: string, path: string): CompiledRoute {
      for (const route of frozen) {
        if ((route.method === '*' || route.method === method) && route.pattern.regex.test(path)) return route;
      }
      return FALLBACK;
    },
  });
}
