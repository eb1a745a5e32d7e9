// One connection pool per tenant database (arzsw_datenbank id + connection string), opened on first use,
// bounded per tenant and in total, closed when idle or when the connection string of the id changes.
// Holds secrets (connection strings): logs only the datenbank id and the redacted string.
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Tenant } from '../../core/principal.js';
import type { SqlDatabase, SqlExecutor, SqlResult } from '../../core/sql-port.js';
import { parseDatabaseLocator, redactConnectionString } from '../../core/npgsql-connection-string.js';
import { EdgeError, isEdgeError } from '../../errors.js';
import { createPgDatabase } from './pg-database.js';

export interface TenantRegistryOptions {
  /** Cap on any tenant pool; the connection string's Maximum Pool Size applies when smaller. */
  readonly maxConnectionsPerTenant: number;
  /** Sum of the pool caps of all open pools; least recently used idle pools are closed to stay under it. */
  readonly maxConnectionsTotal: number;
  /** A pool unused for this long is closed. */
  readonly idleCloseMs: number;
  /** statement_timeout (and client query timeout) of the proxy's connections; the string's Command Timeout wins when shorter. */
  readonly statementTimeoutMs?: number;
  readonly applicationName?: string;
  readonly registry?: Registry;
  readonly logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Replaceable for tests. */
  readonly createDatabase?: (config: pg.PoolConfig) => SqlDatabase;
  readonly parseConnectionString?: (s: string) => pg.PoolConfig;
  readonly now?: () => number;
  readonly sweepIntervalMs?: number;
}

export interface TenantRegistryStats {
  readonly pools: number;
  /** Pools replaced or evicted that still finish in-flight statements. */
  readonly draining: number;
  /** Sum of the pool caps of open and draining pools (what maxConnectionsTotal bounds). */
  readonly budgetedConnections: number;
}

export interface TenantRegistry {
  /** Runs fn on the tenant's pool; the pool is not closed while fn runs. */
  withDatabase<T>(tenant: Tenant, fn: (db: SqlDatabase) => Promise<T>): Promise<T>;
  /** A SqlDatabase bound to the tenant whose every call leases the current pool; its close() is a no-op. */
  database(tenant: Tenant): SqlDatabase;
  /** Closes the pool of one datenbank id (e.g. after a management change). */
  closeTenant(datenbankId: number): Promise<void>;
  stats(): TenantRegistryStats;
  close(): Promise<void>;
}

/** Startup options every proxy connection carries (PERFORMANCE-NOTES: both speed up the fast queries). */
export const SESSION_OPTIONS = '-c jit=off -c max_parallel_workers_per_gather=0';

type CloseReason = 'idle' | 'budget' | 'replaced' | 'closed';

interface PoolEntry {
  readonly datenbankId: number;
  readonly connectionString: string;
  readonly db: SqlDatabase;
  readonly maxConnections: number;
  leases: number;
  lastUsedMs: number;
  retiredFor?: CloseReason;
}

