// The seed CLI's library path: creates a management DB and two tenant DBs on the local server, with
// the demo users (auth edge cases) and Npgsql connection strings; --reset re-creates them identically.
import { verifySync } from '@node-rs/bcrypt';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDatabaseLocator } from '../../../src/core/npgsql-connection-string.js';
import { seedDatabases, type SeedDatabasesReport } from '../../../src/seed/seed-databases.js';
import { withAdmin } from '../../support/pg-databases.js';
import { describeWith } from '../../support/needs.js';
import { PG_ADMIN_URL } from '../../support/services.js';
import { tableDigests } from './table-digest.js';

describeWith(['postgres'], 'seedDatabases (seed CLI)', () => {
  const prefix = `edge_test_seedcli_${randomBytes(4).toString('hex')}`;
  const names = { management: `${prefix}_arzsw`, tenants: [`${prefix}_apoti_1`, `${prefix}_apoti_2`] };
  const options = {
    adminUrl: PG_ADMIN_URL,
    managementDb: names.management,
    tenantDbs: names.tenants,
    prescriptions: 200,
    newShare: 0.05,
    seed: 42,
    reset: false,
    log: () => undefined,
  };
  let report: SeedDatabasesReport;
  let management: pg.Client;

  beforeAll(async () => {
    report = await seedDatabases(options);
    management = new pg.Client(parseDatabaseLocator(report.managementUrl));
    await management.connect();
  });

  afterAll(async () => {
    await management?.end();
    await withAdmin(async (c) => {
      for (const name of [names.management, ...names.tenants])
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  });

  it('reports the management URL without a password and one arzsw_datenbank row per tenant DB', async () => {
    expect(report.managementUrl).toMatch(new RegExp(`/${names.management}$`));
    expect(new URL(report.managementUrl).password).toBe('');
    const { rows } = await management.query<{ datenbank_name: string; datenbank_connection_string: string }>(
      'SELECT datenbank_name, datenbank_connection_string FROM arzsw_datenbank ORDER BY arzsw_datenbank_id',
    );
    expect(rows.map((r) => r.datenbank_name)).toEqual(names.tenants);
    for (const row of rows) {
      expect(row.datenbank_connection_string).toMatch(
        /^Host=[^;]+;Port=\d+;Database=[^;]+;Username=[^;]+;(Password=[^;]*;)?Pooling=true;$/,
      );
      // each stored string reaches its tenant DB
      const tenant = new pg.Client(parseDatabaseLocator(row.datenbank_connection_string));
      await tenant.connect();
      try {
        const n = await tenant.query<{ n: number }>('SELECT count(*)::int AS n FROM er_senderezepte_erezept');
        expect(n.rows[0]?.n).toBe(120);
      } finally {
        await tenant.end();
      }
    }
  });

  it('creates the authentication edge-case users', async () => {
    const { rows } = await management.query<{
      login_name: string;
      login_passwort: string;
      login_passwort_crypt: string | null;
      arzsw_datenbank_id: number;
      arzsw_mandant_id: number;
    }>(
      'SELECT login_name, login_passwort, login_passwort_crypt, arzsw_datenbank_id, arzsw_mandant_id FROM arzsw_benutzer',
    );
    const byLogin = new Map(rows.map((r) => [r.login_name, r]));
    for (const user of report.management.users) {
      const row = byLogin.get(user.login);
      expect(row, user.login).toBeDefined();
      if (row?.login_passwort_crypt)
        expect(verifySync(user.password, row.login_passwort_crypt), user.login).toBe(true);
      else expect(row?.login_passwort).toBe(user.password);
    }
    expect(
      rows.some((r) => r.login_name === 'apotheke_müller' && r.login_passwort_crypt?.startsWith('$2a$10$')),
    ).toBe(true);
    expect(rows.some((r) => r.login_passwort_crypt?.startsWith('$2b$10$'))).toBe(true);
    expect(report.management.users.some((u) => u.password.includes(':') && u.kind.startsWith('bcrypt'))).toBe(
      true,
    );
    expect(rows.some((r) => r.login_passwort === '' && r.login_passwort_crypt === null)).toBe(true);
    const perDb = await management.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM arzsw_benutzer GROUP BY arzsw_datenbank_id ORDER BY 1 DESC LIMIT 1',
    );
    expect(perDb.rows[0]?.n).toBeGreaterThanOrEqual(2);
    // the bookkeeping sequences follow the explicit ids
    const next = await management.query<{ n: string }>(
      `SELECT nextval(pg_get_serial_sequence('arzsw_benutzer', 'arzsw_benutzer_id'))::text AS n`,
    );
    expect(Number(next.rows[0]?.n)).toBe(rows.length + 1);
  });

  it('gives the tenants different data and refuses to refill without --reset; --reset reproduces it', async () => {
    const digest = async (db: string) => {
      const c = new pg.Client({ connectionString: `${PG_ADMIN_URL.replace(/\/[^/]*$/, '')}/${db}` });
      await c.connect();
      try {
        return await tableDigests(c);
      } finally {
        await c.end();
      }
    };
    const before = await Promise.all([names.management, ...names.tenants].map(digest));
    expect(before[1]?.er_senderezepte_erezept_daten).not.toBe(before[2]?.er_senderezepte_erezept_daten);
    await expect(seedDatabases(options)).rejects.toThrow(/already has users|already holds data/);
    await management.end();
    const again = await seedDatabases({ ...options, reset: true });
    management = new pg.Client(parseDatabaseLocator(again.managementUrl));
    await management.connect();
    expect(await Promise.all([names.management, ...names.tenants].map(digest))).toEqual(before);
  }, 60_000);
});
