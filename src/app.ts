// Composition root: builds config-derived adapters, the pipeline stages and the observability, wires them
// together and returns { start, stop }. All wiring lives here; nothing here runs at import time.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ProxyConfig } from './config/env-config.js';
import type { ReloadResult, ReloadTrigger } from './config/routes-watcher.js';
import { createModeState, type ModeState, type RouteMode } from './core/route-mode.js';
import type { RouteTable } from './core/route-table.js';
import type { RouteTableHolder } from './core/route-table-holder.js';
import { createRolloutWiring } from './app-rollout.js';
import { canRunFastPath, createFastPath } from './app-fast-path.js';
import type { Tenant } from './core/principal.js';
import type { NotificationSource, SqlDatabase } from './core/sql-port.js';
import type { TenantNotificationSource } from './invalidation/tenant-listener.js';
import type { ShadowRunner } from './shadow/shadow-runner.js';
import { createAdminServer } from './adapters/http/admin-server.js';
import { createContextFactory } from './adapters/http/context-from-request.js';
import { createEdgeServer } from './adapters/http/edge-server.js';
import { createBodyBufferPool } from './adapters/http/body-buffer-pool.js';
import { createResponseWriter } from './adapters/http/response-writer.js';
import { createLegacyForwarder } from './adapters/upstream/legacy-forwarder.js';
import { createLegacyProbe } from './adapters/upstream/legacy-probe.js';
import { createUpstreamAgent } from './adapters/upstream/upstream-agent.js';
import { createLogger, type EdgeAppLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createRequestObserver, observeRefusal } from './observability/request-observer.js';
import type { AuthenticateDeps } from './pipeline/authenticate.js';
import type { ExecuteDeps } from './pipeline/execute.js';
import { createRequestHandler } from './pipeline/handle-request.js';
import { createStages } from './pipeline/stages.js';

export interface AppDeps {
  /** Defaults to a pino logger on stdout at config.logLevel. */
  readonly logger?: EdgeAppLogger;
  /** Defaults to loading config.routesFile (throws EdgeError EDGE_ROUTES_INVALID), hot-reloaded. */
  readonly routes?: RouteTable;
  readonly auth?: AuthenticateDeps;
  readonly execute?: ExecuteDeps;
  /** Defaults to an in-memory ModeState that can execute `legacy`, `shadow` and the executors' modes. */
  readonly modes?: ModeState;
  // Fast paths (app-fast-path.ts; used unless `execute` is given): backends other than the defaults built
  // from ARZSW_DATABASE_URL and the tenants' connection strings — the demo's PGlite databases.
  /** The management DB (+ its arzti_edge_auth feed) instead of ARZSW_DATABASE_URL. */
  readonly management?: SqlDatabase & NotificationSource;
  /** Opens a tenant DB (default: a bounded pg pool per tenant). */
  readonly openTenantDatabase?: (tenant: Tenant) => SqlDatabase;
  /** A tenant DB's arzti_edge_cache feed (default: a pg LISTEN connection per tenant). */
  readonly tenantNotifications?: (tenant: Tenant) => TenantNotificationSource;
  /** Prefix of the cache's Redis keys and channel (tests; instances sharing L2 must share it). */
  readonly redisPrefix?: string;
}

export interface EdgeApp {
  start(): Promise<{ port: number; adminPort: number }>;
  /** Graceful: stop accepting, drain in-flight requests up to config.drainMs, close idle sockets. */
  stop(): Promise<void>;
  readonly modes: ModeState;
  /** Rollout (issue #7): the active route table, the kill switch's operator source, reload, shadow. */
  readonly routes: RouteTableHolder;
  setKillSwitch(on: boolean, by: string): void;
  reloadRoutes(trigger: ReloadTrigger): ReloadResult;
  readonly shadow: ShadowRunner | undefined;
}

