// Fast V2 queries on real PostgreSQL against the §6.1.6 reference oracle, on hand-built edge cases:
// NULL transfer_arz, several daten/status rows, ABGERECHNET (case-sensitive), int8 > 2^53, paging edges,
// keyset continuation, orphan daten rows without / with a bypassed FK, statusuuid accounting and the
// 1000-newest window. Also the end-to-end bytes of the §3.7 example through the SQL port.
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import type { SqlDatabase } from '../../../src/core/sql-port.js';
import { bulkStatusOutcome } from '../../../src/prescriptions/bulk-status.js';
import {
  fetchListPage,
  fetchStatusUuidRows,
  openListSource,
  type V2ListRow,
} from '../../../src/prescriptions/fast-queries.js';
import { readSingleStatementPage } from '../../../src/prescriptions/single-statement-page.js';
import type { PrescriptionType } from '../../../src/prescriptions/prescription-types.js';
import {
  renderSplicedChunk,
  utcTimestamps,
  type SplicedChunk,
} from '../../../src/prescriptions/spliced-body.js';
import { encodeBulkStatusBody, encodeV2ListBody } from '../../../src/prescriptions/v2-body-writer.js';
import { answerV2Read } from '../../../src/prescriptions/v2-fast-answer.js';
import { insertPrescriptions } from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';
import { EXAMPLE, EXAMPLE_TICKS, fakeClock } from '../../unit/prescriptions/contract-example.js';
import { applyFastPathMigration as applyMigration, edgeCaseTenant } from './edge-cases.js';
import { referenceList, referenceStatusUuid } from './reference-oracle.js';

const ALL: PrescriptionType[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];
const SELECTIONS: PrescriptionType[][] = [ALL, ['eMuster16'], ['P-Rezept'], ['E-Rezept']];
const PAGINGS: [pageSize: number, offset: number][] = [
  [100, 0],
  [10, 0],
  [10, 10],
  [10, 20],
  [10, 30],
  [1, 0],
  [1, 5],
  [0, 0],
  [3, 1000],
  [7, 21],
];

let testDb: TestDatabase;
let db: SqlDatabase & { pool: pg.Pool };

