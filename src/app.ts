// Composition root: builds config-derived adapters, the pipeline stages and the observability, wires them
// together and returns { start, stop }. All wiring lives here; nothing here runs at import time.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ProxyConfig } from './config/env-config.js';
import { loadRouteTable } from './config/routes-file.js';
import { createModeState, type ModeState } from './core/route-mode.js';
import type { RouteTable } from './core/route-table.js';
import { createAdminServer } from './adapters/http/admin-server.js';
import { createContextFactory } from './adapters/http/context-from-request.js';
import { createEdgeServer } from './adapters/http/edge-server.js';
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
  /** Defaults to loading config.routesFile (throws EdgeError EDGE_ROUTES_INVALID). */
  readonly routes?: RouteTable;
  readonly auth?: AuthenticateDeps;
  readonly execute?: ExecuteDeps;
  /** Defaults to an in-memory ModeState that can execute `legacy` only. */
  readonly modes?: ModeState;
}

export interface EdgeApp {
  start(): Promise<{ port: number; adminPort: number }>;
  /** Graceful: stop accepting, drain in-flight requests up to config.drainMs, close idle sockets. */
  stop(): Promise<void>;
  readonly modes: ModeState;
}

export function createApp(config: ProxyConfig, deps: AppDeps = {}): EdgeApp {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const routes = deps.routes ?? loadRouteTable(config.routesFile);
  const modes = deps.modes ?? createModeState({ implemented: ['legacy'] });
  for (const route of routes.routes) {
    if (modes.effectiveMode(route) !== route.mode) {
      logger.warn(
        { route: route.id, configuredMode: route.mode, effectiveMode: modes.effectiveMode(route) },
        'route mode not implemented yet; the route is served by the legacy',
      );
    }
  }

  const now = () => performance.now();
  const upstream = createUpstreamAgent({
    protocol: config.legacy.protocol,
    maxSockets: config.upstream.maxSockets,
    idleTimeoutMs: config.upstream.idleTimeoutMs,
  });
  const metrics = createMetrics({ openUpstreamSockets: upstream.openSockets });
  const forwarder = createLegacyForwarder({
    target: config.legacy,
    agent: upstream.agent,
    connectTimeoutMs: config.upstream.connectTimeoutMs,
    timeoutMs: config.upstream.timeoutMs,
    preserveHost: config.preserveHost,
    now,
  });
  const stages = createStages({
    routes,
    modes,
    auth: { modes, ...deps.auth },
    execute: deps.execute ?? { executors: {} },
  });
  const handleRequest = createRequestHandler({
    stages,
    toContext: createContextFactory(logger, now),
    forwarder,
    writer: createResponseWriter(),
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
    readiness: async () => {
      const legacy = await probe.check();
      return [
        { name: 'config', ok: true, detail: `${routes.routes.length} routes loaded` },
        { name: 'legacy', ok: legacy.ok, detail: legacy.detail },
        {
          name: 'accepting',
          ok: !edge.draining,
          detail: edge.draining ? 'draining for shutdown' : 'accepting',
        },
      ];
    },
  });

  let stopping: Promise<void> | undefined;
  return {
    modes,
    async start() {
      const port = await edge.listen();
      const adminPort = await admin.listen();
      return { port, adminPort };
    },
    stop() {
      stopping ??= (async () => {
        await edge.drain(config.drainMs);
        await admin.close();
        upstream.destroy();
      })();
      return stopping;
    },
  };
}
