// CONTRACT §7, quirks Q10–Q18: one test per quirk, asserting the documented behaviour over HTTP.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/emulator.js';
import {
  basicAuth,
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

describeWith(['postgres'], 'emulator: quirks Q10–Q18', () => {
  let legacy: LegacyFixture;

  beforeAll(async () => {
    legacy = await startLegacyFixture({
      prefix: 'quirks2',
      users: [{ loginName: 'other_mandant', password: 'pw', mandantCode: 'OTHER' }],
    });
    await insertPrescriptions(legacy.tenantDb, [
      {
        type: 'P-Rezept',
        id: 50,
        daten: [
          { id: 5001, rezeptUuid: 'p50-first' },
          { id: 5002, rezeptUuid: 'p50-second' },
        ],
      },
      {
        type: 'P-Rezept',
        id: 51,
        daten: [{ rezeptUuid: 'p51', transferArz: true }],
        status: [
          { rezeptStatus: 'GELESEN', statusAbfrageDatum: '2024-12-24', statusAbfrageZeit: '18:30:00' },
        ],
      },
      {
        type: 'P-Rezept',
        id: 52,
        daten: [{ rezeptUuid: 'p52' }],
        status: [{}, { rezeptStatus: 'ABGERECHNET' }],
      },
      { type: 'P-Rezept', id: 53, daten: [{ rezeptUuid: 'shared-uuid' }] },
      { type: 'eMuster16', id: 60, daten: [{ rezeptUuid: 'shared-uuid' }] },
    ]);
    // 1001 new E-Rezepte: only the 1000 newest are visible to statusuuid.
    await legacy.tenantDb.query(
      `INSERT INTO er_senderezepte_erezept (id_senderezepte_erezept, id_senderezepte_header, rz_liefer_id)
       SELECT g, 1, 'RZ' || g FROM generate_series(1, 1001) g`,
    );
    await legacy.tenantDb.query(
      `INSERT INTO er_senderezepte_erezept_daten (id_senderezepte_erezept, rezept_uuid, xml_request)
       SELECT g, 'bulk-' || g, '<x/>' FROM generate_series(1, 1001) g`,
    );
  });

  afterAll(async () => {
    await legacy?.close();
  });

  const send = async (method: string, path: string, body?: unknown, auth = legacy.auth) =>
    fetch(`${legacy.url}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async (res: Promise<Response>) => (await (await res).json()) as Record<string, unknown>;
  const statusUuid = (uuids: string[]) =>
    json(send('PATCH', '/v2/rezept/statusuuid', { rezeptUuids: uuids }));

  it('Q10 — statusuuid only sees new prescriptions among the 1000 newest per type, via the first daten row', async () => {
    const r = await statusUuid([
      'bulk-1001',
      'bulk-1001',
      'bulk-1',
      'p50-second',
      'p51',
      'p52',
      'bulk-1',
      'p50-first',
    ]);
    // Scan order (P-Rezept block before E-Rezept), not request order.
    expect((r.prescriptions as Array<{ rezeptUuid: string }>).map((p) => p.rezeptUuid)).toEqual([
      'p50-first',
      'bulk-1001',
    ]);
    expect([r.totalCount, r.successCount, r.errorCount]).toEqual([8, 2, 6]); // the duplicate counts as an error
    expect(r.globalErrors).toEqual([
      'Prescription not found: bulk-1', // older than the 1000 newest E-Rezepte
      'Prescription not found: p50-second', // not the lowest-key untransferred daten row
      'Prescription not found: p51', // transferred
      'Prescription not found: p52', // has an ABGERECHNET status row
    ]);
    // One UUID in two type tables: found twice, errorCount becomes negative.
    const shared = await statusUuid(['shared-uuid']);
    expect((shared.prescriptions as Array<{ type: string }>).map((p) => p.type)).toEqual([
      'eMuster16',
      'P-Rezept',
    ]);
    expect([shared.totalCount, shared.successCount, shared.errorCount]).toEqual([1, 2, -1]);
  });

  it('Q11 — PATCH statusuuid is a read: no side effects, and GET is 405', async () => {
    const snapshot = async () =>
      (
        await legacy.tenantDb.query(
          `SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM er_senderezepte_prezept_daten t) AS d,
                  (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM er_senderezepte_prezept_status t) AS s`,
        )
      ).rows[0];
    const before = await snapshot();
    await statusUuid(['p50-first', 'p51']);
    expect(await snapshot()).toEqual(before);
    const get = await send('GET', '/v2/rezept/statusuuid');
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'PATCH']);
    await get.text();
  });

  it('Q12 — bulk update: errors inside a 200, transferArz:false re-opens, status_abfrage_zeit goes stale', async () => {
    const res = await send('PATCH', '/v2/rezept/status', {
      updates: [
        { rezeptUuid: 'p51', type: 'P-Rezept', transferArz: false, status: 'VERARBEITET' },
        { rezeptUuid: 'missing', type: 'P-Rezept' },
      ],
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as object).toMatchObject({ success: false, successCount: 1, errorCount: 1 });
    const listed = await json(send('GET', '/v2/rezept?type=P-Rezept'));
    const p51 = (listed.prescriptions as Array<Record<string, unknown>>).find((p) => p.id === 51);
    expect(p51).toMatchObject({
      checkLevel: 'VERARBEITET',
      statusAbfrageDatum: `${berlinToday()}T00:00:00`,
      statusAbfrageZeit: `${berlinToday()}T18:30:00`, // today's date with the old time
    });
  });

  it('Q13 — MaxPageSize per environment (silent cap, echoed); MaxBulkSize 1000; no cap for v1/Apotheken', async () => {
    const expected: Array<[string | undefined, number]> = [
      ['Development', 500],
      ['Production', 500],
      ['Test', 1000],
      ['Staging', 10000],
      ['Live', 100000],
    ];
    for (const [environment, cap] of expected) {
      const emulator = await startEmulator({
        management: legacy.managementDb,
        ...(environment ? { environment } : {}),
      });
      try {
        const res = await fetch(`${emulator.url}/v2/rezept?type=none&pageSize=2000000`, {
          headers: { authorization: legacy.auth },
        });
        expect(((await res.json()) as { pageSize: number }).pageSize, environment).toBe(cap);
      } finally {
        await emulator.close();
      }
    }
    const v1 = await json(send('GET', '/api/v1/Prescriptions/new?rezeptType=none&pageSize=2000000'));
    expect(v1.pageSize).toBe(2000000);
    const apotheken = await json(send('GET', '/api/Apotheken?pageSize=2000000'));
    expect(apotheken.pageSize).toBe(2000000);
    const uuids = Array.from({ length: 1000 }, (_, i) => `u${i}`);
    expect((await send('PATCH', '/v2/rezept/statusuuid', { rezeptUuids: uuids })).status).toBe(200);
    const tooMany = await send('PATCH', '/v2/rezept/statusuuid', { rezeptUuids: [...uuids, 'one-more'] });
    expect([tooMany.status, await tooMany.text()]).toEqual([400, 'Bulk operation limited to 1000 items']);
  });

  it('Q14 — no parameter validation: absurd paging is echoed, v1 pages in memory', async () => {
    expect(await json(send('GET', '/v2/rezept?type=none&page=0&pageSize=-5'))).toMatchObject({
      prescriptions: [],
      totalCount: 0,
      page: 0,
      pageSize: -5,
      hasNextPage: false,
    });
    const v1 = await json(send('GET', '/api/v1/Prescriptions/new?rezeptType=pRezept&page=-5&pageSize=2'));
    expect([(v1.prescriptions as unknown[]).length, v1.page, v1.totalCount]).toEqual([2, -5, 3]); // P-Rezept 50, 51 (re-opened in Q12), 53
    const empty = await json(send('GET', '/api/v1/Prescriptions/new?rezeptType=pRezept&pageSize=0'));
    expect(empty).toMatchObject({ prescriptions: [], pageSize: 0, hasNextPage: true });
    expect((await send('GET', '/v2/rezept?type=P-Rezept&page=0')).status).toBe(500);
  });

  it('Q15 — environment comes from the hosting environment (Test/Staging/Live set it themselves)', async () => {
    for (const [environment, value] of [
      ['Development', 'Development'],
      ['Production', 'Production'],
      ['live', 'Live'],
      ['Test', 'Test'],
    ]) {
      const emulator = await startEmulator({ management: legacy.managementDb, environment });
      try {
        const res = await fetch(`${emulator.url}/v2/rezept?type=none`, {
          headers: { authorization: legacy.auth },
        });
        expect(((await res.json()) as { environment: string }).environment).toBe(value);
      } finally {
        await emulator.close();
      }
    }
  });

  it('Q16 — every response carries fresh timestamps: identical requests are never byte-equal', async () => {
    const a = await (await send('GET', '/v2/rezept?type=eMuster16')).text();
    const b = await (await send('GET', '/v2/rezept?type=eMuster16')).text();
    expect(a).not.toBe(b);
    const mask = (s: string) => s.replace(/"(deliveryTimestamp|responseTimestamp)":"[^"]+"/g, '"$1":""');
    expect(mask(a)).toBe(mask(b));
  });

  it('Q17 — authentication: no cache, datenbank_aktiv and mandant consistency ignored', async () => {
    await legacy.managementDb.query('UPDATE arzsw_datenbank SET datenbank_aktiv = false');
    const before = legacy.emulator.stats.managementQueries;
    for (let i = 0; i < 3; i++) expect((await send('GET', '/v2/rezept?type=none')).status).toBe(200);
    expect(legacy.emulator.stats.managementQueries - before).toBe(3); // one query per request
    // A user of mandant OTHER mapped to a database of mandant TEST001 is served.
    expect(
      (await send('GET', '/v2/rezept?type=none', undefined, basicAuth('other_mandant', 'pw'))).status,
    ).toBe(200);
    const denied = await send('GET', '/v2/rezept', undefined, basicAuth('other_mandant', 'PW'));
    expect([denied.status, await denied.text()]).toEqual([401, '']);
  });

  it('Q18 — error formats: strings, a JSON object, ProblemDetails and empty bodies', async () => {
    const str = await send('PATCH', '/v2/rezept/status', { updates: [] });
    expect([str.headers.get('content-type'), await str.text()]).toEqual([
      'text/plain; charset=utf-8',
      'Updates list cannot be empty',
    ]);
    const problem = await send('GET', '/v2/rezept?page=x');
    expect(problem.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(((await problem.json()) as { status: number }).status).toBe(400);
    for (const [method, path, status] of [
      ['GET', '/api/Prescriptions/new', 400],
      ['GET', '/nothing', 404],
      ['POST', '/v2/rezept', 405],
    ] as const) {
      const res = await send(method, path);
      expect([res.status, await res.text()]).toEqual([status, '']);
    }
    const challenged = await fetch(`${legacy.url}/v2/rezept`);
    expect([challenged.status, await challenged.text()]).toEqual([401, '']);
  });
});
