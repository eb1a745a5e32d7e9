// CONTRACT §3.7: the emulator answers GET /v2/rezept?page=1&pageSize=100 (Development) with the
// documented bytes, apart from the four "now" timestamps, from the sample rows described there.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  insertPrescriptions,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';

const EXPECTED =
  '{"prescriptions":[{"type":"eMuster16","id":48213,"rezeptUuid":"7f3c2a10-5b8e-4d21-9c3a-0e6f1b2d4a55","xmlRequest":"\\u003C?xml version=\\u00221.0\\u0022 encoding=\\u0022UTF-8\\u0022?\\u003E\\u003CeMuster16\\u003E\\u003CvName\\u003EM\\u00FCller\\u003C/vName\\u003E\\u003CkName\\u003EAOK Nordost\\u003C/kName\\u003E\\u003C/eMuster16\\u003E","transferArz":false,"rzLieferId":"RZ0000000000000004711","muster16Id":160000000123,"transaktionsNummer":null,"erezeptId":null,"datenId":91544,"regelTrefferCode":"VOR_PRUEFUNG","checkLevel":"VOR_PRUEFUNG","statusAbfrageDatum":"2025-11-03T00:00:00","statusAbfrageZeit":"2025-11-03T14:22:05","deliveryTimestamp":"2025-11-04T09:41:12.3456781Z","avsSystem":{"manufacturer":"GfAL","name":"ArzTi","version":"3.0"}},{"type":"P-Rezept","id":1207,"rezeptUuid":"c1d2e3f4-0a1b-4c2d-8e3f-112233445566","xmlRequest":"\\u003CpRezept\\u003E\\u003Cnotiz\\u003ERezeptur \\u0026 Zubereitung\\u003C/notiz\\u003E\\u003C/pRezept\\u003E","transferArz":false,"rzLieferId":null,"muster16Id":null,"transaktionsNummer":20251103000017,"erezeptId":null,"datenId":3310,"regelTrefferCode":null,"checkLevel":null,"statusAbfrageDatum":null,"statusAbfrageZeit":null,"deliveryTimestamp":"2025-11-04T09:41:12.3518842Z","avsSystem":{"manufacturer":"GfAL","name":"ArzTi","version":"3.0"}},{"type":"E-Rezept","id":90311,"rezeptUuid":"1a16033d-3e5a-488b-8f2c-cd5a02b5bf30","xmlRequest":"\\u003CeRezept id=\\u0027160.000.100.000.001.23\\u0027/\\u003E","transferArz":false,"rzLieferId":null,"muster16Id":null,"transaktionsNummer":null,"erezeptId":"160.000.100.000.001.23","datenId":120045,"regelTrefferCode":"OK","checkLevel":"GELESEN","statusAbfrageDatum":"2025-11-04T00:00:00","statusAbfrageZeit":"2025-11-04T08:15:30.25","deliveryTimestamp":"2025-11-04T09:41:12.3568107Z","avsSystem":{"manufacturer":"GfAL","name":"ArzTi","version":"3.0"}}],"totalCount":3,"page":1,"pageSize":100,"hasNextPage":false,"environment":"Development","responseTimestamp":"2025-11-04T09:41:12.3712245Z"}';

const UTC_STAMP =
  /"(deliveryTimestamp|responseTimestamp)":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?Z"/g;
const mask = (body: string) => body.replace(UTC_STAMP, '"$1":"<now>"');
const stamps = (body: string) =>
  [...body.matchAll(UTC_STAMP)].map((m) => m[0].slice(m[0].indexOf(':') + 2, -1));

describeWith(['postgres'], 'emulator: CONTRACT §3.7 example body', () => {
  let legacy: LegacyFixture;

  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'example', emulator: { environment: 'Development' } });
    await insertPrescriptions(legacy.tenantDb, [
      {
        type: 'eMuster16',
        id: 48213,
        rzLieferId: 'RZ0000000000000004711',
        muster16Id: 160000000123n,
        daten: [
          {
            id: 91544,
            rezeptUuid: '7f3c2a10-5b8e-4d21-9c3a-0e6f1b2d4a55',
            xmlRequest:
              '<?xml version="1.0" encoding="UTF-8"?><eMuster16><vName>Müller</vName><kName>AOK Nordost</kName></eMuster16>',
          },
        ],
        status: [{ statusAbfrageDatum: '2025-11-03', statusAbfrageZeit: '14:22:05' }],
      },
      {
        type: 'P-Rezept',
        id: 1207,
        transaktionsNummer: 20251103000017n,
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
          },
        ],
      },
    ]);
  });

  afterAll(async () => {
    await legacy?.close();
  });

  it('answers byte for byte as documented, apart from the four now-timestamps', async () => {
    const res = await fetch(`${legacy.url}/v2/rezept?page=1&pageSize=100`, {
      headers: { authorization: legacy.auth },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBeNull();
    const body = await res.text();
    expect(mask(body)).toBe(mask(EXPECTED));
    // Each item has its own, increasing deliveryTimestamp; the responseTimestamp comes last.
    const times = stamps(body);
    expect(times).toHaveLength(4);
    const sortable = times.map((t) => {
      const s = t.replace('Z', '');
      return (s.includes('.') ? s : `${s}.`).padEnd(27, '0');
    });
    expect([...sortable].sort()).toEqual(sortable);
    expect(new Set(sortable).size).toBe(4);
  });
});
