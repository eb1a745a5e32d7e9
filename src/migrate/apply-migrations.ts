// Applies (or reverts) the migrations of one scope to one database and keeps the bookkeeping table
// arzti_edge_migrations there. Transactional files run in one transaction with their bookkeeping row;
// `-- edge:no-transaction` files run statement by statement. Never touches other databases.
import type { SqlDatabase, SqlExecutor } from '../core/sql-port.js';
import {
  defaultMigrationsDir,
  loadMigrations,
  migrationKey,
  type Migration,
  type MigrationScope,
  type MigrationScript,
} from './migration-files.js';

export const BOOKKEEPING_TABLE = 'arzti_edge_migrations';

const CREATE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_TABLE} (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;
/** Serialises concurrent runners on the same database (transaction-scoped advisory lock). */
const LOCK = `SELECT pg_advisory_xact_lock(hashtext('${BOOKKEEPING_TABLE}'))`;

export interface MigrationOptions {
  /** Root holding management/ and tenant/ (default: <repo>/sql/migrations). */
  dir?: string;
  /** Report what would run; change nothing (not even the bookkeeping table). */
  dryRun?: boolean;
  log?: (line: string) => void;
  /** Label for messages (host:port/database); default: current_database(). */
  target?: string;
  /** Pre-loaded migrations (default: read from `dir`). */
  migrations?: readonly Migration[];
}

export interface DatabaseReport {
  scope: MigrationScope;
  target: string;
  status: 'ok' | 'error' | 'unreachable';
  /** Applied (or, with dryRun, to be applied) by this run, in order. */
  applied: string[];
  /** Already applied earlier. */
  upToDate: string[];
  /** Reverted (or, with dryRun, to be reverted) by this run. */
  reverted: string[];
  errors: string[];
  warnings: string[];
  dryRun: boolean;
}

interface AppliedRow {
  name: string;
  checksum: string;
}

function emptyReport(scope: MigrationScope, target: string, dryRun: boolean): DatabaseReport {
  return {
    scope,
    target,
    status: 'ok',
    applied: [],
    upToDate: [],
    reverted: [],
    errors: [],
    warnings: [],
    dryRun,
  };
}

/** The first round trip: proves the database answers and names it. Failure means "unreachable". */
async function probe(db: SqlExecutor, report: DatabaseReport, given?: string): Promise<boolean> {
  try {
    const { rows } = await db.query<{ db: string }>('SELECT current_database() AS db');
    report.target = given ?? rows[0]?.db ?? '?';
    return true;
  } catch (err) {
    report.status = 'unreachable';
    report.errors.push(`not reachable: ${(err as Error).message}`);
    return false;
  }
}

async function readApplied(db: SqlExecutor, scope: MigrationScope, create: boolean): Promise<AppliedRow[]> {
  if (create) await db.query(CREATE_BOOKKEEPING);
  else {
    const { rows } = await db.query<{ present: boolean }>(
      `SELECT to_regclass('${BOOKKEEPING_TABLE}') IS NOT NULL AS present`,
    );
    if (!rows[0]?.present) return [];
  }
  const { rows } = await db.query<AppliedRow>(
    `SELECT name, checksum FROM ${BOOKKEEPING_TABLE} WHERE name LIKE $1 ORDER BY name`,
    [`${scope}/%`],
  );
  return rows;
}

/** Index names a CREATE INDEX CONCURRENTLY in the script creates (checked for validity afterwards). */
function concurrentIndexNames(script: MigrationScript): string[] {
  const names: string[] = [];
  const re =
    /CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?("?)([A-Za-z_][\w$]*)\1/gi;
  for (const statement of script.statements)
    for (const m of statement.matchAll(re)) names.push(m[2] as string);
  return names;
}

function statementLabel(script: MigrationScript, index: number): string {
  const text = (script.statements[index] ?? '').replace(/^(\s*--[^\n]*\n)+/, '').split('\n', 1)[0] ?? '';
  return `statement ${index + 1} (${text.slice(0, 80)})`;
}

async function runScript(exec: SqlExecutor, script: MigrationScript): Promise<void> {
  for (const [i, statement] of script.statements.entries()) {
    try {
      await exec.query(statement);
    } catch (err) {
      throw new Error(`${statementLabel(script, i)}: ${(err as Error).message}`, { cause: err });
    }
  }
}

async function applyOne(db: SqlDatabase, migration: Migration): Promise<'applied' | 'raced'> {
  const { up } = migration;
  if (!up.noTransaction) {
    return db.transaction(async (tx) => {
      await tx.query(LOCK);
      const seen = await tx.query(`SELECT 1 FROM ${BOOKKEEPING_TABLE} WHERE name = $1`, [migration.key]);
      if (seen.rowCount > 0) return 'raced';
      await runScript(tx, up);
      await tx.query(`INSERT INTO ${BOOKKEEPING_TABLE} (name, checksum) VALUES ($1, $2)`, [
        migration.key,
        migration.checksum,
      ]);
      return 'applied';
    });
  }
  await runScript(db, up);
  const indexes = concurrentIndexNames(up);
  if (indexes.length > 0) {
    const invalid = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE NOT i.indisvalid AND c.relname = ANY($1::text[]) AND pg_table_is_visible(c.oid)`,
      [indexes],
    );
    if (invalid.rowCount > 0) {
      throw new Error(
        `INVALID index(es) after a concurrent build: ${invalid.rows.map((r) => r.name).join(', ')} ` +
          `(run the .down.sql, then migrate again)`,
      );
    }
  }
  const inserted = await db.query(
    `INSERT INTO ${BOOKKEEPING_TABLE} (name, checksum) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
    [migration.key, migration.checksum],
  );
  return inserted.rowCount > 0 ? 'applied' : 'raced';
}

/**
 * Applies the pending migrations of `scope` to `db`, in order; stops at the first failure. An applied
 * migration whose file changed (checksum) is an error and blocks the rest for this database.
 */
export async function applyMigrationsTo(
  db: SqlDatabase,
  scope: MigrationScope,
  options: MigrationOptions = {},
): Promise<DatabaseReport> {
  const dryRun = options.dryRun ?? false;
  const log = options.log ?? (() => undefined);
  const migrations = options.migrations ?? loadMigrations(options.dir ?? defaultMigrationsDir(), scope);
  const report = emptyReport(scope, options.target ?? '?', dryRun);
  if (!(await probe(db, report, options.target))) return report;
  try {
    const applied = await readApplied(db, scope, !dryRun);
    const known = new Map(migrations.map((m) => [m.key, m]));
    const appliedKeys = new Set(applied.map((row) => row.name));
    for (const row of applied) {
      const file = known.get(row.name);
      if (!file) report.warnings.push(`${row.name} is recorded as applied but has no file here`);
      else if (file.checksum !== row.checksum) {
        report.errors.push(
          `${row.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ` +
            `${file.checksum.slice(0, 12)}… on disk); add a new migration instead of editing an applied one`,
        );
      } else report.upToDate.push(file.name);
    }
    if (report.errors.length > 0) {
      report.status = 'error';
      return report;
    }
    for (const migration of migrations) {
      if (appliedKeys.has(migration.key)) continue;
      if (dryRun) {
        report.applied.push(migration.name);
        log(
          `${scope} ${report.target}: would apply ${migration.name}${migration.up.noTransaction ? ' (no transaction)' : ''}`,
        );
        continue;
      }
      const started = performance.now();
      const outcome = await applyOne(db, migration).catch((err: unknown) => {
        report.errors.push(`${migration.name}: ${(err as Error).message}`);
        return 'failed' as const;
      });
      if (outcome === 'failed') break;
      if (outcome === 'raced') report.upToDate.push(migration.name);
      else report.applied.push(migration.name);
      log(
        `${scope} ${report.target}: ${outcome === 'raced' ? 'already applied by another run:' : 'applied'} ` +
          `${migration.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
  } catch (err) {
    report.errors.push((err as Error).message);
  }
  if (report.errors.length > 0 && report.status === 'ok') report.status = 'error';
  return report;
}

/** Runs the down script of one applied migration and removes its bookkeeping row. */
export async function revertMigrationIn(
  db: SqlDatabase,
  scope: MigrationScope,
  name: string,
  options: MigrationOptions = {},
): Promise<DatabaseReport> {
  const dryRun = options.dryRun ?? false;
  const log = options.log ?? (() => undefined);
  const migrations = options.migrations ?? loadMigrations(options.dir ?? defaultMigrationsDir(), scope);
  const report = emptyReport(scope, options.target ?? '?', dryRun);
  if (!(await probe(db, report, options.target))) return report;
  try {
    const migration = migrations.find((m) => m.name === name);
    if (!migration) throw new Error(`no migration ${migrationKey(scope, name)} on disk`);
    const applied = await readApplied(db, scope, false);
    if (!applied.some((row) => row.name === migration.key)) {
      report.warnings.push(`${migration.name} is not applied here; nothing to revert`);
      return report;
    }
    if (dryRun) {
      report.reverted.push(migration.name);
      log(`${scope} ${report.target}: would revert ${migration.name}`);
      return report;
    }
    const remove = (exec: SqlExecutor) =>
      exec.query(`DELETE FROM ${BOOKKEEPING_TABLE} WHERE name = $1`, [migration.key]);
    if (migration.down.noTransaction) {
      await runScript(db, migration.down);
      await remove(db);
    } else {
      await db.transaction(async (tx) => {
        await tx.query(LOCK);
        await runScript(tx, migration.down);
        await remove(tx);
      });
    }
    report.reverted.push(migration.name);
    log(`${scope} ${report.target}: reverted ${migration.name}`);
  } catch (err) {
    report.errors.push((err as Error).message);
    report.status = 'error';
  }
  return report;
}
