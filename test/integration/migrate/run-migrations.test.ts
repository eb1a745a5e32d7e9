// The migration runner against a management DB and two tenant DBs it lists (fixture migrations from
// fixtures/basic): dry run, apply, idempotent re-run, CREATE INDEX CONCURRENTLY, down, rollback of a
// failing file, checksum mismatch, unreachable tenants, and the CLI never printing a password.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { applyMigrationsTo } from '../../../src/migrate/apply-migrations.js';
import { runMigrations } from '../../../src/migrate/run-migrations.js';
import { findRepoRoot } from '../../../src/migrate/repo-root.js';
import { seedManagement } from '../../../src/seed/seed-management.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';
import { describeWith } from '../../support/needs.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'basic');

describeWith(['postgres'], 'runMigrations', () => {
  let management: TestDatabase;
  const tenants: TestDatabase[] = [];
  const temps: string[] = [];

  const withClient = async <T>(db: TestDatabase, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const scalar = (db: TestDatabase, sql: string) =>
    withClient(db, async (c) => Object.values((await c.query(sql)).rows[0] ?? {})[0]);
  const applied = (db: TestDatabase) =>
    withClient(db, async (c) => {
      const exists = await c.query(`SELECT to_regclass('arzti_edge_migrations') IS NOT NULL AS e`);
      if (!exists.rows[0]?.e) return null;
      return (
        await c.query<{ name: string }>('SELECT name FROM arzti_edge_migrations ORDER BY name')
      ).rows.map((r) => r.name);
    });
  const copyFixtures = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-migrate-'));
    temps.push(dir);
    cpSync(FIXTURES, dir, { recursive: true });
    return dir;
  };

  beforeAll(async () => {
    management = await createTestDatabase('mig_mgmt', ['arzsw']);
    tenants.push(
      await createTestDatabase('mig_t1', ['apoti']),
      await createTestDatabase('mig_t2', ['apoti']),
    );
    const pool = new pg.Pool({ connectionString: management.url, max: 1 });
    try {
      await seedManagement(pool, {
        tenants: tenants.map((t) => ({ name: t.name, connectionString: t.npgsql })),
      });
    } finally {
      await pool.end();
    }
  });

  afterAll(async () => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    await Promise.all([management, ...tenants].filter(Boolean).map((db) => db.drop()));
  });

  it('--dry-run lists per database what would run and changes nothing', async () => {
    const lines: string[] = [];
    const report = await runMigrations({
      management: management.url,
      migrationsDir: FIXTURES,
      dryRun: true,
      log: (l) => lines.push(l),
    });
    expect(report.ok).toBe(true);
    expect(report.databases.map((d) => [d.scope, d.applied])).toEqual([
      ['management', ['001_edge_test_marker']],
      ['tenant', ['001_edge_test_index', '002_edge_test_trigger']],
      ['tenant', ['001_edge_test_index', '002_edge_test_trigger']],
    ]);
    expect(report.databases.map((d) => d.target)).toEqual(
      [management, ...tenants].map((db) => `127.0.0.1:5432/${db.name}`),
    );
    expect(lines.some((l) => l.includes('would apply 001_edge_test_index (no transaction)'))).toBe(true);
    for (const db of [management, ...tenants]) expect(await applied(db)).toBeNull();
  });

  it('applies to the management DB and every tenant DB, including CREATE INDEX CONCURRENTLY', async () => {
    const report = await runMigrations({ management: management.url, migrationsDir: FIXTURES });
    expect(report.ok).toBe(true);
    expect(await applied(management)).toEqual(['management/001_edge_test_marker']);
    expect(await scalar(management, 'SELECT arzti_edge_test_marker()')).toBe('management; marker');
    for (const t of tenants) {
      expect(await applied(t)).toEqual(['tenant/001_edge_test_index', 'tenant/002_edge_test_trigger']);
      expect(
        await scalar(
          t,
          `SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE c.relname IN ('arzti_edge_test_daten_open', 'arzti_edge_test_status_first') AND i.indisvalid`,
        ),
      ).toBe(2);
      expect(
        await scalar(t, `SELECT count(*)::int FROM pg_trigger WHERE tgname = 'arzti_edge_test_apotheke'`),
      ).toBe(1);
    }
  });

  it('is idempotent: a re-run applies nothing and keeps the bookkeeping rows', async () => {
    const before = await scalar(
      tenants[0] as TestDatabase,
      `SELECT string_agg(applied_at::text, ',' ORDER BY name) FROM arzti_edge_migrations`,
    );
    const report = await runMigrations({ management: management.url, migrationsDir: FIXTURES });
    expect(report.ok).toBe(true);
    for (const d of report.databases) expect(d.applied).toEqual([]);
    expect(report.databases[1]?.upToDate).toEqual(['001_edge_test_index', '002_edge_test_trigger']);
    expect(
      await scalar(
        tenants[0] as TestDatabase,
        `SELECT string_agg(applied_at::text, ',' ORDER BY name) FROM arzti_edge_migrations`,
      ),
    ).toBe(before);
  });

  it('--down reverses one migration where it is applied; the next run re-applies it', async () => {
    const report = await runMigrations({
      management: management.url,
      migrationsDir: FIXTURES,
      down: '001_edge_test_index',
    });
    expect(report.ok).toBe(true);
    expect(report.databases.map((d) => d.scope)).toEqual(['tenant', 'tenant']);
    for (const t of tenants) {
      expect(await applied(t)).toEqual(['tenant/002_edge_test_trigger']);
      expect(
        await scalar(t, `SELECT count(*)::int FROM pg_class WHERE relname LIKE 'arzti_edge_test_%'`),
      ).toBe(0);
    }
    const again = await runMigrations({
      management: management.url,
      migrationsDir: FIXTURES,
      only: 'tenant',
    });
    expect(again.databases.map((d) => d.applied)).toEqual([['001_edge_test_index'], ['001_edge_test_index']]);
  });

  it('rolls a failing transactional file back completely and stops there for that database', async () => {
    const dir = copyFixtures();
    writeFileSync(
      path.join(dir, 'tenant', '003_edge_test_broken.up.sql'),
      'CREATE TABLE arzti_edge_test_tmp (x int);\nSELECT 1/0;\n',
    );
    writeFileSync(
      path.join(dir, 'tenant', '003_edge_test_broken.down.sql'),
      'DROP TABLE IF EXISTS arzti_edge_test_tmp;\n',
    );
    writeFileSync(
      path.join(dir, 'tenant', '004_edge_test_after.up.sql'),
      'CREATE TABLE arzti_edge_test_after (x int);\n',
    );
    writeFileSync(
      path.join(dir, 'tenant', '004_edge_test_after.down.sql'),
      'DROP TABLE IF EXISTS arzti_edge_test_after;\n',
    );
    const db = createPgDatabase({ connectionString: (tenants[0] as TestDatabase).url, max: 2 });
    try {
      const report = await applyMigrationsTo(db, 'tenant', { dir });
      expect(report.status).toBe('error');
      expect(report.errors[0]).toMatch(/003_edge_test_broken: statement 2 \(SELECT 1\/0\): division by zero/);
      expect(
        await scalar(tenants[0] as TestDatabase, `SELECT to_regclass('arzti_edge_test_tmp')::text`),
      ).toBeNull();
      expect(
        await scalar(tenants[0] as TestDatabase, `SELECT to_regclass('arzti_edge_test_after')::text`),
      ).toBeNull();
      expect(await applied(tenants[0] as TestDatabase)).not.toContain('tenant/003_edge_test_broken');
    } finally {
      await db.close();
    }
  });

  it('reports an applied migration whose file changed (checksum) as an error', async () => {
    const dir = copyFixtures();
    appendFileSync(
      path.join(dir, 'tenant', '002_edge_test_trigger.up.sql'),
      '-- edited after it was applied\n',
    );
    const report = await runMigrations({ management: management.url, migrationsDir: dir });
    expect(report.ok).toBe(false);
    expect(report.databases[0]?.status).toBe('ok');
    for (const d of report.databases.slice(1)) {
      expect(d.status).toBe('error');
      expect(d.errors.join()).toMatch(/002_edge_test_trigger was changed after it was applied \(checksum/);
    }
  });

  it('reports unreachable tenant DBs, goes on with the others and never prints a password', async () => {
    await withClient(management, (c) =>
      c.query(`INSERT INTO arzsw_datenbank (arzsw_datenbank_id, datenbank_name, datenbank_connection_string, arzsw_mandant_id)
        VALUES (90, 'gone_port', 'Host=127.0.0.1;Port=1;Database=nowhere;Username=postgres;Password=Geheim-90;Timeout=3;', 1),
               (91, 'gone_db', 'Host=127.0.0.1;Port=5432;Database=edge_test_does_not_exist;Username=postgres;Password=Geheim-91;', 1),
               (92, 'broken', 'Host=127.0.0.1;Pasword=Geheim-92;', 1)`),
    );
    const dir = copyFixtures();
    writeFileSync(
      path.join(dir, 'tenant', '003_edge_test_more.up.sql'),
      'CREATE TABLE arzti_edge_test_more (x int);\n',
    );
    writeFileSync(
      path.join(dir, 'tenant', '003_edge_test_more.down.sql'),
      'DROP TABLE arzti_edge_test_more;\n',
    );
    const lines: string[] = [];
    const report = await runMigrations({
      management: management.url,
      migrationsDir: dir,
      log: (l) => lines.push(l),
    });
    expect(report.ok).toBe(false);
    const byTarget = new Map(report.databases.map((d) => [d.target, d]));
    expect(byTarget.get('127.0.0.1:1/nowhere')?.status).toBe('unreachable');
    expect(byTarget.get('127.0.0.1:5432/edge_test_does_not_exist')?.status).toBe('unreachable');
    expect(byTarget.get('arzsw_datenbank 92')?.status).toBe('error');
    for (const t of tenants)
      expect(byTarget.get(`127.0.0.1:5432/${t.name}`)?.applied).toEqual(['003_edge_test_more']);
    expect(JSON.stringify(report) + lines.join('\n')).not.toMatch(/Geheim/);

    // The CLI: same run as a process; exit code 1, host/db only, no password even in the management string.
    const cli = path.join(findRepoRoot(), 'src', 'migrate', 'main.ts');
    const tsx = path.join(findRepoRoot(), 'node_modules', '.bin', 'tsx');
    const npgsql = `${management.npgsql}Password=Geheim-CLI;`;
    const run = promisify(execFile);
    const result = await run(tsx, [cli, '--management-url', npgsql, '--dir', dir, '--dry-run'], {
      env: { ...process.env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/UNREACHABLE/);
    expect(result.stdout).toContain(`127.0.0.1:5432/${management.name}`);
    expect(result.stdout + result.stderr).not.toMatch(/Geheim/);
  }, 60_000);
});