describeWith(['postgres'], 'fast V2 queries vs the reference semantics', () => {
  beforeAll(async () => {
    ({ testDb, db } = await edgeCaseTenant('fastpath', 4, (tenantDb) =>
      // A daten row without head (fk NULL) that is untransferred: in the partial index, never a prescription.
      tenantDb.query(
        `INSERT INTO er_senderezepte_erezept_daten (id_senderezepte_erezept_daten, id_senderezepte_erezept, rezept_uuid, xml_request)
         VALUES (99999, NULL, 'er-null-fk', '<x/>')`,
      ),
    ));
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('lists the same rows in the same order with the same total for every selection and paging', async () => {
    for (const types of SELECTIONS) {
      for (const [pageSize, offset] of PAGINGS) {
        const expected = await referenceList(db, types, pageSize, offset);
        const actual = await fetchListPage(db, { types, pageSize, offset });
        expect({ types, pageSize, offset, ...actual }).toEqual({ types, pageSize, offset, ...expected });
        // With the counts known (memoised by the caller) only the early-stopping page statement runs.
        const source = await openListSource(db, { types, pageSize, offset });
        expect(Object.keys(source.counts)).toEqual(types);
        const paged = await fetchListPage(db, { types, pageSize, offset }, { knownCounts: source.counts });
        expect({ types, pageSize, offset, ...paged }).toEqual({ types, pageSize, offset, ...expected });
        // The streaming reader of single-statement pages, with and without known counts.
        for (const knownCounts of [undefined, source.counts]) {
          const rows: V2ListRow[] = [];
          const read = await readSingleStatementPage(
            db,
            { types, pageSize, offset },
            {
              row: (row) => rows.push(row),
              encoded: () => {
                throw new Error('no item memo here');
              },
              restart: () => rows.splice(0),
            },
            { knownCounts },
          );
          expect({ types, pageSize, offset, totalCount: read.totalCount, rows }).toEqual({
            types,
            pageSize,
            offset,
            ...expected,
          });
          expect(read.counts).toEqual(source.counts);
        }
      }
    }
  });

  it('picks the lowest untransferred daten row and the oldest status row (and keeps int8 exact)', async () => {
    const { rows } = await fetchListPage(db, { types: ['eMuster16'], pageSize: 100, offset: 0 });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(100)).toMatchObject({
      did: 1007,
      rezept_uuid: 'em-100-b',
      rst: 'GELESEN',
      abr: 'HINWEIS',
      sd: '2025-01-01',
      st: null,
    });
    expect(byId.get(106)?.rezept_uuid).toBe('em-106-b');
    expect(byId.get(131)?.m16).toBe('9223372036854775807');
    expect([...byId.keys()].filter((id) => id >= 100 && id <= 107)).toEqual([107, 106, 103, 100]);
    const pr = await fetchListPage(db, { types: ['P-Rezept'], pageSize: 1, offset: 0 });
    expect(pr.rows[0]?.tn).toBe('9007199254740993');
  });

  it('continues large pages with keyset batches and still matches the reference', async () => {
    for (const types of SELECTIONS) {
      for (const [pageSize, offset] of [
        [30, 0],
        [25, 2],
        [9, 9],
      ] as const) {
        for (const batchRows of [1, 2, 4, 7]) {
          const expected = await referenceList(db, types, pageSize, offset);
          const source = await openListSource(db, { types, pageSize, offset }, { batchRows });
          const rows = [];
          for await (const batch of source.batches()) {
            expect(batch.length).toBeLessThanOrEqual(batchRows);
            rows.push(...batch);
          }
          expect({ types, pageSize, offset, batchRows, totalCount: source.totalCount, rows }).toEqual({
            types,
            pageSize,
            offset,
            batchRows,
            ...expected,
          });
        }
      }
    }
  });

  it('streams a page larger than batchRows from one snapshot with the same bytes', async () => {
    const clockTicks = Array.from({ length: 200 }, (_, i) => 638_000_000_000_000_000n + BigInt(i) * 1234n);
    const expected = await referenceList(db, ALL, 30, 0);
    const expectedBody = render(
      encodeV2ListBody(expected.rows, {
        totalCount: expected.totalCount,
        page: 1,
        pageSize: 30,
        environment: 'Live',
      }),
      clockTicks,
    );
    const answer = await answerV2Read(
      db,
      { op: 'list', types: ALL, page: 1, pageSize: 30, offset: 0 },
      { environment: 'Live', batchRows: 4, chunkBytes: 512 },
    );
    expect(Array.isArray(answer.chunks)).toBe(false);
    const chunks: SplicedChunk[] = [];
    for await (const c of answer.chunks) chunks.push(c);
    expect(render(chunks, clockTicks)).toBe(expectedBody);
    expect(db.pool.idleCount).toBe(db.pool.totalCount);
  });

  it('releases the snapshot transaction when a streamed answer is abandoned', async () => {
    const answer = await answerV2Read(
      db,
      { op: 'list', types: ALL, page: 1, pageSize: 30, offset: 0 },
      { environment: null, batchRows: 2, chunkBytes: 256 },
    );
    const it = (answer.chunks as AsyncIterable<SplicedChunk>)[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    await it.return?.();
    expect(db.pool.idleCount).toBe(db.pool.totalCount);
    // Abandoned without ever iterating:
    const unread = await answerV2Read(
      db,
      { op: 'list', types: ALL, page: 1, pageSize: 30, offset: 0 },
      { environment: null, batchRows: 2 },
    );
    await (unread.chunks as AsyncIterable<SplicedChunk>)[Symbol.asyncIterator]().return?.();
    expect(db.pool.idleCount).toBe(db.pool.totalCount);
  });

  it('answers an empty type selection without SQL and string errors as given', async () => {
    const none = await answerV2Read(
      { ...db, query: () => Promise.reject(new Error('no SQL expected')) } as SqlDatabase,
      { op: 'list', types: [], page: -3, pageSize: 5, offset: 0 },
      { environment: 'Development' },
    );
    expect(render(none.chunks as SplicedChunk[], [EXAMPLE_TICKS[0]!])).toBe(
      '{"prescriptions":[],"totalCount":0,"page":-3,"pageSize":5,"hasNextPage":true,"environment":"Development","responseTimestamp":"2025-11-04T09:41:12.3456781Z"}',
    );
  });

  it('counts daten rows whose head is missing exactly like the legacy when the FK is absent or bypassed', async () => {
    // Bypassed FK: triggers disabled while an orphan is written (guard sees the disabled triggers).
    await db.query('ALTER TABLE er_senderezepte_prezept_daten DISABLE TRIGGER ALL');
    await db.query(
      `INSERT INTO er_senderezepte_prezept_daten (id_senderezepte_prezept_daten, id_senderezepte_prezept, rezept_uuid, xml_request)
       VALUES (88888, 777777, 'pr-orphan', '<x/>')`,
    );
    for (const types of [ALL, ['P-Rezept'] as PrescriptionType[]]) {
      expect(await fetchListPage(db, { types, pageSize: 100, offset: 0 })).toEqual(
        await referenceList(db, types, 100, 0),
      );
    }
    await db.query('DELETE FROM er_senderezepte_prezept_daten WHERE id_senderezepte_prezept_daten = 88888');
    await db.query('ALTER TABLE er_senderezepte_prezept_daten ENABLE TRIGGER ALL');

    // No FK at all.
    await db.query(
      'ALTER TABLE er_senderezepte_erezept_daten DROP CONSTRAINT er_senderezepte_erezept_daten_id_senderezepte_erezept',
    );
    await db.query(
      `INSERT INTO er_senderezepte_erezept_daten (id_senderezepte_erezept_daten, id_senderezepte_erezept, rezept_uuid, xml_request)
       VALUES (88888, 777777, 'er-orphan', '<x/>')`,
    );
    for (const types of [ALL, ['E-Rezept'] as PrescriptionType[]]) {
      for (const [pageSize, offset] of [
        [100, 0],
        [2, 0],
      ]) {
        expect(await fetchListPage(db, { types, pageSize: pageSize!, offset: offset! })).toEqual(
          await referenceList(db, types, pageSize!, offset!),
        );
      }
    }
    expect(await fetchStatusUuidRows(db, ['er-orphan'])).toEqual([]);
    await db.query('DELETE FROM er_senderezepte_erezept_daten WHERE id_senderezepte_erezept_daten = 88888');
  });

  it('finds statusuuid hits like the legacy: first daten uuid of new prescriptions only', async () => {
    const requested = [
      'em-100-b', // found (first untransferred daten row)
      'em-100-c', // not first → not found
      'em-100-a', // transferred → not found
      'pr-101', // NULL transfer_arz → not found
      'er-102', // ABGERECHNET → not found
      'er-103', // lowercase abgerechnet → found
      'shared-uuid', // eMuster16 and E-Rezept → two hits, errorCount negative with one request
      'em-100-b', // duplicate → counts as error
      'EM-100-B', // ordinal comparison
      'nope',
      'nul\0byte',
      'x'.repeat(300),
      'pr-131',
    ];
    const expected = await referenceStatusUuid(db, requested);
    const actual = await fetchStatusUuidRows(db, requested);
    expect(actual).toEqual(expected);
    const outcome = bulkStatusOutcome(requested, actual);
    expect(actual.map((r) => `${r.blk}:${r.rezept_uuid}`)).toEqual([
      '1:shared-uuid',
      '1:em-100-b',
      '2:pr-131',
      '3:shared-uuid',
      '3:er-103',
    ]);
    expect([outcome.totalCount, outcome.successCount, outcome.errorCount]).toEqual([13, 5, 8]);
    expect(outcome.notFound).toEqual([
      'em-100-c',
      'em-100-a',
      'pr-101',
      'er-102',
      'EM-100-B',
      'nope',
      'nul\0byte',
      'x'.repeat(300),
    ]);
    const one = bulkStatusOutcome(['shared-uuid'], await fetchStatusUuidRows(db, ['shared-uuid']));
    expect(one.errorCount).toBe(-1);

    const answer = await answerV2Read(
      db,
      { op: 'statusuuid', rezeptUuids: requested },
      { environment: null },
    );
    expect(render(answer.chunks as SplicedChunk[], [EXAMPLE_TICKS[0]!])).toBe(
      render(encodeBulkStatusBody(bulkStatusOutcome(requested, expected)), [EXAMPLE_TICKS[0]!]),
    );
  });

  it('limits statusuuid to the 1000 newest new prescriptions per type', async () => {
    // 1005 new P-Rezept heads above the edge cases: ids 10000..11004, uuid pr-bulk-<id>.
    await db.query(`INSERT INTO er_senderezepte_prezept (id_senderezepte_prezept, id_senderezepte_header, rz_liefer_id)
                    SELECT g, 1, 'RZ' || g FROM generate_series(10000, 11004) g`);
    await db.query(`INSERT INTO er_senderezepte_prezept_daten (id_senderezepte_prezept_daten, id_senderezepte_prezept, rezept_uuid, xml_request)
                    SELECT 50000 + g, g, 'pr-bulk-' || g, '<p/>' FROM generate_series(10000, 11004) g`);
    await db.query('ANALYZE');
    const requested = ['pr-bulk-11004', 'pr-bulk-10005', 'pr-bulk-10004', 'pr-131', 'em-131'];
    const actual = await fetchStatusUuidRows(db, requested);
    expect(actual).toEqual(await referenceStatusUuid(db, requested));
    expect(actual.map((r) => r.rezept_uuid)).toEqual(['em-131', 'pr-bulk-11004', 'pr-bulk-10005']);
    for (const [pageSize, offset] of PAGINGS) {
      expect(await fetchListPage(db, { types: ALL, pageSize, offset })).toEqual(
        await referenceList(db, ALL, pageSize, offset),
      );
    }
    expect(
      await fetchListPage(db, { types: ['P-Rezept'], pageSize: 500, offset: 900 }, { batchRows: 64 }),
    ).toEqual(await referenceList(db, ['P-Rezept'], 500, 900));
  });
});

describeWith(['postgres'], 'the §3.7 example end to end through the SQL port', () => {
  let exampleDb: TestDatabase;
  let sql: SqlDatabase;

  beforeAll(async () => {
    exampleDb = await createTestDatabase('fastpath_example', ['apoti']);
    await applyMigration(exampleDb.url);
    sql = createPgDatabase({ connectionString: exampleDb.url, max: 2 });
    await insertPrescriptions(sql, [
      {
        type: 'eMuster16',
        id: 48213,
        rzLieferId: 'RZ0000000000000004711',
        muster16Id: 160000000123,
        daten: [
          {
            id: 91544,
            rezeptUuid: '7f3c2a10-5b8e-4d21-9c3a-0e6f1b2d4a55',
            xmlRequest:
              '<?xml version="1.0" encoding="UTF-8"?><eMuster16><vName>Müller</vName><kName>AOK Nordost</kName></eMuster16>',
          },
        ],
        status: [
          {
            rezeptStatus: 'VOR_PRUEFUNG',
            abrechenStatus: 'VOR_PRUEFUNG',
            statusAbfrageDatum: '2025-11-03',
            statusAbfrageZeit: '14:22:05',
          },
        ],
      },
      {
        type: 'P-Rezept',
        id: 1207,
        transaktionsNummer: 20251103000017,
        daten: [
          {
            id: 3310,
            rezeptUuid: 'c1d2e3f4-0a1b-4c2d-8e3f-112233445566',
            xmlRequest: '<pRezept><notiz>Rezeptur & Zubereitung</notiz></pRezept>',
          },
        ],
      },
      {
        type: 'E-Rezept',
        id: 90311,
        erezeptId: '160.000.100.000.001.23',
        daten: [
          {
            id: 120045,
            rezeptUuid: '1a16033d-3e5a-488b-8f2c-cd5a02b5bf30',
            xmlRequest: "<eRezept id='160.000.100.000.001.23'/>",
          },
        ],
        status: [
          {
            rezeptStatus: 'GELESEN',
            abrechenStatus: 'OK',
            statusAbfrageDatum: '2025-11-04',
            statusAbfrageZeit: '08:15:30.25',
            rezeptCheckLevel: 2,
          },
        ],
      },
    ]);
  });

  afterAll(async () => {
    await sql?.close();
    await exampleDb?.drop();
  });

  it('produces the example bytes for GET /v2/rezept?page=1&pageSize=100', async () => {
    const answer = await answerV2Read(
      sql,
      { op: 'list', types: ALL, page: 1, pageSize: 100, offset: 0 },
      { environment: 'Development' },
    );
    expect([answer.status, answer.contentType]).toEqual([200, 'application/json; charset=utf-8']);
    expect(render(answer.chunks as SplicedChunk[], EXAMPLE_TICKS)).toBe(EXAMPLE);
  });
});

function render(chunks: readonly SplicedChunk[], ticks: readonly bigint[]): string {
  const next = utcTimestamps(fakeClock(ticks));
  return Buffer.concat(chunks.map((c) => renderSplicedChunk(c, next))).toString('latin1');
}
