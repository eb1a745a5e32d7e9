// The demo's three in-process databases (management + two tenants) on PGlite: legacy schemas, generated
// data and demo users from the seed library, and the project's migrations, so the NOTIFY triggers the
// proxy relies on exist exactly as in production. Nothing here touches the network or the disk.
import { createPgliteDatabase, type PgliteDatabase } from '../adapters/pglite/pglite-database.js';
import { createPglite, snapshotPglite } from '../adapters/pglite/pglite-factory.js';
import { createPgliteRegistry, type PgliteRegistry } from '../adapters/pglite/pglite-registry.js';
import type { SqlDatabase } from '../core/sql-port.js';
import { applyMigrationsTo } from '../migrate/apply-migrations.js';
import type { MigrationScope } from '../migrate/migration-files.js';
import { tenantSeed } from '../seed/seed-databases.js';
import { seedManagement } from '../seed/seed-management.js';
import { seedTenant } from '../seed/seed-tenant.js';
import type { SeededUser, TenantDatabaseRef } from '../seed/management-rows.js';

export interface DemoTenantSpec {
  readonly name: string;
  readonly prescriptions: number;
}

export interface DemoDataOptions {
  /** Default: demo_apoti_1 with 3000 and demo_apoti_2 with 2000 prescriptions. */
  readonly tenants?: readonly DemoTenantSpec[];
  /**
   * Share of "new" prescriptions. 20% instead of the generator's 5% keeps the new list long, and a
   * demo that marks a few as transferred never empties page 1.
   */
  readonly newShare?: number;
  /** Seed of the generated data and bcrypt salts: every demo start shows the same rows. */
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface DemoTenant extends TenantDatabaseRef {
  /** arzsw_datenbank id (1-based, in spec order). */
  readonly datenbankId: number;
  readonly prescriptions: number;
  readonly db: SqlDatabase;
}

export interface DemoDatabases {
  readonly management: PgliteDatabase;
  readonly tenants: readonly DemoTenant[];
  /** Resolves the tenants' connection strings (as arzsw_datenbank stores them) to their databases. */
  readonly registry: PgliteRegistry;
  readonly users: readonly SeededUser[];
  /** Closes every instance. Idempotent. */
  close(): Promise<void>;
}

export const DEMO_TENANTS: readonly DemoTenantSpec[] = Object.freeze([
  { name: 'demo_apoti_1', prescriptions: 3000 },
  { name: 'demo_apoti_2', prescriptions: 2000 },
]);

/** What arzsw_datenbank stores for a demo tenant. No password: the registry ignores credentials. */
export function demoConnectionString(database: string): string {
  return `Host=pglite.demo;Port=5432;Database=${database};Username=arzti;Pooling=true`;
}

async function migrate(db: SqlDatabase, scope: MigrationScope, target: string): Promise<void> {
  const report = await applyMigrationsTo(db, scope, { target });
  if (report.status !== 'ok') {
    throw new Error(`demo: ${scope} migrations failed on ${target}: ${report.errors.join('; ')}`);
  }
}

export async function createDemoDatabases(options: DemoDataOptions = {}): Promise<DemoDatabases> {
  const log = options.log ?? (() => undefined);
  const specs = options.tenants ?? DEMO_TENANTS;
  const seed = (options.seed ?? 42) >>> 0;
  const newShare = options.newShare ?? 0.2;
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

  const registry = createPgliteRegistry();
  const opened: PgliteDatabase[] = [];
  const closeAll = async () => {
    await registry.close();
    await Promise.allSettled(opened.map((db) => db.close()));
  };

  try {
    // initdb costs seconds per instance; it runs once and the other instances start from its files.
    const first = await createPglite();
    const template = await snapshotPglite(first);
    const tenantDbs: PgliteDatabase[] = [createPgliteDatabase(first)];
    opened.push(tenantDbs[0] as PgliteDatabase);
    for (let i = 1; i < specs.length; i += 1) {
      const db = createPgliteDatabase(await createPglite({ from: template }));
      opened.push(db);
      tenantDbs.push(db);
    }
    const management = createPgliteDatabase(await createPglite({ from: template }));
    opened.push(management);
    log(`  ${specs.length + 1} PGlite databases up (${elapsed()})`);

    const tenants: DemoTenant[] = [];
    for (const [i, spec] of specs.entries()) {
      const db = tenantDbs[i] as PgliteDatabase;
      await seedTenant(db, {
        prescriptions: spec.prescriptions,
        newShare,
        seed: tenantSeed(seed, i + 1),
        writer: 'insert',
      });
      await migrate(db, 'tenant', spec.name);
      const connectionString = demoConnectionString(spec.name);
      registry.register(connectionString, db);
      tenants.push({
        name: spec.name,
        connectionString,
        datenbankId: i + 1,
        prescriptions: spec.prescriptions,
        db,
      });
      log(`  ${spec.name}: ${spec.prescriptions} prescriptions generated, triggers installed (${elapsed()})`);
    }

    const seeded = await seedManagement(management, { tenants, seed });
    await migrate(management, 'management', 'demo_arzsw');
    log(`  demo_arzsw: ${seeded.users.length} users, auth triggers installed (${elapsed()})`);

    return { management, tenants, registry, users: seeded.users, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
