// The proxy of the demo, built through the normal composition root (createApp) in front of the emulator:
// GET routes in cache mode (L1 only, no Redis), authentication against the PGlite management database
// and change feeds from PGlite's in-process notifications. The one place the demo wires the proxy.
import { Registry } from 'prom-client';
import { createAuthenticator } from '../adapters/auth/authenticator.js';
import { createCredentialCache } from '../adapters/auth/credential-cache.js';
import type { PgliteRegistry } from '../adapters/pglite/pglite-registry.js';
import { createApp, type EdgeApp } from '../app.js';
import type { ProxyConfig } from '../config/env-config.js';
import { loadRouteTable } from '../config/routes-file.js';
import { createRouteTable, type RouteTable } from '../core/route-table.js';
import type { NotificationSource, SqlDatabase } from '../core/sql-port.js';
import { startManagementListener } from '../invalidation/management-listener.js';
import type { EdgeAppLogger } from '../observability/logger.js';

export interface DemoBackends {
  /** The management (ArzSw) database and its arzti_edge_auth notifications. */
  readonly management: SqlDatabase & NotificationSource;
  /** Tenant databases (and their arzti_edge_cache notifications) by connection string. */
  readonly tenants: PgliteRegistry;
}

export interface DemoProxy {
  readonly app: EdgeApp;
  /** Ids of the routes that run in cache mode now; empty while this build cannot execute cache mode. */
  readonly cachedRoutes: readonly string[];
  start(): Promise<{ port: number; adminPort: number }>;
  /** Drains the proxy, then stops its feeds. Idempotent. */
  stop(): Promise<void>;
}

/** The configured routes with every GET route in cache mode (writes keep their mode). */
export function demoRouteTable(routes: RouteTable): RouteTable {
  return createRouteTable(
    routes.routes.map((route) => (route.method === 'GET' ? { ...route, mode: 'cache' as const } : route)),
    routes.legacy,
    { killSwitch: routes.killSwitch },
  );
}

export async function buildDemoProxy(
  config: ProxyConfig,
  backends: DemoBackends,
  logger: EdgeAppLogger,
): Promise<DemoProxy> {
  const routes = demoRouteTable(loadRouteTable(config.routesFile));

  // Authentication exactly as in production, on the PGlite management DB. Its metrics go to a registry
  // of their own: createApp does not accept or expose one yet (see the integration note below).
  const credentials = createCredentialCache({ maxEntries: 1000, successTtlMs: 60_000, failureTtlMs: 5_000 });
  const authenticator = createAuthenticator({
    management: backends.management,
    cache: credentials,
    registry: new Registry(),
  });
  const managementFeed = await startManagementListener({
    source: backends.management,
    target: credentials,
    logger,
  });

  // The fast path runs on the PGlite backends: tenant databases and their NOTIFY feeds come from the
  // registry, so cache mode (L1 only, no Redis) answers GET routes and the triggers invalidate them.
  const app = createApp(config, {
    logger,
    routes,
    auth: { authenticator },
    management: backends.management,
    openTenantDatabase: (tenant) => backends.tenants.open(tenant.connectionString),
    tenantNotifications: (tenant) => backends.tenants.open(tenant.connectionString),
  });
  const cachedRoutes = routes.routes
    .filter((route) => app.modes.effectiveMode(route) === 'cache')
    .map((route) => route.id);

  let stopping: Promise<void> | undefined;
  return {
    app,
    cachedRoutes,
    start: () => app.start(),
    stop() {
      stopping ??= (async () => {
        await app.stop();
        await managementFeed.stop();
      })();
      return stopping;
    },
  };
}
