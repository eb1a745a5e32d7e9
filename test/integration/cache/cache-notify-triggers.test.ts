// Migration 002_cache_notify on a fresh apoti database: one compact NOTIFY per statement (and per
// transaction and table) for every watched table, none for statements that changed nothing or for
// unwatched tables; down.sql removes exactly what up.sql created.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { CACHE_TRIGGERS_CHECK_SQL } from '../../../src/invalidation/tenant-listener.js';
import { applyMigrationsTo, revertMigrationIn } from '../../../src/migrate/apply-migrations.js';
import { defaultMigrationsDir, loadMigrations } from '../../../src/migrate/migration-files.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';

const migrations = path.resolve(import.meta.dirname, '..', '..', '..', 'sql', 'migrations', 'tenant');
const upSql = () => readFile(path.join(migrations, '002_cache_notify.up.sql'), 'utf8');
const downSql = () => readFile(path.join(migrations, '002_cache_notify.down.sql'), 'utf8');

const PAYLOAD = /^(em16|prez|erez)[ds]?:\d{13}$|^apo:\d{13}$/;

describeWith(['postgres'], '002_cache_notify triggers (real PostgreSQL)', () => {
  let db: TestDatabase;
  let writer: pg.Client;
  let listener: pg.Client;
  const received: string[] = [];

  /** Runs `sql` and returns the notifications it caused (waits until none arrive for 60 ms). */
  async function notifiesOf(...statements: string[]): Promise<string[]> {
    received.length = 0;
    for (const sql of statements) await writer.query(sql);
    let last = -1;
    while (last !== received.length) {
      last = received.length;
      await listener.query('SELECT 1');
      await new Promise((r) => setTimeout(r, 60));
    }
    return [...received];
  }

  /** Every non-internal trigger (with its table) and every function outside the system schemas. */
  async function objects(): Promise<string[]> {
    const { rows } = await writer.query<{ name: string }>(
      `SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass AS name FROM pg_trigger WHERE NOT tgisinternal
       UNION ALL
       SELECT 'function ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  beforeAll(async () => {
    db = await createTestDatabase('cache_notify', ['apoti']);
    writer = new pg.Client({ connectionString: db.url });
    listener = new pg.Client({ connectionString: db.url });
    await Promise.all([writer.connect(), listener.connect()]);
    listener.on('notification', (msg) => {
      if (msg.channel === 'arzti_edge_cache') received.push(msg.payload ?? '');
    });
    await listener.query('LISTEN arzti_edge_cache');
  });

  afterAll(async () => {
    await Promise.all([writer?.end(), listener?.end()]);
    await db?.drop();
  });

  const triggersVerified = async () =>
    (await writer.query<{ ok: boolean }>(CACHE_TRIGGERS_CHECK_SQL)).rows[0]?.ok;

  it('up.sql adds only arzti_edge_ objects; down.sql removes exactly those', async () => {
    expect(await triggersVerified()).toBe(false);
    const before = await objects();
    await writer.query(await upSql());
    const after = await objects();
    const added = after.filter((o) => !before.includes(o));
    expect(added).toHaveLength(43); // 10 tables × (insert, update, delete, truncate) + 3 functions
    for (const o of added)
      expect(o).toMatch(/^(trigger arzti_edge_cache_\w+ on \w+|function arzti_edge_cache_\w+\(\))$/);
    expect(before.every((o) => after.includes(o))).toBe(true);

    expect(await triggersVerified()).toBe(true);
    await writer.query('ALTER TABLE er_apotheke DISABLE TRIGGER arzti_edge_cache_upd');
    expect(await triggersVerified()).toBe(false); // a disabled trigger is caught by the listener's check
    await writer.query('ALTER TABLE er_apotheke ENABLE TRIGGER arzti_edge_cache_upd');

    await writer.query(await downSql());
    expect(await objects()).toEqual(before);
    expect(await triggersVerified()).toBe(false);
    expect(await notifiesOf(`INSERT INTO er_apotheke (apotheke_name, apo_ik_nr) VALUES ('x', 1)`)).toEqual(
      [],
    );

    await writer.query(await upSql()); // applies again cleanly
    expect(await objects()).toEqual(after);
  });

  it('one NOTIFY per statement for the head, _daten and _status tables of all three types', async () => {
    const { rows } = await writer.query<{ id: number }>(
      `INSERT INTO er_senderezepte_header (apo_int_nr, rz_liefer_id) VALUES ('A1', 'RZ1') RETURNING id_senderezepte_header AS id`,
    );
    const header = rows[0]?.id;
    const types = [
      { t: 'emuster16', s: 'em16', statusExtra: '', statusVal: '' },
      { t: 'prezept', s: 'prez', statusExtra: '', statusVal: '' },
      { t: 'erezept', s: 'erez', statusExtra: ', rezept_check_level', statusVal: ', 0' },
    ];
    for (const { t, s, statusExtra, statusVal } of types) {
      const head = `er_senderezepte_${t}`;
      const fk = `id_senderezepte_${t}`;
      const payloads = await notifiesOf(
        `INSERT INTO ${head} (id_senderezepte_header, rz_liefer_id) VALUES (${header}, 'R1'), (${header}, 'R2'), (${header}, 'R3')`,
      );
      expect(payloads.map((p) => p.split(':')[0])).toEqual([s]);
      const ids = (await writer.query<{ id: number }>(`SELECT ${fk} AS id FROM ${head} ORDER BY 1`)).rows.map(
        (r) => r.id,
      );

      expect(
        await notifiesOf(
          `INSERT INTO ${head}_daten (${fk}, rezept_uuid, xml_request) SELECT id, 'u-${t}-' || id, '<x/>' FROM unnest('{${ids.join(',')}}'::int[]) id`,
        ),
      ).toEqual([expect.stringMatching(new RegExp(`^${s}d:\\d{13}$`))]);
      expect(
        await notifiesOf(
          `INSERT INTO ${head}_status (${fk}${statusExtra}) SELECT id${statusVal} FROM unnest('{${ids.join(',')}}'::int[]) id`,
        ),
      ).toEqual([expect.stringMatching(new RegExp(`^${s}s:\\d{13}$`))]);

      // UPDATE of several rows: one; an UPDATE that changes no row: none.
      expect(await notifiesOf(`UPDATE ${head}_daten SET transfer_arz = true`)).toHaveLength(1);
      expect(await notifiesOf(`UPDATE ${head}_status SET rezept_status = 'GELESEN' WHERE false`)).toEqual([]);
      expect(await notifiesOf(`UPDATE ${head}_status SET rezept_status = 'ABGERECHNET'`)).toHaveLength(1);
      expect(await notifiesOf(`UPDATE ${head} SET avs_id = 'x'`)).toHaveLength(1);

      // Two statements: two notifications.
      expect(
        await notifiesOf(
          `UPDATE ${head}_daten SET transfer_arz = false WHERE ${fk} = ${ids[0]}`,
          `UPDATE ${head}_daten SET transfer_arz = false WHERE ${fk} = ${ids[1]}`,
        ),
      ).toHaveLength(2);

      // DELETE of a head cascades: one each for head, _daten and _status.
      const cascade = await notifiesOf(`DELETE FROM ${head} WHERE ${fk} = ${ids[2]}`);
      expect(cascade.map((p) => p.split(':')[0]).sort()).toEqual([s, `${s}d`, `${s}s`].sort());
      expect(await notifiesOf(`DELETE FROM ${head}_status WHERE false`)).toEqual([]);
    }
  });

  it('folds statements of one transaction to one NOTIFY per table', async () => {
    const payloads = await notifiesOf(
      `BEGIN`,
      `INSERT INTO er_apotheke (apotheke_name, apo_ik_nr) VALUES ('a', 11)`,
      `INSERT INTO er_apotheke (apotheke_name, apo_ik_nr) VALUES ('b', 12)`,
      `UPDATE er_apotheke SET ort = 'Köln'`,
      `DELETE FROM er_apotheke WHERE apo_ik_nr = 12`,
      `UPDATE er_senderezepte_prezept_daten SET transfer_arz = true`,
      `UPDATE er_senderezepte_prezept_daten SET transfer_arz = false`,
      `COMMIT`,
    );
    expect(payloads.map((p) => p.split(':')[0]).sort()).toEqual(['apo', 'prezd']);
    // A rolled-back transaction notifies nothing.
    expect(await notifiesOf(`BEGIN`, `UPDATE er_apotheke SET ort = 'x'`, `ROLLBACK`)).toEqual([]);
    // A savepoint rolled back does not swallow the notification of a later statement.
    expect(
      await notifiesOf(
        `BEGIN`,
        `SAVEPOINT s`,
        `UPDATE er_apotheke SET ort = 'y'`,
        `ROLLBACK TO SAVEPOINT s`,
        `UPDATE er_apotheke SET ort = 'z'`,
        `COMMIT`,
      ),
    ).toHaveLength(1);
  });

  it('er_apotheke: insert, update, delete, truncate; payloads compact; unwatched tables silent', async () => {
    for (const sql of [
      `INSERT INTO er_apotheke (apotheke_name, apo_ik_nr) VALUES ('c', 13)`,
      `UPDATE er_apotheke SET plz = 50667`,
      `DELETE FROM er_apotheke WHERE apo_ik_nr = 13`,
      `TRUNCATE er_apotheke CASCADE`,
    ]) {
      const payloads = await notifiesOf(sql);
      expect(payloads).toHaveLength(1);
      expect(payloads[0]).toMatch(PAYLOAD);
      expect(Buffer.byteLength(payloads[0] as string)).toBeLessThan(32);
    }
    const header = (
      await writer.query<{ id: number }>(
        `SELECT min(id_senderezepte_header) AS id FROM er_senderezepte_header`,
      )
    ).rows[0]?.id;
    expect(
      await notifiesOf(
        `INSERT INTO er_senderezepte_header (apo_int_nr, rz_liefer_id) VALUES ('A2', 'RZ2')`,
        `INSERT INTO er_senderezepte_header_daten (id_senderezepte_header, header_uuid, xml_request) VALUES (${header}, 'h', '<h/>')`,
        `INSERT INTO er_senderezepte_emuster16_statusinfo (fcode) VALUES ('F1')`,
      ),
    ).toEqual([]);
  });

  it('works whatever the writer search_path is (a failing trigger would fail the legacy write)', async () => {
    const payloads = await notifiesOf(
      `SET search_path = pg_temp`,
      `INSERT INTO public.er_apotheke (apotheke_name, apo_ik_nr) VALUES ('d', 14)`,
      `RESET search_path`,
    );
    expect(payloads).toHaveLength(1);
  });

  it('applies and reverts through the migrations runner (one transaction each)', async () => {
    const fresh = await createTestDatabase('cache_notify_runner', ['apoti']);
    const sqlDb = createPgDatabase({ connectionString: fresh.url });
    try {
      const migrations = loadMigrations(defaultMigrationsDir(), 'tenant').filter(
        (m) => m.name === '002_cache_notify',
      );
      expect(migrations).toHaveLength(1);
      const up = await applyMigrationsTo(sqlDb, 'tenant', { migrations });
      expect(up.errors).toEqual([]);
      expect(up.applied).toEqual(['002_cache_notify']);
      const check = async () => (await sqlDb.query<{ ok: boolean }>(CACHE_TRIGGERS_CHECK_SQL)).rows[0]?.ok;
      expect(await check()).toBe(true);
      const down = await revertMigrationIn(sqlDb, 'tenant', '002_cache_notify', { migrations });
      expect(down.errors).toEqual([]);
      expect(await check()).toBe(false);
    } finally {
      await sqlDb.close();
      await fresh.drop();
    }
  });
});
