// What `npm run bench` compares: the routes (requests) and the configurations (who answers them), the
// response header each configuration reports its path in, and the values that header must show for the
// configuration to count as "active" (a proxy in sql mode that still forwards to the legacy is not). Pure.
import type { ConfigId, RouteId } from './bench-results.js';
import type { LoadRequest } from './autocannon-load.js';
import type { ConfigInfo, RouteInfo } from './bench-report.js';

export const CONFIG_ORDER: readonly ConfigId[] = [
  'emulator',
  'proxy-legacy',
  'proxy-sql',
  'proxy-cache',
  'nginx',
  'varnish',
  'bare',
];

export const CONFIG_TITLES: Readonly<Record<ConfigId, string>> = {
  emulator: 'emulator (the legacy, direct)',
  'proxy-legacy': 'arzti-edge, legacy mode',
  'proxy-sql': 'arzti-edge, sql mode',
  'proxy-cache': 'arzti-edge, cache mode',
  nginx: 'nginx proxy_cache, 5 s TTL',
  varnish: 'Varnish, 5 s TTL',
  bare: 'bare node:http (ceiling)',
};

export function headerOf(config: ConfigId): string {
  return config === 'nginx' || config === 'varnish' ? 'x-cache-status' : 'x-edge';
}

export function configInfo(config: ConfigId, skipReason?: string): ConfigInfo {
  return {
    id: config,
    title: CONFIG_TITLES[config],
    header: headerOf(config),
    ...(skipReason ? { skipReason } : {}),
  };
}

export const ROUTE_ORDER: readonly RouteId[] = ['list-100', 'list-1000', 'statusuuid-100', 'health'];

export const ROUTES: Readonly<Record<RouteId, RouteInfo & { readonly cachedByPeers: boolean }>> = {
  'list-100': {
    id: 'list-100',
    title: 'GET /v2/rezept?page=1&pageSize=100',
    note: 'All three types, up to 3 × 100 items with their XML (CONTRACT §2.4).',
    cachedByPeers: true,
  },
  'list-1000': {
    id: 'list-1000',
    title: 'GET /v2/rezept?page=1&pageSize=1000',
    note: 'All three types, up to 3 × 1000 items (MaxPageSize 1000: the emulator runs as `Test`).',
    cachedByPeers: true,
  },
  'statusuuid-100': {
    id: 'statusuuid-100',
    title: 'PATCH /v2/rezept/statusuuid (100 uuids)',
    note: 'Read-only bulk status lookup of 100 new prescriptions. nginx and Varnish do not cache PATCH: pass-through there.',
    cachedByPeers: false,
  },
  health: {
    id: 'health',
    title: 'GET /api/Health/arzsw (pass-through)',
    note: 'Anonymous health check on the management DB; not a proxy route, forwarded by every configuration.',
    cachedByPeers: false,
  },
};

const PEER_CACHE_STATES = ['HIT', 'MISS', 'STALE', 'UPDATING', 'EXPIRED', 'REVALIDATED'];

/** The header values a configuration must show on a route to count as doing what its name says. */
export function expectedTokens(config: ConfigId, route: RouteId): string[] {
  switch (config) {
    case 'emulator':
      return ['(none)'];
    case 'bare':
      return ['bare'];
    case 'proxy-legacy':
      return ['legacy'];
    case 'proxy-sql':
      return route === 'health' ? ['legacy'] : ['sql'];
    case 'proxy-cache':
      return route === 'health' ? ['legacy'] : ['cache-hit', 'cache-miss', 'stale'];
    case 'nginx':
    case 'varnish':
      return ROUTES[route].cachedByPeers ? PEER_CACHE_STATES : ['PASS'];
  }
}

/** Routes a configuration is measured on: sql/cache proxies forward health exactly like legacy mode. */
export function measuredOn(config: ConfigId, route: RouteId): boolean {
  return !(route === 'health' && (config === 'proxy-sql' || config === 'proxy-cache'));
}

export function basicAuth(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`;
}

export function requestFor(route: RouteId, authorization: string, uuids: readonly string[]): LoadRequest {
  switch (route) {
    case 'list-100':
      return { method: 'GET', path: '/v2/rezept?page=1&pageSize=100', headers: { authorization } };
    case 'list-1000':
      return { method: 'GET', path: '/v2/rezept?page=1&pageSize=1000', headers: { authorization } };
    case 'statusuuid-100':
      return {
        method: 'PATCH',
        path: '/v2/rezept/statusuuid',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ rezeptUuids: uuids }),
      };
    case 'health':
      return { method: 'GET', path: '/api/Health/arzsw' };
  }
}

/**
 * Duration and timeout of a measured run. A closed loop of `connections` against a server that needs
 * `singleMs` per request on `cores` cores completes nothing within a run shorter than about
 * connections × singleMs / cores (the legacy at 1M: seconds per list). Such runs are extended so each
 * connection can complete about two requests, up to maxSeconds; the timeout leaves room for the queue.
 */
export function runPlan(
  singleMs: number,
  settings: { seconds: number; maxSeconds: number; connections: number; cores: number },
): { seconds: number; timeoutSeconds: number } {
  const queuedSeconds =
    (Number.isFinite(singleMs) ? singleMs / 1000 : 0) * (settings.connections / settings.cores);
  const seconds = Math.max(settings.seconds, Math.min(settings.maxSeconds, Math.ceil(2 * queuedSeconds)));
  const timeoutSeconds = Math.min(600, Math.max(30, Math.ceil(4 * queuedSeconds)));
  return { seconds, timeoutSeconds };
}
