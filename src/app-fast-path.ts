// The composition root's fast-path part, kept apart from app.ts like app-rollout.ts: authentication on the
// management DB (+ its change feed), tenant pools, the response cache (L1, optional sealed L2 on Redis,
// breaker, single-flight, shared epochs, per-tenant invalidation listeners), the list-count memo, the `sql`
// and `cache` executors, read-your-writes for forwarded writes, and their readiness checks. Builds objects
// only; connections that need awaiting start in start(), everything closes in stop().
//
// Readiness (GET /readyz): nothing here makes the proxy "not ready". A down management DB, Redis or tenant
// feed is *degraded* — the proxy still answers every request correctly (it forwards, or bypasses the cache,
// or uses L1 only) — so each check reports ok with a `degraded: …` detail instead of taking the instance
// out of the load balancer. Only the legacy being unreachable (app.ts) means not ready.
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { AUTH_DEFAULTS, createAuthenticator } from './adapters/auth/authenticator.js';
import { createCredentialCache } from './adapters/auth/credential-cache.js';
import { createCacheMetrics, trackBreaker } from './adapters/cache/cache-metrics.js';
import { CircuitBreaker } from './adapters/cache/circuit-breaker.js';
import { CircuitBreakerStore } from './adapters/cache/circuit-breaker-store.js';
import { InstrumentedStore } from './adapters/cache/instrumented-store.js';
import { parseKeyRing } from './adapters/cache/key-ring.js';
import { LruStore } from './adapters/cache/lru-store.js';
import { createCacheRedis, RedisStore, whenRedisReady } from './adapters/cache/redis-store.js';
import { ResponseCache } from './adapters/cache/response-cache.js';
import { SingleFlight } from './adapters/cache/single-flight.js';
import { TieredStore } from './adapters/cache/tiered-store.js';
import type { ReadinessCheck } from './adapters/http/admin-server.js';
import { createManagementDatabase, managementListenConfig } from './adapters/postgres/management-database.js';
import { createPgListener, type PgListener } from './adapters/postgres/pg-listener.js';
import { createTenantRegistry } from './adapters/postgres/tenant-registry.js';
import type { ProxyConfig } from './config/env-config.js';
import type { CacheStore } from './core/cache-port.js';
import { parseDatabaseLocator } from './core/npgsql-connection-string.js';
import type { BeforeResponseHead } from './core/outcome.js';
import type { Tenant } from './core/principal.js';
import type { EdgeLogger, RequestContext } from './core/request-context.js';
import type { LegacySettings, RouteTable } from './core/route-table.js';
import type { NotificationSource, SqlDatabase } from './core/sql-port.js';
import { createUtcClock } from './core/stj-datetime.js';
import { createEpochMetrics } from './invalidation/epoch-metrics.js';
import { startManagementListener, type ManagementListener } from './invalidation/management-listener.js';
import { TenantEpochs } from './invalidation/tenant-epochs.js';
import {
  CACHE_TRIGGERS_CHECK_SQL,
  TenantListener,
  type ListenerState,
  type TenantNotificationSource,
} from './invalidation/tenant-listener.js';
import { createFastPathMetrics } from './observability/fast-path-metrics.js';
import type { RequestAuthenticator } from './pipeline/authenticate.js';
import type { ModeExecutor } from './pipeline/execute.js';
import { createCacheExecutor } from './pipeline/executors/cache-executor.js';
import { createSqlExecutor } from './pipeline/executors/sql-executor.js';
import { createTenantReadiness } from './pipeline/executors/tenant-readiness.js';
import { createWriteInvalidation } from './pipeline/executors/write-invalidation.js';
import { CountMemo } from './prescriptions/count-memo.js';
import { ItemMemo } from './prescriptions/item-memo.js';
import { CountRefresher } from './prescriptions/count-refresher.js';
import { countNewPrescriptions } from './prescriptions/fast-queries.js';
import { FAST_PATH_SETTINGS_SQL } from './prescriptions/snapshot-stream.js';
import { missingFastPathIndexes } from './prescriptions/fast-path-readiness.js';

