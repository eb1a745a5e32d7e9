// One migration run over the whole estate: the management (ArzSw) database, then every distinct tenant
// database listed in its arzsw_datenbank table. A tenant that fails or cannot be reached is reported
// and the run goes on; the overall result is then not ok. Messages name host:port/database only.
import type pg from 'pg';
import { createPgDatabase } from '../adapters/postgres/pg-database.js';
import { parseDatabaseLocator } from '../core/npgsql-connection-string.js';
import type { SqlDatabase } from '../core/sql-port.js';
import { applyMigrationsTo, revertMigrationIn, type DatabaseReport } from './apply-migrations.js';
import { defaultMigrationsDir, loadMigrations, type MigrationScope } from './migration-files.js';

export interface RunMigrationsOptions {
  /** The management DB: an open SqlDatabase (not closed here) or a postgres:// URL / Npgsql string. */
  management: SqlDatabase | string;
  dryRun?: boolean;
  log?: (line: string) => void;
  /** Restrict the run to one scope (the management DB is still read to list tenants). */
  only?: MigrationScope;
  /** Revert this migration (`NNN_name`) instead of applying pending ones. */
  down?: string;
  /** Root holding management/ and tenant/ (default: <repo>/sql/migrations). */
  migrationsDir?: string;
  /** Opens a database from a pg config (default: createPgDatabase); tests may wrap it. */
  connect?: (config: pg.PoolConfig) => SqlDatabase;
}

export interface RunReport {
  ok: boolean;
  databases: DatabaseReport[];
}

/** host:port/database of a pg config, never user or password. */
export function describeTarget(config: pg.PoolConfig): string {
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}`;
    } catch {
      return '(unparsable URL)';
    }
  }
  return `${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
}

const defaultConnect = (config: pg.PoolConfig): SqlDatabase =>
  createPgDatabase({ connectionTimeoutMillis: 10_000, ...config, max: 2 });

interface TenantTarget {
  label: string;
  config?: pg.PoolConfig;
  problem?: string;
}

async function listTenants(management: SqlDatabase): Promise<TenantTarget[]> {
  const { rows } = await management.query<{ ids: string; connection_string: string }>(
    `SELECT string_agg(arzsw_datenbank_id::text, ',' ORDER BY arzsw_datenbank_id) AS ids,
            datenbank_connection_string AS connection_string
       FROM arzsw_datenbank GROUP BY datenbank_connection_string ORDER BY min(arzsw_datenbank_id)`,
  );
  const targets = new Map<string, TenantTarget>();
  for (const row of rows) {
    try {
      const config = parseDatabaseLocator(row.connection_string);
      const label = describeTarget(config);
      // Two spellings of one database (e.g. differing Pooling=) are migrated once.
      if (!targets.has(label)) targets.set(label, { label, config });
    } catch (err) {
      const label = `arzsw_datenbank ${row.ids}`;
      targets.set(label, { label, problem: `connection string not usable: ${(err as Error).message}` });
    }
  }
  return [...targets.values()];
}

export async function runMigrations(options: RunMigrationsOptions): Promise<RunReport> {
  const log = options.log ?? (() => undefined);
  const connect = options.connect ?? defaultConnect;
  const dir = options.migrationsDir ?? defaultMigrationsDir();
  const migrations = { management: loadMigrations(dir, 'management'), tenant: loadMigrations(dir, 'tenant') };
  const common = { dryRun: options.dryRun ?? false, log, dir };
  const databases: DatabaseReport[] = [];
  const runOn = (db: SqlDatabase, scope: MigrationScope, target: string) => {
    const scoped = { ...common, target, migrations: migrations[scope] };
    return options.down === undefined
      ? applyMigrationsTo(db, scope, scoped)
      : revertMigrationIn(db, scope, options.down, scoped);
  };
  const wants = (scope: MigrationScope) =>
    (options.only === undefined || options.only === scope) &&
    (options.down === undefined || migrations[scope].some((m) => m.name === options.down));
  if (options.down !== undefined && !wants('management') && !wants('tenant')) {
    throw new Error(
      `no migration named ${options.down} in ${dir}${options.only ? ` (${options.only})` : ''}`,
    );
  }

  const ownManagement = typeof options.management === 'string';
  const managementConfig =
    typeof options.management === 'string' ? parseDatabaseLocator(options.management) : undefined;
  const management =
    typeof options.management === 'string' ? connect(managementConfig as pg.PoolConfig) : options.management;
  const managementLabel = managementConfig ? describeTarget(managementConfig) : 'management database';
  try {
    if (wants('management')) databases.push(await runOn(management, 'management', managementLabel));
    if (wants('tenant')) {
      let tenants: TenantTarget[];
      try {
        tenants = await listTenants(management);
      } catch (err) {
        databases.push({
          scope: 'tenant',
          target: `(tenants listed in ${managementLabel})`,
          status: 'error',
          applied: [],
          upToDate: [],
          reverted: [],
          errors: [`could not list tenant databases: ${(err as Error).message}`],
          warnings: [],
          dryRun: common.dryRun,
        });
        tenants = [];
      }
      for (const tenant of tenants) {
        if (!tenant.config) {
          databases.push({
            scope: 'tenant',
            target: tenant.label,
            status: 'error',
            applied: [],
            upToDate: [],
            reverted: [],
            errors: [tenant.problem ?? 'unusable'],
            warnings: [],
            dryRun: common.dryRun,
          });
          continue;
        }
        const db = connect(tenant.config);
        try {
          databases.push(await runOn(db, 'tenant', tenant.label));
        } finally {
          await db.close().catch(() => undefined);
        }
      }
    }
  } finally {
    if (ownManagement) await management.close().catch(() => undefined);
  }
  return { ok: databases.every((d) => d.status === 'ok'), databases };
}
