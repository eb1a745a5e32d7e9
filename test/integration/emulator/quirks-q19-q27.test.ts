// CONTRACT §7, quirks Q19–Q27: one test per quirk. Q26 (statement order, no transaction) is observed
// through the openTenantDatabase hook, which records every statement the emulator sends.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { parseDatabaseLocator } from '../../../src/core/npgsql-connection-string.js';
import type { SqlDatabase, SqlExecutor } from '../../../src/core/sql-port.js';
import { startEmulator, type EmulatorHandle } from '../../../src/emulator/emulator.js';
import {
  basicAuth,
  insertApotheke,
  insertPrescriptions,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';

const berlinToday = () =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());

interface Recorded {
  readonly sql: string;
  readonly inTransaction: boolean;
}

/** A tenant-database opener that records statements and can run a hook before a matching one. */
function recordingOpener(log: Recorded[], before: { match?: RegExp; run?: () => Promise<void> }) {
  return (connectionString: string): SqlDatabase => {
    const db = createPgDatabase(parseDatabaseLocator(connectionString));
    const recorded = (exec: SqlExecutor, inTransaction: boolean): SqlExecutor => ({
      async query(sql, params) {
        if (before.match?.test(sql) && before.run) {
          const run = before.run;
          before.run = undefined;
          await run();
        }
        log.push({ sql, inTransaction });
        return exec.query(sql, params);
      },
    });
    return {
      ...recorded(db, false),
      transaction: (fn) => db.transaction((tx) => fn(recorded(tx, true))),
      close: () => db.close(),
    };
  };
}

