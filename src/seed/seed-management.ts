// Fills the management (ArzSw) database: schema if absent, mandanten, tenant database rows, demo users,
// sequences. Refuses a database that already has users.
import { createInsertWriter } from './insert-writer.js';
import {
  BENUTZER,
  DATENBANK,
  MANDANT,
  managementRows,
  type SeededUser,
  type TenantDatabaseRef,
} from './management-rows.js';
import { loadSchema } from './schema-loader.js';
import { normaliseTarget, type SeedTarget } from './seed-target.js';
import { syncSequences } from './sequences.js';

export interface SeedManagementOptions {
  tenants: readonly TenantDatabaseRef[];
  seed?: number;
}

export interface ManagementSeedReport {
  schema: 'created' | 'existing';
  users: SeededUser[];
  tenants: readonly TenantDatabaseRef[];
}

export async function seedManagement(
  target: SeedTarget,
  options: SeedManagementOptions,
): Promise<ManagementSeedReport> {
  const db = normaliseTarget(target);
  const present = await db.query<{ present: boolean }>(
    `SELECT to_regclass('public.arzsw_benutzer') IS NOT NULL AS present`,
  );
  const schema = present.rows[0]?.present ? 'existing' : 'created';
  const rows = managementRows(options.tenants, (options.seed ?? 42) >>> 0);
  await db.session(async (exec) => {
    if (schema === 'created') await loadSchema(exec, 'arzsw');
    const used = await exec.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM arzsw_benutzer)::int + (SELECT count(*) FROM arzsw_datenbank)::int AS n`,
    );
    if ((used.rows[0]?.n ?? 0) > 0) {
      throw new Error(
        'the management database already has users or databases; seed an empty one (CLI: --reset)',
      );
    }
    const writer = createInsertWriter(exec);
    await writer.write(MANDANT, rows.mandanten);
    await writer.write(DATENBANK, rows.datenbanken);
    await writer.write(BENUTZER, rows.benutzer);
    await syncSequences(exec);
  });
  return { schema, users: rows.users, tenants: options.tenants };
}
