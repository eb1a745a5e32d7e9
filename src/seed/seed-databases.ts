// Creates (or drops and re-creates) the management and tenant databases on one PostgreSQL server via
// an admin connection, then seeds them. Used by the seed CLI; tests call seedTenant/seedManagement.
import pg from 'pg';
import { hash32 } from './prng.js';
import { seedManagement, type ManagementSeedReport } from './seed-management.js';
import { seedTenant, type TenantSeedReport } from './seed-tenant.js';

export interface SeedDatabasesOptions {
  /** postgres:// URL of a maintenance database with CREATE DATABASE rights. */
  adminUrl: string;
  managementDb: string;
  tenantDbs: readonly string[];
  prescriptions: number;
  newShare: number;
  seed: number;
  reset: boolean;
  batchHeads?: number;
  log: (line: string) => void;
}

export interface SeedDatabasesReport {
  /** postgres:// URL of the management DB without password. */
  managementUrl: string;
  management: ManagementSeedReport;
  tenants: Array<{ name: string; seed: number; report: TenantSeedReport }>;
}

/** The seed used for tenant database k (1-based): tenant 1 uses the seed itself. */
export function tenantSeed(seed: number, k: number): number {
  return k === 1 ? seed >>> 0 : hash32(seed, k);
}

export function databaseUrl(adminUrl: string, database: string, withPassword: boolean): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  if (!withPassword) url.password = '';
  return url.toString();
}

/** The Npgsql keyword connection string arzsw_datenbank stores for a database on the admin's server. */
export function npgsqlConnectionString(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  const password = decodeURIComponent(url.password);
  return (
    `Host=${url.hostname};Port=${url.port || '5432'};Database=${database};` +
    `Username=${decodeURIComponent(url.username || 'postgres')};` +
    (password ? `Password=${password};` : '') +
    'Pooling=true;'
  );
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export async function seedDatabases(options: SeedDatabasesOptions): Promise<SeedDatabasesReport> {
  const names = [options.managementDb, ...options.tenantDbs];
  for (const name of names) {
    if (!IDENT.test(name)) throw new Error(`database name ${JSON.stringify(name)} must match ${IDENT}`);
  }
  if (new Set(names).size !== names.length) throw new Error('database names must be distinct');

  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    for (const name of names) {
      if (options.reset) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE "${name}"`);
        options.log(`created database ${name}`);
      } else {
        options.log(`filling existing database ${name}`);
      }
    }
  } finally {
    await admin.end();
  }

  const withDb = async <T>(name: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> => {
    const pool = new pg.Pool({ connectionString: databaseUrl(options.adminUrl, name, true), max: 2 });
    pool.on('error', () => undefined);
    try {
      return await fn(pool);
    } finally {
      await pool.end();
    }
  };

  const management = await withDb(options.managementDb, (pool) =>
    seedManagement(pool, {
      seed: options.seed,
      tenants: options.tenantDbs.map((name) => ({
        name,
        connectionString: npgsqlConnectionString(options.adminUrl, name),
      })),
    }),
  );
  const tenants: SeedDatabasesReport['tenants'] = [];
  for (const [i, name] of options.tenantDbs.entries()) {
    const seed = tenantSeed(options.seed, i + 1);
    options.log(`seeding ${name}: ${options.prescriptions} prescriptions, seed ${seed}`);
    const report = await withDb(name, (pool) =>
      seedTenant(pool, {
        prescriptions: options.prescriptions,
        newShare: options.newShare,
        seed,
        batchHeads: options.batchHeads,
        log: options.log,
      }),
    );
    tenants.push({ name, seed, report });
  }
  return { managementUrl: databaseUrl(options.adminUrl, options.managementDb, false), management, tenants };
}