export function createApp(config: ProxyConfig, deps: AppDeps = {}): EdgeApp {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const now = () => performance.now();
  const upstream = createUpstreamAgent({
    protocol: config.legacy.protocol,
    maxSockets: config.upstream.maxSockets,
    idleTimeoutMs: config.upstream.idleTimeoutMs,
  });
  const metrics = createMetrics({ openUpstreamSockets: upstream.openSockets });
  // The sql/cache executors, authentication, tenant DBs, the cache and read-your-writes (app-fast-path.ts).
  const fastOptions = {
    authenticator: deps.auth?.authenticator,
    management: deps.management,
    openTenantDatabase: deps.openTenantDatabase,
  };
  const fast =
    deps.execute === undefined && canRunFastPath(config, fastOptions)
      ? createFastPath({
          ...fastOptions,
          config,
          logger,
          registry: metrics.registry,
          legacy: () => rollout.routes.current().legacy,
          tenantNotifications: deps.tenantNotifications,
          redisPrefix: deps.redisPrefix,
        })
      : undefined;
  const executeDeps: ExecuteDeps =
    deps.execute ??
    (fast ? { executors: fast.executors, beforeForwardedHead: fast.beforeForwardedHead } : { executors: {} });
  const modes =
    deps.modes ??
    createModeState({
      implemented: ['legacy', 'shadow', ...(Object.keys(executeDeps.executors) as RouteMode[])],
    });

  // Rollout, hot reload, kill switch, shadow comparison and the admin /_edge/* endpoints (app-rollout.ts).
  // Loads routes.yaml (throws EDGE_ROUTES_INVALID) and warns about routes in unimplemented modes.
  let rollout: ReturnType<typeof createRolloutWiring>;
  try {
    rollout = createRolloutWiring({
      config,
      logger,
      registry: metrics.registry,
      modes,
      routes: deps.routes,
      upstreamAgent: upstream.agent,
    });
  } catch (err) {
    // An invalid routes file: release what the fast path already opened (the Redis client connects at once).
    void fast?.stop();
    throw err;
  }
  const forwarder = createLegacyForwarder({
    target: config.legacy,
    agent: upstream.agent,
    connectTimeoutMs: config.upstream.connectTimeoutMs,
    timeoutMs: config.upstream.timeoutMs,
    preserveHost: config.preserveHost,
    now,
  });
  const stages = createStages({
    routes: rollout.routes,
    modes,
    auth: { modes, ...(fast ? { authenticator: fast.authenticator } : {}), ...deps.auth },
    execute: {
      ...executeDeps,
      executors: { shadow: rollout.shadowExecutor(executeDeps.executors), ...executeDeps.executors },
    },
  });
  const handleRequest = createRequestHandler({
    stages,
    toContext: createContextFactory(logger, now),
    forwarder,
    writer: createResponseWriter(
      createBodyBufferPool({ maxRetainedBytes: config.cache.bodyBufferPoolBytes }),
    ),
    observer: createRequestObserver(metrics, logger),
    now,
  });

  const edge = createEdgeServer({
    host: config.host,
    port: config.port,
    keepAliveMs: config.clientKeepAliveMs,
    generateId: randomUUID,
    onRequest: (req, res) => {
      void handleRequest(req, res);
    },
    onRefused: (info) => observeRefusal(metrics, logger, info),
  });
  const probe = createLegacyProbe({
    hostname: config.legacy.hostname,
    port: config.legacy.port,
    timeoutMs: Math.min(config.upstream.connectTimeoutMs, 2000),
    cacheMs: 1000,
  });
  const admin = createAdminServer({
    host: config.host,
    port: config.adminPort,
    registry: metrics.registry,
    control: rollout.admin,
    access: { token: config.adminToken },
    readiness: async () => {
      const legacy = await probe.check();
      return [
        rollout.configCheck(),
        { name: 'legacy', ok: legacy.ok, detail: legacy.detail },
        {
          name: 'accepting',
          ok: !edge.draining,
          detail: edge.draining ? 'draining for shutdown' : 'accepting',
        },
        // Degraded, never "not ready": the proxy still answers correctly (see app-fast-path.ts).
        ...((await fast?.readiness()) ?? []),
      ];
    },
  });

  let stopping: Promise<void> | undefined;
  return {
    modes,
    routes: rollout.routes,
    setKillSwitch: (on, by) => void rollout.setKillSwitch(on, by),
    reloadRoutes: (trigger) => rollout.reloadRoutes(trigger),
    get shadow() {
      return rollout.shadow;
    },
    async start() {
      await fast?.start();
      const port = await edge.listen();
      const adminPort = await admin.listen();
      rollout.start();
      return { port, adminPort };
    },
    stop() {
      stopping ??= (async () => {
        const rolloutStopped = rollout.stop(); // stops watching; resolves when shadow comparisons end (≤ 2 s)
        await edge.drain(config.drainMs);
        await admin.close();
        await rolloutStopped;
        await fast?.stop();
        upstream.destroy();
      })();
      return stopping;
    },
  };
}
