// CONTRACT §3.7 as test data: the exact example body, the rows behind it (as the fast queries return
// them) and the four "now" timestamps as 100-ns ticks. Shared by the unit and integration suites.
import type { V2ListRow } from '../../../src/prescriptions/fast-queries.js';

// CONTRACT §3.7, verbatim.
export const EXAMPLE =
  '{"prescriptions":[{"type":"eMuster16","id":48213,"rezeptUuid":"7f3c2a10-5b8e-4d21-9c3a-0e6f1b2d4a55","xmlRequest":"\\u003C?xml version=\\u00221.0\\u0022 encoding=\\u0022UTF-8\\u0022?\\u003E\\u003CeMuster16\\u003E\\u003CvName\\u003EM\\u00FCller\\u003C/vName\\u003E\\u003CkName\\u003EAOK Nordost\\u003C/kName\\u003E\\u003C/eMuster16\\u003E","transferArz":false,"rzLieferId":"RZ0000000000000004711","muster16Id":160000000123,"transaktionsNummer":null,"erezeptId":null,"datenId":91544,"regelTrefferCode":"VOR_PRUEFUNG","checkLevel":"VOR_PRUEFUNG","statusAbfrageDatum":"2025-11-03T00:00:00","statusAbfrageZeit":"2025-11-03T14:22:05","deliveryTimestamp":"2025-11-04T09:41:12.3456781Z","avsSystem":{"manufacturer":"GfAL","name":"ArzTi","version":"3.0"}},{"type":"P-Rezept","id":1207,"rezeptUuid":"c1d2e3f4-0a1b-4c2d-8e3f-112233445566","xmlRequest":"\\u003CpRezept\\u003E\\u003Cnotiz\\u003ERezeptur \\u0026 Zubereitung\\u003C/notiz\\u003E\\u003C/pRezept\\u003E","transferArz":false,"rzLieferId":null,"muster16Id":null,"transaktionsNummer":20251103000017,"erezeptId":null,"datenId":3310,"regelTrefferCode":null,"checkLevel":null,"statusAbfrageDatum":null,"statusAbfrageZeit":null,"deliveryTimestamp":"2025-11-04T09:41:12.3518842Z","avsSystem":{"manufacturer":"GfAL","name":"ArzTi","version":"3.0"}},{"type":"E-Rezept","id":90311,"rezeptUuid":"1a16033d-3e5a-488b-8f2c-cd5a02b5bf30","xmlRequest":"\\u003CeRezept id=\\u0027160.000.100.000.001.23\\u0027/\\u003E","transferArz":false,"rzLieferId":null,"muster16Id":null,"transaktionsNummer":null,"erezeptId":"160.000.100.000.001.23","datenId":120045,"regelTrefferCode":"OK","checkLevel":"GELESEN","statusAbfrageDatum":"2025-11-04T00:00:00","statusAbfrageZeit":"2025-11-04T08:15:30.25","deliveryTimestamp":"2025-11-04T09:41:12.3568107Z","avsSystem":{"manufacturer":"GfAL","name":"ArzTi","version":"3.0"}}],"totalCount":3,"page":1,"pageSize":100,"hasNextPage":false,"environment":"Development","responseTimestamp":"2025-11-04T09:41:12.3712245Z"}';

export const base = BigInt(Date.parse('2025-11-04T09:41:12Z')) * 10_000n;
export const EXAMPLE_TICKS = [3456781n, 3518842n, 3568107n, 3712245n].map((f) => base + f);

const nul = { rz: null, m16: null, tn: null, erid: null, abr: null, rst: null, sd: null, st: null };
export const EXAMPLE_ROWS: V2ListRow[] = [
  {
    ...nul,
    blk: 1,
    id: 48213,
    did: 91544,
    rezept_uuid: '7f3c2a10-5b8e-4d21-9c3a-0e6f1b2d4a55',
    xml_request:
      '<?xml version="1.0" encoding="UTF-8"?><eMuster16><vName>Müller</vName><kName>AOK Nordost</kName></eMuster16>',
    rz: 'RZ0000000000000004711',
    m16: '160000000123',
    abr: 'VOR_PRUEFUNG',
    rst: 'VOR_PRUEFUNG',
    sd: '2025-11-03',
    st: '14:22:05',
  },
  {
    ...nul,
    blk: 2,
    id: 1207,
    did: 3310,
    rezept_uuid: 'c1d2e3f4-0a1b-4c2d-8e3f-112233445566',
    xml_request: '<pRezept><notiz>Rezeptur & Zubereitung</notiz></pRezept>',
    tn: '20251103000017',
  },
  {
    ...nul,
    blk: 3,
    id: 90311,
    did: 120045,
    rezept_uuid: '1a16033d-3e5a-488b-8f2c-cd5a02b5bf30',
    xml_request: "<eRezept id='160.000.100.000.001.23'/>",
    erid: '160.000.100.000.001.23',
    abr: 'OK',
    rst: 'GELESEN',
    sd: '2025-11-04',
    st: '08:15:30.25',
  },
];

export const EXAMPLE_SUMMARY = { totalCount: 3, page: 1, pageSize: 100, environment: 'Development' };

/** A fake clock returning exactly the given ticks, then failing. */
export function fakeClock(ticks: readonly bigint[]): () => bigint {
  let i = 0;
  return () => {
    const t = ticks[i++];
    if (t === undefined) throw new Error('fake clock exhausted');
    return t;
  };
}
