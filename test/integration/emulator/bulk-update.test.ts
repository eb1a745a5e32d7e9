// CONTRACT §2.7 / §6.4: PATCH /v2/rezept/status changes exactly the expected rows, reports exactly the
// expected counts and error strings, and rolls the whole batch back when the save fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  insertPrescriptions,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';

const berlinToday = () =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());

describeWith(['postgres'], 'emulator: PATCH /v2/rezept/status (§6.4)', () => {
  let legacy: LegacyFixture;

  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'bulkupd' });
    await insertPrescriptions(legacy.tenantDb, [
      {
        type: 'E-Rezept',
        id: 1,
        daten: [{ id: 11, rezeptUuid: 'e-1' }],
        status: [
          {
            id: 100,
            rezeptStatus: 'GELESEN',
            abrechenStatus: 'OK',
            statusAbfrageDatum: '2025-01-02',
            statusAbfrageZeit: '08:00:00',
          },
        ],
      },
      { type: 'P-Rezept', id: 2, daten: [{ id: 21, rezeptUuid: 'p-2' }] },
      {
        type: 'eMuster16',
        id: 3,
        daten: [{ id: 31, rezeptUuid: 'm-3', transferArz: true }],
        status: [{ id: 300 }],
      },
      { type: 'P-Rezept', id: 4, daten: [{ id: 41, rezeptUuid: 'p-4' }] },
      {
        type: 'E-Rezept',
        id: 5,
        daten: [{ id: 51, rezeptUuid: 'e-5' }],
        status: [{ id: 500, rezeptStatus: 'NEU' }],
      },
    ]);
  });

  afterAll(async () => {
    await legacy?.close();
  });

  const patch = async (updates: unknown[]) => {
    const res = await fetch(`${legacy.url}/v2/rezept/status`, {
      method: 'PATCH',
      headers: { authorization: legacy.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ updates }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'success',
      'processedCount',
      'successCount',
      'errorCount',
      'errors',
      'responseTimestamp',
    ]);
    const { responseTimestamp, ...rest } = body;
    expect(responseTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/);
    return rest;
  };

  const rows = async (sql: string) => (await legacy.tenantDb.query(sql)).rows;

  it('applies found items, reports unknown and wrongly typed UUIDs, changes exactly the expected rows', async () => {
    const result = await patch([
      { rezeptUuid: 'e-1', type: 'E-Rezept', transferArz: true, status: 'VERARBEITET' },
      { rezeptUuid: 'p-2', type: 'p-rezept', status: 'NEU' },
      { rezeptUuid: 'unknown', type: 'E-Rezept', status: 'NEU' },
      { rezeptUuid: 'e-1', type: 'P-Rezept', transferArz: true },
      { rezeptUuid: 'm-3', type: 'Muster16', transferArz: false },
      { rezeptUuid: 'm-3', type: 'EMUSTER16', transferArz: false },
    ]);
    expect(result).toEqual({
      success: false,
      processedCount: 6,
      successCount: 3,
      errorCount: 3,
      errors: [
        'E-Rezept prescription not found: unknown',
        'P-Rezept prescription not found: e-1',
        'Unknown prescription type: Muster16',
      ],
    });
    const today = berlinToday();
    expect(
      await rows(
        'SELECT id_senderezepte_erezept_daten AS id, transfer_arz FROM er_senderezepte_erezept_daten ORDER BY 1',
      ),
    ).toEqual([
      { id: 11, transfer_arz: true },
      { id: 51, transfer_arz: false },
    ]);
    expect(
      await rows(
        `SELECT id_senderezepte_erezept_status AS id, rezept_status, abrechen_status, status_abfrage_datum::text AS d,
                status_abfrage_zeit::text AS t FROM er_senderezepte_erezept_status ORDER BY 1`,
      ),
    ).toEqual([
      // status_abfrage_zeit is left alone: today's date with the old time (Q12)
      { id: 100, rezept_status: 'VERARBEITET', abrechen_status: 'OK', d: today, t: '08:00:00' },
      { id: 500, rezept_status: 'NEU', abrechen_status: 'VOR_PRUEFUNG', d: null, t: null },
    ]);
    expect(
      await rows(
        `SELECT id_senderezepte_prezept AS head, rezept_status, abrechen_status, rezept_check, status_abfrage_datum::text AS d,
                status_abfrage_zeit AS t, transaktions_nummer, rz_abfrage_id FROM er_senderezepte_prezept_status`,
      ),
    ).toEqual([
      {
        head: 2,
        rezept_status: 'NEU',
        abrechen_status: 'VOR_PRUEFUNG',
        rezept_check: false,
        d: today,
        t: null,
        transaktions_nummer: null,
        rz_abfrage_id: null,
      },
    ]);
    expect(await rows('SELECT transfer_arz FROM er_senderezepte_prezept_daten ORDER BY 1')).toEqual([
      { transfer_arz: false },
      { transfer_arz: false },
    ]);
    expect(await rows('SELECT transfer_arz FROM er_senderezepte_emuster16_daten')).toEqual([
      { transfer_arz: false },
    ]);
    expect(await rows('SELECT rezept_status FROM er_senderezepte_emuster16_status')).toEqual([
      { rezept_status: 'VOR_PRUEFUNG' },
    ]);
  });

  it('rolls the whole batch back when a status is longer than 20 characters', async () => {
    const before = await rows(
      `SELECT 'e' AS t, id_senderezepte_erezept_status AS id, rezept_status, status_abfrage_datum::text AS d FROM er_senderezepte_erezept_status
       UNION ALL SELECT 'd', id_senderezepte_erezept_daten, transfer_arz::text, NULL FROM er_senderezepte_erezept_daten ORDER BY 1, 2`,
    );
    const result = await patch([
      { rezeptUuid: 'e-5', type: 'E-Rezept', transferArz: true, status: 'ABGERECHNET' },
      { rezeptUuid: 'unknown', type: 'E-Rezept' },
      { rezeptUuid: 'e-1', type: 'E-Rezept', status: 'X'.repeat(21) },
    ]);
    expect(result).toEqual({
      success: false,
      processedCount: 3,
      successCount: 2, // not reset
      errorCount: 3, // := request size
      errors: [
        'E-Rezept prescription not found: unknown',
        'Transaction failed: An error occurred while saving the entity changes. See the inner exception for details.',
      ],
    });
    const after = await rows(
      `SELECT 'e' AS t, id_senderezepte_erezept_status AS id, rezept_status, status_abfrage_datum::text AS d FROM er_senderezepte_erezept_status
       UNION ALL SELECT 'd', id_senderezepte_erezept_daten, transfer_arz::text, NULL FROM er_senderezepte_erezept_daten ORDER BY 1, 2`,
    );
    expect(after).toEqual(before);
  });

  it('inserts two status rows for a duplicated UUID without one, and lets the last transferArz win', async () => {
    const result = await patch([
      { rezeptUuid: 'p-4', type: 'P-Rezept', transferArz: true, status: 'A' },
      { rezeptUuid: 'p-4', type: 'P-Rezept', transferArz: false, status: 'B' },
    ]);
    expect(result).toEqual({ success: true, processedCount: 2, successCount: 2, errorCount: 0, errors: [] });
    expect(
      await rows(
        'SELECT rezept_status FROM er_senderezepte_prezept_status WHERE id_senderezepte_prezept = 4 ORDER BY id_senderezepte_prezept_status',
      ),
    ).toEqual([{ rezept_status: 'A' }, { rezept_status: 'B' }]);
    expect(
      await rows(
        'SELECT transfer_arz FROM er_senderezepte_prezept_daten WHERE id_senderezepte_prezept_daten = 41',
      ),
    ).toEqual([{ transfer_arz: false }]);
  });

  it('counts an item without transferArz and status as a success that changes nothing', async () => {
    const before = await rows('SELECT * FROM er_senderezepte_erezept_status ORDER BY 1');
    expect(await patch([{ rezeptUuid: 'e-5', type: 'e-REZEPT', status: '' }])).toEqual({
      success: true,
      processedCount: 1,
      successCount: 1,
      errorCount: 0,
      errors: [],
    });
    expect(await rows('SELECT * FROM er_senderezepte_erezept_status ORDER BY 1')).toEqual(before);
  });
});
