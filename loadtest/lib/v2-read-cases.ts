// What `loadtest/v2-read-bench.ts` measures (issues #5 and #6): the V2 read requests, which configuration
// answers each and with which `X-Edge` value, the targets, and the tenant facts the requests are built
// from (new prescriptions per type, the busiest type). Reads the tenant database only; never writes.
import pg from 'pg';
import type { LoadRequest } from './autocannon-load.js';

export type ReadConfig = 'emulator' | 'proxy-sql' | 'proxy-cache';

export const READ_CONFIG_TITLES: Readonly<Record<ReadConfig, string>> = {
  emulator: 'emulator (the legacy, direct)',
  'proxy-sql': 'arzti-edge, sql mode',
  'proxy-cache': 'arzti-edge, cache mode (hit)',
};

/** First token of `X-Edge` a configuration must answer with; `(none)`: the header is absent. */
export const EXPECTED_EDGE: Readonly<Record<ReadConfig, string>> = {
  emulator: '(none)',
  'proxy-sql': 'sql',
  'proxy-cache': 'cache-hit',
};

export const PRESCRIPTION_TYPES = ['eMuster16', 'P-Rezept', 'E-Rezept'] as const;
export type PrescriptionTypeName = (typeof PRESCRIPTION_TYPES)[number];

const STEM: Readonly<Record<PrescriptionTypeName, string>> = {
  eMuster16: 'emuster16',
  'P-Rezept': 'prezept',
  'E-Rezept': 'erezept',
};

/** Issue #5's targets (sql mode, meant for the 1M data set) and issue #6's (cache hit). */
export const TARGETS = {
  speedUp: 50,
  singleTypeP95Ms: 50,
  allTypesP95Ms: 150,
  hitP50MsAtLoad: 1,
  hitShareOfBare: 0.5,
} as const;

export interface ReadCase {
  readonly id: string;
  /** Shown in the tables, e.g. `pageSize=1000&type=E-Rezept`. */
  readonly title: string;
  readonly request: LoadRequest;
  readonly configs: readonly ReadConfig[];
  /** Issue #5's p95 target of the sql mode, when the issue names one for this request. */
  readonly sqlP95TargetMs?: number;
}

export const PAGE_SIZES = [100, 500, 1000] as const;
export const STATUSUUID_COUNT = 1000;
/** The request of issue #6 (cache hit vs sql vs emulator vs bare); also a case of issue #5. */
export const HIT_CASE_ID = 'list-100';

/** Issue #5's cases in measuring order; list-100 also gets the cache hit (issue #6, single client). */
export function readCases(type: PrescriptionTypeName, authorization: string, uuids: readonly string[]) {
  const cases: ReadCase[] = [];
  for (const withType of [false, true]) {
    for (const pageSize of PAGE_SIZES) {
      const query = `page=1&pageSize=${pageSize}${withType ? `&type=${type}` : ''}`;
      const id = `list-${pageSize}${withType ? '-type' : ''}`;
      cases.push({
        id,
        title: `GET /v2/rezept?${query}`,
        request: { method: 'GET', path: `/v2/rezept?${query}`, headers: { authorization } },
        configs: id === HIT_CASE_ID ? ['emulator', 'proxy-sql', 'proxy-cache'] : ['emulator', 'proxy-sql'],
        ...(pageSize === 1000
          ? { sqlP95TargetMs: withType ? TARGETS.singleTypeP95Ms : TARGETS.allTypesP95Ms }
          : {}),
      });
    }
  }
  cases.push({
    id: `statusuuid-${uuids.length}`,
    title: `PATCH /v2/rezept/statusuuid (${uuids.length} uuids)`,
    request: {
      method: 'PATCH',
      path: '/v2/rezept/statusuuid',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ rezeptUuids: uuids }),
    },
    configs: ['emulator', 'proxy-sql'],
  });
  return cases;
}

/** New prescriptions per type (the predicate of CONTRACT §6.1.2, what `totalCount` sums). */
export async function newCountsByType(tenantUrl: string): Promise<Record<PrescriptionTypeName, number>> {
  const client = new pg.Client({ connectionString: tenantUrl, application_name: 'arzti-v2-read-bench' });
  await client.connect();
  try {
    const counts = {} as Record<PrescriptionTypeName, number>;
    for (const type of PRESCRIPTION_TYPES) {
      const t = STEM[type];
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM er_senderezepte_${t} e
          WHERE EXISTS (SELECT 1 FROM er_senderezepte_${t}_daten d
                         WHERE d.id_senderezepte_${t} = e.id_senderezepte_${t} AND NOT d.transfer_arz)
            AND NOT EXISTS (SELECT 1 FROM er_senderezepte_${t}_status s
                             WHERE s.id_senderezepte_${t} = e.id_senderezepte_${t} AND s.rezept_status = 'ABGERECHNET')`,
      );
      counts[type] = rows[0]?.n ?? 0;
    }
    return counts;
  } finally {
    await client.end();
  }
}

export function busiestType(counts: Readonly<Record<PrescriptionTypeName, number>>): PrescriptionTypeName {
  return PRESCRIPTION_TYPES.reduce((best, t) => (counts[t] > counts[best] ? t : best));
}

/**
 * Items in an answer: `prescriptions.length` of a list, `successCount` of a statusuuid answer (found
 * prescriptions); NaN when the body is not such JSON.
 */
export function itemsIn(body: Buffer | undefined): number {
  if (body === undefined) return NaN;
  try {
    const json = JSON.parse(body.toString('utf8')) as { prescriptions?: unknown[]; successCount?: number };
    if (typeof json.successCount === 'number') return json.successCount;
    return Array.isArray(json.prescriptions) ? json.prescriptions.length : NaN;
  } catch {
    return NaN;
  }
}

const NOW_FIELDS = /"(deliveryTimestamp|responseTimestamp)":"[^"]*"/g;

/** Two answers are the same apart from the "now" timestamps (which also change the byte count). */
export function sameModuloTimestamps(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const strip = (body: Buffer) => body.toString('utf8').replace(NOW_FIELDS, '"$1":""');
  return strip(a) === strip(b);
}