/** Tenant pools (issue #5): per tenant, in total, and idle close. */
const TENANT_POOLS = Object.freeze({ perTenant: 10, total: 100, idleCloseMs: 300_000 });
const REDIS_READY_WAIT_MS = 2000;
const PROBE_TIMEOUT_MS = 1000;

export interface FastPathOptions {
  readonly config: ProxyConfig;
  readonly logger: EdgeLogger;
  readonly registry: Registry;
  /** The active route table's legacy settings (read per request: routes.yaml may be reloaded). */
  readonly legacy: () => LegacySettings;
  /** An authenticator built elsewhere (demo, tests); default: built on the management DB. */
  readonly authenticator?: RequestAuthenticator;
  /** The management DB and its arzti_edge_auth feed instead of ARZSW_DATABASE_URL (the demo's PGlite). */
  readonly management?: SqlDatabase & NotificationSource;
  /** Opens a tenant DB (default: a bounded pg pool per tenant, see tenant-registry). */
  readonly openTenantDatabase?: (tenant: Tenant) => SqlDatabase;
  /** A tenant DB's arzti_edge_cache feed (default: one pg LISTEN connection per tenant). */
  readonly tenantNotifications?: (tenant: Tenant) => TenantNotificationSource;
  /** Prefix of every Redis key and channel (tests: one per file; instances sharing L2 share it). */
  readonly redisPrefix?: string;
}

