// The oracle for the fast-path tests: CONTRACT §6.1.6's reference SQL (head-driven EXISTS / NOT EXISTS,
// lowest-PK LATERAL lookups) for list and count, and §6.3's statusuuid computed from it in memory,
// exactly as the legacy does. Deliberately straightforward; shares no code with src/prescriptions.
import type { SqlExecutor } from '../../../src/core/sql-port.js';
import type { StatusUuidRow, V2ListRow } from '../../../src/prescriptions/fast-queries.js';

type T = 'eMuster16' | 'P-Rezept' | 'E-Rezept';
const ORDER: T[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];
const STEM: Record<T, string> = { eMuster16: 'emuster16', 'P-Rezept': 'prezept', 'E-Rezept': 'erezept' };

function listSql(type: T): string {
  const s = STEM[type];
  const blk = ORDER.indexOf(type) + 1;
  const head =
    type === 'eMuster16'
      ? 'e.rz_liefer_id::text AS rz, e.muster16_id AS m16, NULL::bigint AS tn, NULL::text AS erid'
      : type === 'P-Rezept'
        ? 'NULL::text AS rz, NULL::bigint AS m16, e.transaktions_nummer AS tn, NULL::text AS erid'
        : 'NULL::text AS rz, NULL::bigint AS m16, NULL::bigint AS tn, e.erezept_id::text AS erid';
  return `
    WITH p AS (
      SELECT e.* FROM er_senderezepte_${s} e
      WHERE EXISTS (SELECT 1 FROM er_senderezepte_${s}_daten d
                    WHERE d.id_senderezepte_${s} = e.id_senderezepte_${s} AND NOT d.transfer_arz)
        AND NOT EXISTS (SELECT 1 FROM er_senderezepte_${s}_status s
                    WHERE s.id_senderezepte_${s} = e.id_senderezepte_${s} AND s.rezept_status = 'ABGERECHNET')
      ORDER BY e.id_senderezepte_${s} DESC
      LIMIT $1 OFFSET $2)
    SELECT ${blk} AS blk, e.id_senderezepte_${s} AS id, d.id_senderezepte_${s}_daten AS did, d.rezept_uuid,
           d.xml_request, ${head}, s.abrechen_status AS abr, s.rezept_status AS rst,
           s.status_abfrage_datum AS sd, s.status_abfrage_zeit AS st
    FROM p e
    LEFT JOIN LATERAL (SELECT * FROM er_senderezepte_${s}_daten d
                       WHERE d.id_senderezepte_${s} = e.id_senderezepte_${s} AND NOT d.transfer_arz
                       ORDER BY d.id_senderezepte_${s}_daten LIMIT 1) d ON true
    LEFT JOIN LATERAL (SELECT * FROM er_senderezepte_${s}_status s
                       WHERE s.id_senderezepte_${s} = e.id_senderezepte_${s}
                       ORDER BY s.id_senderezepte_${s}_status LIMIT 1) s ON true
    ORDER BY e.id_senderezepte_${s} DESC`;
}

function countSql(type: T): string {
  const s = STEM[type];
  return `SELECT count(*)::int AS n FROM er_senderezepte_${s} e
    WHERE EXISTS (SELECT 1 FROM er_senderezepte_${s}_daten d
                  WHERE d.id_senderezepte_${s} = e.id_senderezepte_${s} AND NOT d.transfer_arz)
      AND NOT EXISTS (SELECT 1 FROM er_senderezepte_${s}_status s
                  WHERE s.id_senderezepte_${s} = e.id_senderezepte_${s} AND s.rezept_status = 'ABGERECHNET')`;
}

export async function referenceList(
  db: SqlExecutor,
  types: readonly T[],
  pageSize: number,
  offset: number,
): Promise<{ totalCount: number; rows: V2ListRow[] }> {
  const rows: V2ListRow[] = [];
  let totalCount = 0;
  for (const type of ORDER.filter((t) => types.includes(t))) {
    rows.push(...(await db.query<V2ListRow>(listSql(type), [pageSize, offset])).rows);
  }
  for (const type of ORDER.filter((t) => types.includes(t))) {
    totalCount += (await db.query<{ n: number }>(countSql(type))).rows[0]!.n;
  }
  return { totalCount, rows };
}

/** §6.3: page (1, 1000, all types) filtered in memory by ordinal membership, scan order kept. */
export async function referenceStatusUuid(
  db: SqlExecutor,
  requested: readonly string[],
): Promise<StatusUuidRow[]> {
  const { rows } = await referenceList(db, ORDER, 1000, 0);
  const wanted = new Set(requested);
  return rows
    .filter((r) => wanted.has(r.rezept_uuid))
    .map((r) => ({ blk: r.blk, id: r.id, rezept_uuid: r.rezept_uuid, abr: r.abr, rst: r.rst, sd: r.sd }));
}
