// GetNewPrescriptionsV2Async / GetNewPrescriptionsCountV2Async (CONTRACT §6.1, §6.2) with the SQL
// shapes EF Core 8 / Npgsql 8 issue (shared/legacy/ef-shape-v2.sql): per selected type one page query
// whose first-row joins run ROW_NUMBER() over the whole daten and status tables, then separate count
// queries — sequential statements, no transaction — so the emulator costs what the legacy costs.
import type { SqlExecutor } from '../../core/sql-port.js';
import type { StjObject } from '../../core/stj-json.js';
import { formatUnspecifiedDateTime, formatUtcTicks } from '../../core/stj-datetime.js';
import {
  ALL_TABLES,
  countSql,
  equalsOrdinalIgnoreCase,
  newPredicate,
  type PrescriptionTables,
  type PrescriptionType,
} from './prescription-tables.js';

/** §6.1.1: null/empty → all three; otherwise ordinal-ignore-case equality; no match → none. */
export function selectV2Tables(type: string | null): PrescriptionTables[] {
  if (type === null || type === '') return [...ALL_TABLES];
  return ALL_TABLES.filter((t) => equalsOrdinalIgnoreCase(type, t.type));
}

const DATEN_COLUMNS = (t: PrescriptionTables) => [
  t.datenPk,
  t.fk,
  'rezept_uuid',
  'transfer_arz',
  'xml_request',
];

/** The EF Core list shape for one type: $1 = pageSize (LIMIT), $2 = offset. */
export function v2PageSql(t: PrescriptionTables): string {
  const head = ['id', ...t.v2HeadColumns].map((c) => (c === 'id' ? t.fk : c));
  const daten = DATEN_COLUMNS(t);
  const status = [t.statusPk, ...t.statusColumns];
  // Output columns of t1/t3 are prefixed only because node-postgres keys rows by name (EF reads by ordinal).
  const select = [
    ...head.map((c) => `t.${c}`),
    ...daten.map((c) => `t1.${c} AS d_${c}`),
    ...status.map((c) => `t3.${c} AS s_${c}`),
  ].join(', ');
  return `SELECT ${select}
FROM (
    SELECT ${head.map((c) => `e.${c}`).join(', ')}
    FROM ${t.head} AS e
    WHERE ${newPredicate(t)}
    ORDER BY e.${t.fk} DESC
    LIMIT $1 OFFSET $2
) AS t
LEFT JOIN (
    SELECT ${daten.map((c) => `t0.${c}`).join(', ')}
    FROM (
        SELECT ${daten.map((c) => `e2.${c}`).join(', ')}, ROW_NUMBER() OVER(PARTITION BY e2.${t.fk} ORDER BY e2.${t.datenPk}) AS row
        FROM ${t.daten} AS e2
        WHERE NOT (e2.transfer_arz)
    ) AS t0
    WHERE t0.row <= 1
) AS t1 ON t.${t.fk} = t1.${t.fk}
LEFT JOIN (
    SELECT ${status.map((c) => `t2.${c}`).join(', ')}
    FROM (
        SELECT ${status.map((c) => `e3.${c}`).join(', ')}, ROW_NUMBER() OVER(PARTITION BY e3.${t.fk} ORDER BY e3.${t.statusPk}) AS row
        FROM ${t.status} AS e3
    ) AS t2
    WHERE t2.row <= 1
) AS t3 ON t.${t.fk} = t3.${t.fk}
ORDER BY t.${t.fk} DESC`;
}

/** The statements are fixed per type: built once. */
const PAGE_SQL: ReadonlyMap<PrescriptionTables, string> = new Map(ALL_TABLES.map((t) => [t, v2PageSql(t)]));
const COUNT_SQL: ReadonlyMap<PrescriptionTables, string> = new Map(ALL_TABLES.map((t) => [t, countSql(t)]));

type Row = Record<string, unknown>;

const AVS_SYSTEM: StjObject = { manufacturer: 'GfAL', name: 'ArzTi', version: '3.0' };

const bigintOrNull = (v: unknown): bigint | null =>
  v === null || v === undefined ? null : BigInt(v as string);
const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));

/** PrescriptionV2Dto (§3.6 member order), mapped like the repository's foreach with DateTime.UtcNow per item. */
function toV2Dto(t: PrescriptionTables, row: Row, utcNow: () => bigint): StjObject {
  const statusDate = textOrNull(row.s_status_abfrage_datum);
  const statusTime = textOrNull(row.s_status_abfrage_zeit);
  return {
    type: t.type,
    id: row[t.fk] as number,
    rezeptUuid: textOrNull(row.d_rezept_uuid),
    xmlRequest: textOrNull(row.d_xml_request),
    transferArz: (row.d_transfer_arz as boolean | null) ?? false,
    rzLieferId: t.type === 'eMuster16' ? textOrNull(row.rz_liefer_id) : null,
    muster16Id: t.type === 'eMuster16' ? bigintOrNull(row.muster16_id) : null,
    transaktionsNummer: t.type === 'P-Rezept' ? bigintOrNull(row.transaktions_nummer) : null,
    erezeptId: t.type === 'E-Rezept' ? textOrNull(row.erezept_id) : null,
    datenId: row[`d_${t.datenPk}`] as number,
    regelTrefferCode: textOrNull(row.s_abrechen_status),
    checkLevel: textOrNull(row.s_rezept_status),
    statusAbfrageDatum: statusDate === null ? null : formatUnspecifiedDateTime(statusDate, null),
    statusAbfrageZeit:
      statusDate === null || statusTime === null ? null : formatUnspecifiedDateTime(statusDate, statusTime),
    deliveryTimestamp: formatUtcTicks(utcNow()),
    avsSystem: AVS_SYSTEM,
  };
}

export interface V2Item {
  readonly type: PrescriptionType;
  readonly dto: StjObject;
}

/**
 * GetNewPrescriptionsV2Async: the page of each selected type, concatenated in block order. A negative
 * offset or limit fails in PostgreSQL (→ the controller's 500), as it does for the legacy.
 */
export async function readV2Page(
  db: SqlExecutor,
  selected: readonly PrescriptionTables[],
  page: number,
  pageSize: number,
  utcNow: () => bigint,
): Promise<V2Item[]> {
  const offset = Math.imul((page - 1) | 0, pageSize); // C# int arithmetic (wraps)
  const items: V2Item[] = [];
  for (const t of selected) {
    const { rows } = await db.query<Row>(PAGE_SQL.get(t) as string, [pageSize, offset]);
    for (const row of rows) {
      // `if (item.Data != null)`: a head without an untransferred daten row is skipped.
      if (row[`d_${t.datenPk}`] === null || row[`d_${t.datenPk}`] === undefined) continue;
      items.push({ type: t.type, dto: toV2Dto(t, row, utcNow) });
    }
  }
  return items;
}

/** GetNewPrescriptionsCountV2Async: one count statement per selected type, summed as int32. */
export async function countNew(db: SqlExecutor, selected: readonly PrescriptionTables[]): Promise<number> {
  let total = 0;
  for (const t of selected) {
    const { rows } = await db.query<{ count: number }>(COUNT_SQL.get(t) as string);
    total = (total + (rows[0]?.count ?? 0)) | 0;
  }
  return total;
}