describeWith(['postgres'], 'emulator: quirks Q19–Q27', () => {
  let legacy: LegacyFixture;
  let tenantB: TestDatabase;
  let production: EmulatorHandle;
  let recording: EmulatorHandle;
  const log: Recorded[] = [];
  const hook: { match?: RegExp; run?: () => Promise<void> } = {};

  beforeAll(async () => {
    tenantB = await createTestDatabase('quirks3_b', ['apoti']);
    legacy = await startLegacyFixture({ prefix: 'quirks3' });
    // A user with its own arzsw_datenbank row (distinct string, same database) for Q23.
    await legacy.managementDb.query(
      `INSERT INTO arzsw_datenbank (datenbank_name, datenbank_connection_string, arzsw_mandant_id)
       SELECT 'q23', $1, arzsw_mandant_id FROM arzsw_mandant LIMIT 1`,
      [`${legacy.tenant.npgsql}Timeout=15;`],
    );
    await legacy.managementDb.query(
      `INSERT INTO arzsw_benutzer (benutzer_name, login_name, login_passwort, arzsw_mandant_id, arzsw_datenbank_id)
       SELECT 'q23', 'q23_user', 'pw', arzsw_mandant_id, arzsw_datenbank_id FROM arzsw_datenbank WHERE datenbank_name = 'q23'`,
    );
    production = await startEmulator({ management: legacy.managementDb, environment: 'Production' });
    recording = await startEmulator({
      management: legacy.managementDb,
      openTenantDatabase: recordingOpener(log, hook),
    });
    await insertPrescriptions(legacy.tenantDb, [
      { type: 'E-Rezept', id: 70, daten: [{ rezeptUuid: 'e70' }], status: [{ rezeptStatus: 'ABGERECHNET' }] },
      {
        type: 'E-Rezept',
        id: 71,
        daten: [{ rezeptUuid: 'e71', transferArz: true }],
        status: [{ rezeptStatus: 'NEU' }],
      },
      { type: 'E-Rezept', id: 72, daten: [{ rezeptUuid: 'e72', transferArz: true }] },
      { type: 'E-Rezept', id: 80, daten: [{ rezeptUuid: 'e80', transferArz: null }] },
      { type: 'P-Rezept', id: 1, daten: [{ rezeptUuid: 'p1' }] },
      { type: 'P-Rezept', id: 2, daten: [{ rezeptUuid: 'p2' }] },
      { type: 'P-Rezept', id: 3, daten: [{ rezeptUuid: 'p3' }] },
    ]);
  });

  afterAll(async () => {
    await recording?.close();
    await production?.close();
    await legacy?.close();
    await tenantB?.drop();
  });

  const send = (method: string, path: string, body?: unknown, auth = legacy.auth, base = legacy.url) =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async (res: Promise<Response>) => (await (await res).json()) as Record<string, unknown>;
  const rows = async (sql: string) => (await legacy.tenantDb.query(sql)).rows;
  const erezeptState = () =>
    rows(
      `SELECT d.rezept_uuid, d.transfer_arz, s.rezept_status, s.status_abfrage_datum::text AS d
       FROM er_senderezepte_erezept_daten d LEFT JOIN er_senderezepte_erezept_status s USING (id_senderezepte_erezept)
       ORDER BY 1, 3`,
    );

  it('Q19 — v1 writes report success even for unknown types and UUIDs, and change nothing then', async () => {
    const before = await erezeptState();
    const res = await send('POST', '/api/v1/Prescriptions/mark-as-read', {
      prescriptions: [
        { type: 'eRezept', rezeptUuid: 'e70' },
        { type: 'E-Rezept', rezeptUuid: 'does-not-exist' },
      ],
    });
    expect([res.status, await res.text()]).toEqual([200, '{"success":true,"processedCount":2,"errors":[]}']);
    expect(await erezeptState()).toEqual(before);
  });

  it('Q20 — mark-as-read overwrites ABGERECHNET with GELESEN; set-abgerechnet ignores transfer_arz', async () => {
    const today = berlinToday();
    await send('POST', '/api/v1/Prescriptions/mark-as-read', {
      prescriptions: [{ type: 'E-Rezept', rezeptUuid: 'e70' }],
    });
    await send('POST', '/api/v1/Prescriptions/set-abgerechnet', {
      prescriptions: [
        { type: 'E-Rezept', rezeptUuid: 'e71' },
        { type: 'E-Rezept', rezeptUuid: 'e72' },
      ],
    });
    const state = (await erezeptState()).filter((r) =>
      ['e70', 'e71', 'e72'].includes(r.rezept_uuid as string),
    );
    expect(state).toEqual([
      { rezept_uuid: 'e70', transfer_arz: true, rezept_status: 'GELESEN', d: today },
      { rezept_uuid: 'e71', transfer_arz: true, rezept_status: 'ABGERECHNET', d: today },
      { rezept_uuid: 'e72', transfer_arz: true, rezept_status: 'ABGERECHNET', d: today }, // inserted
    ]);
    expect(
      await rows(
        'SELECT rezept_check_level, abrechen_status FROM er_senderezepte_erezept_status WHERE id_senderezepte_erezept = 72',
      ),
    ).toEqual([{ rezept_check_level: 0, abrechen_status: 'VOR_PRUEFUNG' }]);
  });

  it('Q21 — the v1 list loads every new prescription (no ORDER BY, no SQL paging) and pages in memory', async () => {
    log.length = 0;
    const ids = async (page: number) => {
      const body = await json(
        send(
          'GET',
          `/api/v1/Prescriptions/new?rezeptType=pRezept&page=${page}&pageSize=2`,
          undefined,
          legacy.auth,
          recording.url,
        ),
      );
      expect(body.totalCount).toBe(3);
      return (body.prescriptions as Array<{ id: number; xmlRequest: string }>).map((p) => p.id);
    };
    const all = [...(await ids(1)), ...(await ids(2))];
    expect([...all].sort()).toEqual([1, 2, 3]);
    const listSql = log.filter((r) => r.sql.includes('"XmlRequest"'));
    expect(listSql).toHaveLength(2);
    for (const r of listSql) {
      expect(r.sql).not.toMatch(/ORDER BY|OFFSET/);
      expect(r.sql).toContain('FROM er_senderezepte_prezept AS e');
    }
  });

  it('Q22 — rows with transfer_arz NULL are never new, and mark-as-read leaves them alone', async () => {
    const v2 = await json(send('GET', '/v2/rezept?type=E-Rezept'));
    expect((v2.prescriptions as Array<{ id: number }>).map((p) => p.id)).not.toContain(80);
    const v1 = await json(send('GET', '/api/v1/Prescriptions/new?rezeptType=eRezept'));
    expect((v1.prescriptions as Array<{ id: number }>).map((p) => p.id)).not.toContain(80);
    await send('POST', '/api/v1/Prescriptions/mark-as-read', {
      prescriptions: [{ type: 'E-Rezept', rezeptUuid: 'e80' }],
    });
    expect(
      await rows(`SELECT transfer_arz FROM er_senderezepte_erezept_daten WHERE rezept_uuid = 'e80'`),
    ).toEqual([{ transfer_arz: null }]);
    expect(
      await rows('SELECT 1 FROM er_senderezepte_erezept_status WHERE id_senderezepte_erezept = 80'),
    ).toEqual([]);
  });

  it('Q23 — Apotheken keep a cached tenant mapping while prescriptions follow the fresh claim', async () => {
    const auth = basicAuth('q23_user', 'pw');
    const tenantBDb = createPgDatabase({ connectionString: tenantB.url, max: 2 });
    try {
      await insertApotheke(legacy.tenantDb, { apothekeName: 'Apotheke A', apoIkNr: 1 });
      await insertApotheke(tenantBDb, { apothekeName: 'Apotheke B', apoIkNr: 2 });
      await insertPrescriptions(tenantBDb, [{ type: 'eMuster16', id: 999 }]);
      const names = async () =>
        (
          (await json(send('GET', '/api/Apotheken', undefined, auth))).apotheken as Array<{
            apothekeName: string;
          }>
        ).map((a) => a.apothekeName);
      expect(await names()).toEqual(['Apotheke A']);
      await legacy.managementDb.query(
        "UPDATE arzsw_datenbank SET datenbank_connection_string = $1 WHERE datenbank_name = 'q23'",
        [tenantB.npgsql],
      );
      const v2 = await json(send('GET', '/v2/rezept?type=eMuster16', undefined, auth));
      expect((v2.prescriptions as Array<{ id: number }>).map((p) => p.id)).toEqual([999]); // tenant B
      const before = legacy.emulator.stats.managementQueries;
      expect(await names()).toEqual(['Apotheke A']); // still tenant A
      expect(legacy.emulator.stats.managementQueries - before).toBe(1); // authentication only: cache hit
    } finally {
      await tenantBDb.close();
    }
  });

  it('Q24 — Apotheken: defaults read back on POST, PUT writes NULLs, 7-digit aenZeit, first row by IK, lower-cased search', async () => {
    const created = await send('POST', '/api/Apotheken', {
      apothekeName: 'Sonnen-Apotheke',
      apoIkNr: '308577001',
      ort: 'Köln',
      plz: '50667',
    });
    expect(created.status).toBe(201);
    const dto = (await created.json()) as Record<string, unknown>;
    expect(created.headers.get('location')).toBe(`${legacy.url}/api/Apotheken/${String(dto.idApotheke)}`);
    expect(dto).toMatchObject({
      apothekeName: 'Sonnen-Apotheke',
      apoIkNr: 308577001,
      plz: 50667,
      mandantType: 'APO',
      idLeType: 0,
      idHauptapotheke: 0,
      gesperrt: false,
      secLoginNurApoUser: false,
      aenIdSecUser: null,
      aenDatum: berlinToday(),
    });
    expect(dto.aenZeit).toMatch(/^\d{2}:\d{2}:\d{2}(\.\d{7})?$/);
    const read = (await json(send('GET', `/api/Apotheken/${dto.idApotheke}`))) as Record<string, unknown>;
    const micro = (t: string) =>
      t.length === 16 && t.slice(9, 15) !== '000000' ? `${t.slice(0, 15)}0` : t.slice(0, 8);
    expect(read.aenZeit).toBe(micro(dto.aenZeit as string)); // DB keeps microseconds
    const updated = await json(
      send('PUT', `/api/Apotheken/${dto.idApotheke}`, {
        apothekeName: 'Sonnen-Apotheke',
        apoIkNr: 308577001,
      }),
    );
    expect(updated).toMatchObject({
      ort: null,
      plz: null,
      mandantType: null,
      idLeType: null,
      gesperrt: null,
      filialapotheke: null,
    });
    expect(
      await rows(
        `SELECT mandant_type, gesperrt, ort FROM er_apotheke WHERE id_apotheke = ${Number(dto.idApotheke)}`,
      ),
    ).toEqual([{ mandant_type: null, gesperrt: null, ort: null }]);
    await insertApotheke(legacy.tenantDb, { apothekeName: 'Dup 1', apoIkNr: 4242 });
    await insertApotheke(legacy.tenantDb, { apothekeName: 'Dup 2', apoIkNr: 4242 });
    const byIk = await json(send('GET', '/api/Apotheken/by-ik/4242'));
    expect(['Dup 1', 'Dup 2']).toContain(byIk.apothekeName);
    const search = await json(send('GET', '/api/Apotheken?search=SONNEN'));
    expect((search.apotheken as Array<{ apothekeName: string }>).map((a) => a.apothekeName)).toEqual([
      'Sonnen-Apotheke',
    ]);
    expect((await json(send('GET', '/api/Apotheken?search=85770'))).totalCount).toBe(1); // apo_ik_nr::text
  });

  it('Q25 — deployment: Development exposes Swagger and exception pages; the IIS path base is honoured', async () => {
    const dev = await fetch(`${legacy.url}/swagger`, { redirect: 'manual' });
    expect([dev.status, dev.headers.get('location')]).toEqual([301, 'swagger/index.html']);
    await dev.text();
    const ui = await fetch(`${legacy.url}/swagger/index.html`);
    expect(ui.headers.get('content-type')).toBe('text/html;charset=utf-8');
    await ui.text();
    const prod = await fetch(`${production.url}/swagger`, { redirect: 'manual' });
    expect([prod.status, await prod.text()]).toEqual([404, '']);
    const iis = await startEmulator({ management: legacy.managementDb, pathBase: '/ArzTi3' });
    try {
      const created = await send(
        'POST',
        '/ArzTi3/api/Apotheken',
        { apothekeName: 'IIS', apoIkNr: 9 },
        legacy.auth,
        iis.url,
      );
      const id = ((await created.json()) as { idApotheke: number }).idApotheke;
      expect(created.headers.get('location')).toBe(`${iis.url}/ArzTi3/api/Apotheken/${id}`);
    } finally {
      await iis.close();
    }
    // HTTPS redirection is not emulated: the emulator has no HTTPS port, like a Kestrel http-only binding.
  });

  it('Q26 — list and count are separate statements outside a transaction (and may disagree)', async () => {
    log.length = 0;
    hook.match = /^SELECT count\(\*\)::int/;
    hook.run = async () => {
      await insertPrescriptions(legacy.tenantDb, [{ type: 'eMuster16', id: 5000, headerId: 1 }]);
    };
    const body = await json(send('GET', '/v2/rezept', undefined, legacy.auth, recording.url));
    const kinds = log.map((r) =>
      /ROW_NUMBER\(\) OVER/.test(r.sql) ? 'list' : /count\(\*\)/.test(r.sql) ? 'count' : 'other',
    );
    expect(kinds).toEqual(['list', 'list', 'list', 'count', 'count', 'count']);
    expect(log.every((r) => !r.inTransaction)).toBe(true);
    expect(log.map((r) => /FROM (er_senderezepte_\w+) AS e\b/.exec(r.sql)?.[1])).toEqual([
      'er_senderezepte_emuster16',
      'er_senderezepte_prezept',
      'er_senderezepte_erezept',
      'er_senderezepte_emuster16',
      'er_senderezepte_prezept',
      'er_senderezepte_erezept',
    ]);
    // The head inserted between list and count is counted but not listed.
    expect((body.prescriptions as unknown[]).length + 1).toBe(body.totalCount);
  });

  it('Q27 — Swagger is answered before authentication and the tenant middleware (Development only)', async () => {
    const before = legacy.emulator.stats.managementQueries;
    const doc = await fetch(`${legacy.url}/swagger/v2/swagger.json`, {
      headers: { 'X-Tenant-Id': 'acme', authorization: legacy.auth },
    });
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const text = await doc.text();
    expect(text).toContain('"title": "ARZ_TI 2.0 API"');
    expect(text).toContain('"/v2/rezept"');
    expect(legacy.emulator.stats.managementQueries).toBe(before); // no authentication ran
    const v1 = await (await fetch(`${legacy.url}/swagger/v1/swagger.json`)).text();
    expect(v1).toContain('ArzTi3 Prescription Mediation API');
    const prod = await fetch(`${production.url}/swagger/v2/swagger.json`, {
      headers: { 'X-Tenant-Id': 'acme' },
    });
    expect(prod.status).toBe(500); // no Swagger: the request reaches the tenant middleware
    await prod.text();
  });
});
