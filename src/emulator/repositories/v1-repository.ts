// The deprecated v1 repository methods (CONTRACT §6.5, §6.6): the list loads every new prescription of
// each selected type (XML included, correlated scalar subqueries, no ORDER BY) and pages in memory
// (Q21); mark-as-read and set-abgerechnet look up by UUID and write through one SaveChanges (Q19, Q20).
import type { SqlDatabase, SqlExecutor } from '../../core/sql-port.js';
import type { StjObject } from '../../core/stj-json.js';
import { UnitOfWork } from './ef-unit-of-work.js';
import {
  ALL_TABLES,
  EMUSTER16,
  EREZEPT,
  PREZEPT,
  equalsOrdinalIgnoreCase,
  newPredicate,
  type PrescriptionTables,
} from './prescription-tables.js';

/** v1 filter vocabulary: eMuster16, pRezept, eRezept (ordinal-ignore-case); output names differ (Q7). */
export function selectV1Tables(rezeptType: string | null): PrescriptionTables[] {
  if (rezeptType === null || rezeptType === '') return [...ALL_TABLES];
  const names: ReadonlyMap<PrescriptionTables, string> = new Map([
    [EMUSTER16, 'eMuster16'],
    [PREZEPT, 'pRezept'],
    [EREZEPT, 'eRezept'],
  ]);
  return ALL_TABLES.filter((t) => equalsOrdinalIgnoreCase(rezeptType, names.get(t) as string));
}

/** `x.Datens.First(d => d.TransferArz == false).<column>` becomes its own scalar subquery. */
function firstDaten(t: PrescriptionTables, alias: string, expression: string, as: string): string {
  return `(
    SELECT ${expression.replace(/\$/g, alias)}
    FROM ${t.daten} AS ${alias}
    WHERE e.${t.fk} = ${alias}.${t.fk} AND NOT (${alias}.transfer_arz)
    LIMIT 1) AS "${as}"`;
}

export function v1ListSql(t: PrescriptionTables): string {
  const head = [`e.${t.fk} AS "Id"`, ...t.v1HeadColumns.map((c) => `e.${c}`)];
  const subqueries = [
    firstDaten(t, 'e2', '$.rezept_uuid', 'RezeptUuid'),
    firstDaten(t, 'e3', '$.xml_request', 'XmlRequest'),
    firstDaten(t, 'e4', 'COALESCE($.transfer_arz, FALSE)', 'TransferArz'),
    firstDaten(t, 'e5', `$.${t.datenPk}`, 'DatenId'),
  ];
  return `SELECT ${[...head, ...subqueries].join(', ')}
FROM ${t.head} AS e
WHERE ${newPredicate(t)}`;
}

const LIST_SQL: ReadonlyMap<PrescriptionTables, string> = new Map(ALL_TABLES.map((t) => [t, v1ListSql(t)]));

type Row = Record<string, unknown>;
const bigintOrNull = (v: unknown): bigint | null =>
  v === null || v === undefined ? null : BigInt(v as string);

/** PrescriptionDto (§3.6): rzLieferId for all three types, unlike V2. */
function toV1Dto(t: PrescriptionTables, row: Row): StjObject {
  if (row.TransferArz === null) throw new Error('Nullable object must have a value.'); // bool materialization
  return {
    type: t.type,
    id: row.Id as number,
    rezeptUuid: row.RezeptUuid as string | null,
    xmlRequest: row.XmlRequest as string | null,
    transferArz: row.TransferArz as boolean,
    rzLieferId: row.rz_liefer_id as string,
    muster16Id: t === EMUSTER16 ? bigintOrNull(row.muster16_id) : null,
    transaktionsNummer: t === PREZEPT ? bigintOrNull(row.transaktions_nummer) : null,
    erezeptId: t === EREZEPT ? (row.erezept_id as string | null) : null,
    datenId: row.DatenId as number | null,
  };
}

/** GetNewPrescriptionsAsync: everything loaded, then Skip((page-1)*pageSize).Take(pageSize). */
export async function readV1Page(
  db: SqlExecutor,
  selected: readonly PrescriptionTables[],
  page: number,
  pageSize: number,
): Promise<StjObject[]> {
  const all: StjObject[] = [];
  for (const t of selected) {
    const { rows } = await db.query<Row>(LIST_SQL.get(t) as string);
    for (const row of rows) all.push(toV1Dto(t, row));
  }
  const skip = Math.max(0, Math.imul((page - 1) | 0, pageSize));
  return pageSize <= 0 ? [] : all.slice(skip, skip + pageSize);
}

export interface PrescriptionIdentifier {
  readonly type: string;
  readonly rezeptUuid: string;
}

/** Per type the UUIDs of items with that exact (case-sensitive) type name; others are ignored (Q7, Q19). */
function plan(items: readonly PrescriptionIdentifier[]): Array<[PrescriptionTables, string[]]> {
  return ALL_TABLES.map((t): [PrescriptionTables, string[]] => [
    t,
    items.filter((p) => p.rezeptUuid !== '' && p.type === t.type).map((p) => p.rezeptUuid),
  ]).filter(([, uuids]) => uuids.length > 0);
}

/** MarkAsReadByUuidAsync: transfer_arz = true and status GELESEN (also over ABGERECHNET, Q20). */
export async function markAsRead(
  openDb: () => SqlDatabase,
  items: readonly PrescriptionIdentifier[],
  today: () => string,
): Promise<void> {
  const work = plan(items);
  if (work.length === 0) return; // no statement at all, not even a connection
  const db = openDb();
  const uow = new UnitOfWork(db);
  for (const [t, uuids] of work) {
    const { rows } = await db.query<Row>(
      `SELECT e.${t.datenPk}, e.${t.fk}, e.rezept_uuid, e.transfer_arz, e.xml_request
FROM ${t.daten} AS e
WHERE e.rezept_uuid <> '' AND e.rezept_uuid = ANY ($1) AND NOT (e.transfer_arz)`,
      [uuids],
    );
    const heads: number[] = [];
    for (const row of rows) {
      const daten = uow.track(t, row);
      daten.transferArz = true;
      if (daten.fk !== null && !heads.includes(daten.fk)) heads.push(daten.fk);
    }
    for (const id of heads) await uow.setStatus(t, id, 'GELESEN', today());
  }
  if (uow.hasChanges()) await db.transaction((tx) => uow.saveChanges(tx));
}

/** SetStatusAbgerechnetByUuidAsync: status ABGERECHNET, whatever transfer_arz is (Q20). */
export async function setAbgerechnet(
  openDb: () => SqlDatabase,
  items: readonly PrescriptionIdentifier[],
  today: () => string,
): Promise<void> {
  const work = plan(items);
  if (work.length === 0) return;
  const db = openDb();
  const uow = new UnitOfWork(db);
  for (const [t, uuids] of work) {
    const { rows } = await db.query<Row>(
      `SELECT DISTINCT e.${t.fk}
FROM ${t.daten} AS e
WHERE e.rezept_uuid <> '' AND e.rezept_uuid = ANY ($1) AND e.${t.fk} IS NOT NULL`,
      [uuids],
    );
    for (const row of rows) await uow.setStatus(t, row[t.fk] as number, 'ABGERECHNET', today());
  }
  if (uow.hasChanges()) await db.transaction((tx) => uow.saveChanges(tx));
}
