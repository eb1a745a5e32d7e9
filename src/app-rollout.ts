// The composition root's rollout part, kept apart from app.ts so its wiring stays readable: the route table
// holder (+ hot reload), the kill switch's sources, the shadow runner and executor, their metrics and the
// admin control endpoints. Builds objects only; watching starts in start().
import type { Agent } from 'node:http';
import type { Registry } from 'prom-client';
import type { ProxyConfig } from './config/env-config.js';
import {
  createRoutesReloader,
  readRoutesFile,
  type ReloadResult,
  type ReloadTrigger,
  type RoutesReloader,
} from './config/routes-watcher.js';
import type { Outcome } from './core/outcome.js';
import type { EdgeLogger, RequestContext } from './core/request-context.js';
import type { ShadowCandidate } from './core/rollout.js';
import type { ModeState } from './core/route-mode.js';
import type { CompiledRoute, RouteTable } from './core/route-table.js';
import { createRouteTableHolder, type RouteTableHolder } from './core/route-table-holder.js';
import type { AdminControl, KillSwitchState, ReadinessCheck } from './adapters/http/admin-server.js';
import { createLegacyReplay } from './adapters/upstream/legacy-replay.js';
import { createRolloutMetrics } from './observability/rollout-metrics.js';
import { createShadowExecutor } from './pipeline/shadow-execute.js';
import { candidateFromExecutor } from './shadow/executor-candidate.js';
import { createShadowRunner, type ComputeFastAnswer, type ShadowRunner } from './shadow/shadow-runner.js';
import { createShadowStats } from './shadow/shadow-stats.js';

type Executor = (ctx: RequestContext) => Promise<Outcome>;

/** At shutdown, comparisons still running get this long before the fast path's pools close under them. */
const SHADOW_STOP_WAIT_MS = 2000;

export interface RolloutWiringOptions {
  readonly config: ProxyConfig;
  readonly logger: EdgeLogger;
  readonly registry: Registry;
  readonly modes: ModeState;
  /** A fixed table (tests): no file, no reload. Default: config.routesFile, watched unless disabled. */
  readonly routes?: RouteTable;
  readonly upstreamAgent: Agent;
  /** Shadow sampling (tests). */
  readonly random?: () => number;
}

export interface RolloutWiring {
  readonly routes: RouteTableHolder;
  /** The `shadow` executor, comparing against the given fast executors (`sql`, `cache`). */
  shadowExecutor(fast: Readonly<Partial<Record<string, Executor>>>): Executor;
  /** Undefined until shadowExecutor() was called. */
  readonly shadow: ShadowRunner | undefined;
  readonly admin: AdminControl;
  setKillSwitch(on: boolean, by: string): KillSwitchState;
  reloadRoutes(trigger: ReloadTrigger): ReloadResult;
  readonly configCheck: () => ReadinessCheck;
  start(): void;
  /** Stops watching at once; resolves when running shadow comparisons have ended, or after 2 s. */
  stop(): Promise<void>;
}

function describeRoute(route: CompiledRoute, modes: ModeState) {
  const { rollout, shadow } = route;
  return {
    id: route.id,
    method: route.method,
    path: route.path,
    mode: route.mode,
    /** Before the tenant is known: legacy under the kill switch, unimplemented, or rollout to nobody. */
    effectiveMode: modes.effectiveMode(route),
    ...(rollout
      ? {
          rollout: {
            percent: rollout.percent,
            allowTenants: [...rollout.allowTenants.ids, ...rollout.allowTenants.codes],
            denyTenants: [...rollout.denyTenants.ids, ...rollout.denyTenants.codes],
          },
        }
      : {}),
    ...(shadow ? { shadow: { ...shadow, ignorePaths: shadow.ignorePaths.map((p) => p.text) } } : {}),
  };
}