export function createTenantRegistry(options: TenantRegistryOptions): TenantRegistry {
  const now = options.now ?? (() => performance.now());
  const parse = options.parseConnectionString ?? ((s: string) => parseDatabaseLocator(s));
  const createDatabase = options.createDatabase ?? createPgDatabase;
  const perTenantCap = Math.max(1, Math.floor(options.maxConnectionsPerTenant));
  const totalCap = Math.max(perTenantCap, Math.floor(options.maxConnectionsTotal));
  const registers = options.registry ? [options.registry] : [];

  // Map order is recency: every use re-inserts the entry at the end.
  const active = new Map<number, PoolEntry>();
  const draining = new Set<PoolEntry>();
  const closing = new Set<Promise<void>>();
  let closed = false;
  let sweepTimer: NodeJS.Timeout | undefined;

  const budgeted = () => {
    let sum = 0;
    for (const e of active.values()) sum += e.maxConnections;
    for (const e of draining) sum += e.maxConnections;
    return sum;
  };

  new Gauge({
    name: 'edge_tenant_pools',
    help: 'Open tenant database pools',
    registers,
    collect() {
      this.set(active.size);
    },
  });
  new Gauge({
    name: 'edge_tenant_pool_connections_budgeted',
    help: 'Sum of the connection caps of open and draining tenant pools',
    registers,
    collect() {
      this.set(budgeted());
    },
  });
  const opened = new Counter({
    name: 'edge_tenant_pools_opened_total',
    help: 'Tenant pools opened',
    registers,
  });
  const closedTotal = new Counter({
    name: 'edge_tenant_pools_closed_total',
    help: 'Tenant pools closed, by reason (idle, budget, replaced, closed)',
    labelNames: ['reason'],
    registers,
  });

  const finish = (entry: PoolEntry, reason: CloseReason) => {
    closedTotal.inc({ reason });
    options.logger?.info({ datenbankId: entry.datenbankId, reason }, 'tenant pool closed');
    const done = entry.db
      .close()
      .catch((err: unknown) =>
        options.logger?.warn({ datenbankId: entry.datenbankId, err }, 'closing a tenant pool failed'),
      )
      .finally(() => closing.delete(done));
    closing.add(done);
  };

  /** Takes the entry out of service; it closes now if idle, else when its last lease ends. */
  const retire = (entry: PoolEntry, reason: CloseReason) => {
    if (active.get(entry.datenbankId) === entry) active.delete(entry.datenbankId);
    entry.retiredFor = reason;
    if (entry.leases === 0) finish(entry, reason);
    else draining.add(entry);
  };

  const sweep = () => {
    const t = now();
    for (const entry of [...active.values()]) {
      if (entry.leases === 0 && t - entry.lastUsedMs >= options.idleCloseMs) retire(entry, 'idle');
    }
  };

  const startSweeper = () => {
    if (sweepTimer || closed) return;
    const interval = options.sweepIntervalMs ?? Math.max(1_000, Math.min(30_000, options.idleCloseMs / 2));
    sweepTimer = setInterval(sweep, interval);
    sweepTimer.unref();
  };

  const poolConfig = (tenant: Tenant): pg.PoolConfig => {
    let config: pg.PoolConfig;
    try {
      config = parse(tenant.connectionString);
    } catch (err) {
      if (isEdgeError(err)) throw err; // the codec's messages never echo values
      throw new EdgeError(
        'EDGE_AUTH_CONNECTION_STRING',
        `connection string of datenbank ${tenant.datenbankId} could not be parsed`,
      );
    }
    const max = Math.min(config.max ?? perTenantCap, perTenantCap);
    const timeouts = [config.statement_timeout, options.statementTimeoutMs].filter(
      (t): t is number => typeof t === 'number' && t > 0,
    );
    const statementTimeout = timeouts.length > 0 ? Math.min(...timeouts) : undefined;
    return {
      ...config,
      max,
      min: Math.min(config.min ?? 0, max),
      options: config.options ? `${config.options} ${SESSION_OPTIONS}` : SESSION_OPTIONS,
      application_name: config.application_name ?? options.applicationName ?? 'arzti-edge',
      ...(statementTimeout === undefined
        ? {}
        : { statement_timeout: statementTimeout, query_timeout: statementTimeout }),
    };
  };

  const acquire = (tenant: Tenant): PoolEntry => {
    if (closed) throw new EdgeError('EDGE_SQL_UNAVAILABLE', 'the tenant registry is closed');
    const existing = active.get(tenant.datenbankId);
    if (existing && existing.connectionString === tenant.connectionString) {
      active.delete(tenant.datenbankId);
      active.set(tenant.datenbankId, existing);
      return existing;
    }
    if (existing) retire(existing, 'replaced');

    const config = poolConfig(tenant);
    const cap = config.max as number;
    // Make room: close least recently used idle pools; pools with statements in flight are never cut.
    for (const candidate of [...active.values()]) {
      if (budgeted() + cap <= totalCap) break;
      if (candidate.leases === 0) retire(candidate, 'budget');
    }
    if (budgeted() + cap > totalCap) {
      throw new EdgeError('EDGE_SQL_UNAVAILABLE', `tenant connection budget of ${totalCap} exhausted`);
    }
    const entry: PoolEntry = {
      datenbankId: tenant.datenbankId,
      connectionString: tenant.connectionString,
      db: createDatabase(config),
      maxConnections: cap,
      leases: 0,
      lastUsedMs: now(),
    };
    active.set(tenant.datenbankId, entry);
    opened.inc();
    options.logger?.info(
      { datenbankId: tenant.datenbankId, target: redactConnectionString(tenant.connectionString), max: cap },
      'tenant pool opened',
    );
    startSweeper();
    return entry;
  };

  const withDatabase = async <T>(tenant: Tenant, fn: (db: SqlDatabase) => Promise<T>): Promise<T> => {
    const entry = acquire(tenant);
    entry.leases += 1;
    entry.lastUsedMs = now();
    try {
      return await fn(entry.db);
    } finally {
      entry.leases -= 1;
      entry.lastUsedMs = now();
      if (entry.leases === 0 && draining.delete(entry)) finish(entry, entry.retiredFor ?? 'replaced');
    }
  };

  return {
    withDatabase,

    database(tenant) {
      const query = <Row>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>> =>
        withDatabase(tenant, (db) => db.query<Row>(text, params));
      return {
        query,
        transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
          withDatabase(tenant, (db) => db.transaction(fn)),
        close: async () => undefined,
      };
    },

    async closeTenant(datenbankId) {
      const entry = active.get(datenbankId);
      if (entry) retire(entry, 'replaced');
      await Promise.all([...closing]);
    },

    stats: () => ({ pools: active.size, draining: draining.size, budgetedConnections: budgeted() }),

    async close() {
      if (closed) return;
      closed = true;
      if (sweepTimer) clearInterval(sweepTimer);
      for (const entry of [...active.values(), ...draining]) {
        active.delete(entry.datenbankId);
        draining.delete(entry);
        finish(entry, 'closed');
      }
      await Promise.all([...closing]);
    },
  };
}