export interface FastPath {
  readonly authenticator: RequestAuthenticator;
  readonly executors: { readonly sql: ModeExecutor; readonly cache: ModeExecutor };
  /** Read-your-writes: the execute stage's hook factory for forwarded requests. */
  readonly beforeForwardedHead: (ctx: RequestContext) => BeforeResponseHead | undefined;
  readonly epochs: TenantEpochs;
  readonly listener: TenantListener;
  readiness(): Promise<ReadinessCheck[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Whether the fast modes can run: callers can be authenticated (an injected authenticator, the injected
 * management DB or ARZSW_DATABASE_URL) and the data is reachable (ARZSW_DATABASE_URL — tenant pools from the
 * principals' connection strings — or injected backends). An authenticator alone enables nothing.
 */
export function canRunFastPath(
  config: ProxyConfig,
  options: Pick<FastPathOptions, 'authenticator' | 'management' | 'openTenantDatabase'>,
): boolean {
  const url = config.managementDatabaseUrl !== undefined;
  const management = options.management !== undefined;
  return (
    (url || management || options.authenticator !== undefined) &&
    (url || management || options.openTenantDatabase !== undefined)
  );
}

/** `id (mode)` of every route configured in a fast mode (main.ts refuses to start them without a management DB). */
export function fastModeRoutes(table: RouteTable): string[] {
  return table.routes
    .filter((route) => route.mode === 'sql' || route.mode === 'cache')
    .map((route) => `${route.id} (${route.mode})`);
}

/** pg settings of a tenant's LISTEN connection (no pool keys, no statement timeout). */
function tenantListenConfig(tenant: Tenant): pg.ClientConfig {
  const {
    max: _max,
    min: _min,
    idleTimeoutMillis: _idle,
    statement_timeout: _st,
    query_timeout: _qt,
    ...client
  } = parseDatabaseLocator(tenant.connectionString);
  return { ...client, application_name: 'arzti-edge-listen' };
}

/** Resolves to the probe's result, or `undefined` after timeoutMs (a readiness answer must not hang). */
function within<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

export function createFastPath(options: FastPathOptions): FastPath {
  const { config, logger: log, registry } = options;
  const owned: { close(): Promise<void> }[] = [];

  // Authentication: injected, or on the management DB with a credential cache fed by its change feed.
  let management: SqlDatabase | undefined = options.management;
  if (management === undefined && config.managementDatabaseUrl !== undefined) {
    management = createManagementDatabase(config.managementDatabaseUrl);
    owned.push(management);
  }
  let authenticator = options.authenticator;
  let feed: { source: NotificationSource; credentials: ReturnType<typeof createCredentialCache> } | undefined;
  let sourceToClose: PgListener | undefined;
  if (authenticator === undefined) {
    if (management === undefined) throw new Error('createFastPath needs an authenticator or a management DB');
    const credentials = createCredentialCache({
      maxEntries: config.auth.maxCacheEntries,
      successTtlMs: config.auth.successTtlMs,
      failureTtlMs: config.auth.failureTtlMs,
    });
    authenticator = createAuthenticator({
      management,
      cache: credentials,
      registry,
      options: {
        maxConcurrentBcrypt: config.auth.bcryptConcurrency,
        throttle: {
          enabled: config.auth.throttle,
          maxFailuresPerLogin: config.auth.throttleMaxFailures,
          maxFailuresPerIp: config.auth.throttleMaxFailures,
          windowMs: config.auth.throttleWindowMs,
          cooldownMs: config.auth.throttleCooldownMs,
          maxTrackedKeys: AUTH_DEFAULTS.throttle.maxTrackedKeys,
        },
      },
    });
    let source: NotificationSource | undefined = options.management;
    if (source === undefined && config.managementDatabaseUrl !== undefined) {
      sourceToClose = createPgListener({
        connection: managementListenConfig(config.managementDatabaseUrl),
        name: 'management',
        logger: log,
      });
      source = sourceToClose;
    }
    if (source !== undefined) feed = { source, credentials };
  }
  let managementFeed: ManagementListener | undefined;

  // Tenant databases.
  const tenants = createTenantRegistry({
    maxConnectionsPerTenant: TENANT_POOLS.perTenant,
    maxConnectionsTotal: TENANT_POOLS.total,
    idleCloseMs: TENANT_POOLS.idleCloseMs,
    statementTimeoutMs: config.sqlStatementTimeoutMs,
    registry,
    logger: log,
  });
  owned.push(tenants);
  const database = options.openTenantDatabase ?? ((tenant: Tenant) => tenants.database(tenant));

  // The cache: L1 always; L2 only with Redis and a key; epochs shared through Redis when it is configured.
  const cacheMetrics = createCacheMetrics(registry);
  const epochMetrics = createEpochMetrics(registry);
  const breaker = new CircuitBreaker();
  trackBreaker(cacheMetrics, 'redis', breaker);
  const redis = config.cache.redisUrl === undefined ? undefined : createCacheRedis(config.cache.redisUrl);
  const keyRing = config.cache.key === undefined ? undefined : parseKeyRing(config.cache.key);
  const prefix = options.redisPrefix ?? '';
  const lru = new LruStore({
    maxBytes: config.cache.maxBytes,
    // entryByteSize counts ~48 bytes per segment on top of the body; keep what maxEntryBytes admits.
    maxEntryBytes: Math.min(config.cache.maxBytes, Math.ceil(config.cache.maxEntryBytes * 1.25) + 65_536),
  });
  const l1 = new InstrumentedStore(lru, 'l1', cacheMetrics);
  let store: CacheStore = l1;
  if (redis !== undefined && keyRing !== undefined) {
    const redisStore = new RedisStore({
      client: redis,
      keyRing,
      prefix,
      maxValueBytes: config.cache.maxEntryBytes * 2 + 65_536,
      onUnreadable: (reason) => log.warn({ reason }, 'unreadable L2 cache value ignored'),
    });
    const l2 = new InstrumentedStore(new CircuitBreakerStore(redisStore, breaker), 'l2', cacheMetrics);
    store = new TieredStore(l1, l2);
  }
  const epochs = new TenantEpochs({
    ...(redis === undefined ? {} : { redis, gate: breaker }),
    prefix,
    metrics: epochMetrics,
  });
  const listener = new TenantListener({
    connect:
      options.tenantNotifications ??
      ((tenant) =>
        createPgListener({
          connection: tenantListenConfig(tenant),
          name: `tenant-${tenant.datenbankId}`,
          logger: log,
        })),
    epochs,
    verify: async (tenant) => {
      const { rows } = await database(tenant).query<{ ok: boolean }>(CACHE_TRIGGERS_CHECK_SQL);
      return rows[0]?.ok === true;
    },
    metrics: epochMetrics,
    onError: (datenbankId, err) =>
      log.warn({ datenbankId, err }, 'tenant invalidation feed failed; the tenant bypasses the cache'),
    onStateChange: (datenbankId, state) =>
      (state === 'connected' ? log.info : log.warn).call(
        log,
        { datenbankId, state },
        'tenant invalidation feed',
      ),
  });
  const cache = new ResponseCache({
    epochs,
    bypass: listener,
    store,
    localStore: l1,
    singleFlight: new SingleFlight({ maxWaitMs: config.sqlStatementTimeoutMs }),
    ttlMs: config.cache.ttlMs,
    metrics: cacheMetrics,
    onBackgroundError: (err) => log.warn({ err }, 'cache background operation failed'),
  });

  // Executors and read-your-writes.
  // Encoded list items by item version (issue #5): a re-read page is assembled without reading, decoding or
  // escaping its documents again; every use is checked against the version read with the page.
  const itemMemo = config.itemMemoBytes > 0 ? new ItemMemo({ maxBytes: config.itemMemoBytes }) : undefined;
  const observer = createFastPathMetrics(
    registry,
    itemMemo === undefined ? undefined : () => itemMemo.stats(),
  );
  const clock = createUtcClock();
  const readiness = createTenantReadiness({ missing: missingFastPathIndexes, log });
  // List counts per tenant epoch (issue #5), valid only while the tenant's feed is up: the sql executor
  // starts the feed too (watch), so sql-mode tenants get a LISTEN connection like cached ones.
  const countMemo =
    config.countMemoMaxAgeMs > 0
      ? new CountMemo({
          epochs,
          bypass: listener,
          maxAgeMs: config.countMemoMaxAgeMs,
          onLookup: (route, outcome) => observer.countMemoLookup(route, outcome),
        })
      : undefined;
  // After every epoch change of a recently read tenant its counts are recounted in the background, so the
  // read that follows a write usually finds them (see count-refresher).
  const countRefresher =
    countMemo === undefined
      ? undefined
      : new CountRefresher({
          memo: countMemo,
          activeForMs: config.countMemoMaxAgeMs,
          count: (tenant, types) =>
            database(tenant).transaction(async (tx) => {
              await tx.query(FAST_PATH_SETTINGS_SQL);
              return countNewPrescriptions(tx, types);
            }),
          onRecount: (outcome) => observer.countRefreshed(outcome),
          onError: (err, datenbankId) =>
            log.warn({ err, datenbankId }, 'background recount of list counts failed; the next read counts'),
        });
  if (countRefresher !== undefined) epochs.onChange((tenantId) => countRefresher.epochChanged(tenantId));
  const shared = {
    database,
    readiness,
    legacy: options.legacy,
    clock,
    observer,
    ...(countRefresher === undefined ? {} : { countMemo: countRefresher }),
    ...(itemMemo === undefined ? {} : { itemMemo }),
  };
  const executors = {
    sql: createSqlExecutor({ ...shared, ...(countMemo === undefined ? {} : { invalidation: listener }) }),
    cache: createCacheExecutor({
      ...shared,
      cache,
      invalidation: listener,
      maxEntryBytes: config.cache.maxEntryBytes,
      onBypass: (route, reason) => {
        cacheMetrics.bypasses.inc({ reason });
        cacheMetrics.lookups.inc({ route, outcome: 'bypass' });
      },
    }),
  };
  const beforeForwardedHead = createWriteInvalidation({
    authenticator,
    epochs,
    knownTenants: () => listener.states().keys(),
    onInvalidated: (scope, reason) => observer.writeInvalidated(scope, reason),
  });

  let managementProbe: { atMs: number; ok: Promise<boolean> } | undefined;
  const managementReachable = (): Promise<boolean> => {
    const now = performance.now();
    if (management === undefined) return Promise.resolve(true);
    if (managementProbe === undefined || now - managementProbe.atMs > 1000) {
      const db = management;
      managementProbe = {
        atMs: now,
        ok: within(
          db.query('SELECT 1').then(() => true),
          PROBE_TIMEOUT_MS,
        ).then((ok) => ok === true),
      };
    }
    return managementProbe.ok;
  };

  const listenerSummary = (): string => {
    const counts: Record<ListenerState, number> = {
      connected: 0,
      connecting: 0,
      disconnected: 0,
      unverified: 0,
    };
    for (const state of listener.states().values()) counts[state] += 1;
    const text = `${counts.connected} connected, ${counts.connecting} connecting, ${counts.disconnected} down, ${counts.unverified} triggers unverified`;
    return counts.disconnected + counts.unverified > 0
      ? `degraded: ${text} (those tenants bypass the cache)`
      : text;
  };

  return {
    authenticator,
    executors,
    beforeForwardedHead,
    epochs,
    listener,
    async readiness() {
      const checks: ReadinessCheck[] = [];
      if (management !== undefined) {
        const ok = await managementReachable();
        checks.push({
          name: 'management-db',
          ok: true,
          detail: ok ? 'reachable' : 'degraded: unreachable (sql/cache routes are forwarded to the legacy)',
        });
      }
      if (managementFeed !== undefined) {
        const { state } = managementFeed.status();
        checks.push({
          name: 'management-feed',
          ok: true,
          detail:
            state === 'connected'
              ? 'connected'
              : `degraded: ${state} (logins are re-checked after their TTL)`,
        });
      }
      if (redis !== undefined) {
        const up = redis.status === 'ready' && breaker.state !== 'open';
        const l2 = keyRing === undefined ? 'L2 off' : 'L2 on';
        checks.push({
          name: 'redis',
          ok: true,
          detail: up
            ? `ready (${l2}, shared epochs)`
            : `degraded: ${redis.status}, breaker ${breaker.state} (L1 only, epochs local until it is back)`,
        });
      }
      checks.push({ name: 'tenant-feeds', ok: true, detail: listenerSummary() });
      return checks;
    },
    async start() {
      if (feed !== undefined)
        managementFeed = await startManagementListener({
          source: feed.source,
          target: feed.credentials,
          registry,
          logger: log,
        });
      if (redis !== undefined && !(await whenRedisReady(redis, REDIS_READY_WAIT_MS)))
        log.warn({}, 'Redis not reachable yet: the cache runs on L1 and local epochs until it is');
      void epochs.start().catch((err: unknown) => log.warn({ err }, 'epoch subscription failed'));
      log.info(
        {
          l1MaxBytes: config.cache.maxBytes,
          maxEntryBytes: config.cache.maxEntryBytes,
          ttlMs: config.cache.ttlMs,
          l2: keyRing !== undefined && redis !== undefined,
          sharedEpochs: redis !== undefined,
        },
        redis === undefined
          ? 'response cache: L1 only (REDIS_URL unset: epochs are local to this instance)'
          : keyRing === undefined
            ? 'response cache: L1 only, L2 off (EDGE_CACHE_KEY unset); epochs shared through Redis'
            : 'response cache: L1 + sealed L2 on Redis, shared epochs',
      );
    },
    async stop() {
      countRefresher?.close();
      await listener.close();
      await managementFeed?.stop();
      await sourceToClose?.close();
      await epochs.close();
      redis?.disconnect();
      await Promise.all(owned.map((o) => o.close().catch(() => undefined)));
    },
  };
}