export function createRolloutWiring(options: RolloutWiringOptions): RolloutWiring {
  const { config, logger: log, modes } = options;
  const initial = options.routes ? undefined : readRoutesFile(config.routesFile);
  const holder = createRouteTableHolder(
    options.routes ?? (initial as { table: RouteTable }).table,
    options.routes ? '(injected)' : config.routesFile,
  );

  const killSwitchState = (): KillSwitchState => ({
    killSwitch: modes.killSwitch,
    sources: modes.killSwitchSources,
  });
  const setKillSwitch = (on: boolean, by: string, source: 'operator' | 'file' = 'operator') => {
    const before = modes.killSwitch;
    modes.setKillSwitch(on, source);
    const state = killSwitchState();
    if (before !== state.killSwitch || on)
      log.warn(
        { killSwitch: state.killSwitch, sources: state.sources, by, source },
        state.killSwitch ? 'kill switch on: every request goes to the legacy' : 'kill switch off',
      );
    return state;
  };
  const warnUnimplemented = (table: RouteTable) => {
    for (const route of table.routes) {
      if (!modes.isImplemented(route.mode))
        log.warn(
          { route: route.id, configuredMode: route.mode, effectiveMode: 'legacy' },
          'route mode not implemented yet; the route is served by the legacy',
        );
    }
  };

  if (config.killSwitch) setKillSwitch(true, 'env EDGE_KILL_SWITCH');
  if (holder.current().killSwitch) setKillSwitch(true, `file ${holder.source}`, 'file');
  warnUnimplemented(holder.current());

  const metrics = createRolloutMetrics(options.registry, {
    killSwitch: () => modes.killSwitch,
    configValid: () => holder.lastError === undefined,
    loadedAtMs: () => holder.loadedAt.getTime(),
  });

  const reloader: RoutesReloader | undefined = initial
    ? createRoutesReloader({
        file: config.routesFile,
        holder,
        initialText: initial.text,
        log,
        onOutcome: (result) => metrics.countReload(result.outcome),
        onApplied(table, previous) {
          if (table.killSwitch !== previous.killSwitch)
            setKillSwitch(table.killSwitch, `file ${config.routesFile}`, 'file');
          for (const route of table.routes) {
            const before = previous.routes.find((r) => r.id === route.id);
            if (before?.mode !== route.mode)
              log.info({ route: route.id, from: before?.mode ?? null, to: route.mode }, 'route mode changed');
          }
          warnUnimplemented(table);
        },
      })
    : undefined;

  const stats = createShadowStats();
  const replay = createLegacyReplay({
    target: config.legacy,
    agent: options.upstreamAgent,
    timeoutMs: config.upstream.timeoutMs,
    preserveHost: config.preserveHost,
  });
  let shadow: ShadowRunner | undefined;

  const reloadRoutes = (trigger: ReloadTrigger): ReloadResult =>
    reloader ? reloader.reload(trigger) : { outcome: 'unchanged' };

  const admin: AdminControl = {
    routes() {
      const table = holder.current();
      return {
        source: holder.source,
        loadedAt: holder.loadedAt.toISOString(),
        generation: holder.generation,
        configValid: holder.lastError === undefined,
        lastError: holder.lastError
          ? { at: holder.lastError.at.toISOString(), message: holder.lastError.message }
          : null,
        killSwitch: killSwitchState(),
        legacy: table.legacy,
        routes: table.routes.map((route) => describeRoute(route, modes)),
      };
    },
    reloadRoutes: () => reloadRoutes('admin'),
    shadow() {
      const configured = holder
        .current()
        .routes.filter((route) => route.mode === 'shadow')
        .map((route) => ({
          route: route.id,
          effectiveMode: modes.effectiveMode(route),
          calibrate: route.shadow?.calibrate ?? false,
          sample: route.shadow?.sample ?? null,
        }));
      return { ...stats.report(), inFlight: shadow?.inFlight ?? 0, configured };
    },
    killSwitch: killSwitchState,
    setKillSwitch: (on, caller) => setKillSwitch(on, caller),
  };

  return {
    routes: holder,
    shadowExecutor(fast) {
      const candidates: Partial<Record<ShadowCandidate, ComputeFastAnswer>> = {};
      for (const mode of ['sql', 'cache'] as const) {
        const executor = fast[mode];
        if (executor) candidates[mode] = candidateFromExecutor(mode, executor);
      }
      shadow = createShadowRunner({
        candidates,
        replayLegacy: replay,
        stats,
        onOutcome: (route, kind, outcome) => metrics.countShadow(route, kind, outcome),
        log,
        ...(options.random ? { random: options.random } : {}),
      });
      return createShadowExecutor(shadow);
    },
    get shadow() {
      return shadow;
    },
    admin,
    setKillSwitch: (on, by) => setKillSwitch(on, by),
    reloadRoutes,
    configCheck() {
      const table = holder.current();
      const error = holder.lastError;
      return {
        name: 'config',
        ok: true,
        detail:
          `${table.routes.length} routes loaded` +
          (error ? `; last reload rejected at ${error.at.toISOString()} (see /_edge/routes)` : ''),
      };
    },
    start() {
      if (config.watchRoutes) reloader?.watch();
    },
    async stop() {
      reloader?.close();
      if (!shadow || shadow.inFlight === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        shadow.idle(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, SHADOW_STOP_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
