// SQL text of the fast V2 read path, built once at module load from one template per prescription
// type (CONTRACT §6.1–§6.3). Plan shape: enumerate new heads from the partial daten index
// (transfer_arz = false, migration 001), anti-join the ABGERECHNET partial index, then fetch the page
// rows by LATERAL probes ((fk, pk) indexes, head PK). Cost is O(new prescriptions), never O(table).
// Pure strings; no I/O. The statements need jit off / no parallel workers (v2-fast-answer.ts sets them).
import { PRESCRIPTION_TYPES, TABLE_STEM, type PrescriptionType } from './prescription-types.js';

/** The status-window size of PATCH /v2/rezept/statusuuid: the legacy pages (1, 1000, all types). */
export const STATUS_WINDOW = 1000;

interface TypeSql {
  readonly type: PrescriptionType;
  readonly block: number;
  /** Head columns projected as rz, m16, tn, erid (Q5: rzLieferId only for eMuster16). */
  readonly headColumns: string;
  readonly head: string;
  readonly daten: string;
  readonly status: string;
  readonly headPk: string;
  readonly datenPk: string;
  readonly statusPk: string;
  readonly fk: string;
}

function typeSql(type: PrescriptionType, block: number): TypeSql {
  const stem = TABLE_STEM[type];
  const headColumns =
    type === 'eMuster16'
      ? 'h.rz_liefer_id AS rz, h.muster16_id AS m16, NULL::bigint AS tn, NULL::text AS erid'
      : type === 'P-Rezept'
        ? 'NULL::text AS rz, NULL::bigint AS m16, h.transaktions_nummer AS tn, NULL::text AS erid'
        : 'NULL::text AS rz, NULL::bigint AS m16, NULL::bigint AS tn, h.erezept_id::text AS erid';
  return {
    type,
    block,
    headColumns,
    head: `er_senderezepte_${stem}`,
    daten: `er_senderezepte_${stem}_daten`,
    status: `er_senderezepte_${stem}_status`,
    headPk: `id_senderezepte_${stem}`,
    datenPk: `id_senderezepte_${stem}_daten`,
    statusPk: `id_senderezepte_${stem}_status`,
    fk: `id_senderezepte_${stem}`,
  };
}

const TYPES: readonly TypeSql[] = PRESCRIPTION_TYPES.map((t, i) => typeSql(t, i + 1));

/**
 * True when a validated, enforced foreign key daten.fk → head.pk exists: then every daten row's head
 * exists and the per-candidate head probe (about half the cost of a count) can be skipped. Checked
 * in the same statement (an InitPlan, ~0.1 ms), so dropping or disabling the FK is seen at once.
 * Triggers must fire in normal sessions (tgenabled 'O'/'A'); rows loaded with
 * session_replication_role = replica bypass any FK and are the one case this cannot see.
 */
function foreignKeyGuard(t: TypeSql): string {
  return `(SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
      WHERE c.contype = 'f' AND c.convalidated
        AND c.conrelid = '${t.daten}'::regclass AND c.confrelid = '${t.head}'::regclass
        AND c.conkey = ARRAY[(SELECT a.attnum FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.conrelid AND a.attname = '${t.fk}')]
        AND c.confkey = ARRAY[(SELECT a.attnum FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.confrelid AND a.attname = '${t.headPk}')]
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgconstraint = c.oid AND g.tgenabled NOT IN ('O', 'A'))))`;
}

/**
 * Ids of the new heads of one type (§6.1.2), unordered, for a full enumeration (count + page).
 * Driven by the partial index daten (fk, pk) WHERE transfer_arz = false, so the cost is O(new rows),
 * not O(table). `= false` excludes NULL like the legacy's `NOT transfer_arz` (Q22). The legacy drives
 * from the heads, so a daten row whose head is missing must not count: probed unless the FK
 * guarantees it. The planner picks the anti join (a merge over the ABGERECHNET index or probes).
 */
function newHeadIds(t: TypeSql): string {
  return `SELECT n.id FROM (
      SELECT DISTINCT d.${t.fk} AS id FROM ${t.daten} d
      WHERE d.transfer_arz = false AND d.${t.fk} IS NOT NULL) n
    WHERE NOT EXISTS (SELECT 1 FROM ${t.status} x WHERE x.${t.fk} = n.id AND x.rezept_status = 'ABGERECHNET')
      AND (${foreignKeyGuard(t)} OR EXISTS (SELECT 1 FROM ${t.head} h WHERE h.${t.headPk} = n.id))`;
}

/**
 * The `limit` newest new heads of one type (after skipping `offset`) with ids below `below` (SQL
 * expressions; '' for none), as an early-stopping plan: a backward scan of the partial daten index
 * with one ABGERECHNET probe per candidate (forced by LATERAL … LIMIT 1): O(offset + limit) work.
 */
function newestNewHeadIds(t: TypeSql, limit: string, below = '', offset = ''): string {
  return `SELECT n.id FROM (
      SELECT DISTINCT d.${t.fk} AS id FROM ${t.daten} d
      WHERE d.transfer_arz = false AND d.${t.fk} IS NOT NULL${below ? ` AND d.${t.fk} < ${below}` : ''}
      ORDER BY 1 DESC) n
    LEFT JOIN LATERAL (SELECT 1 AS hit FROM ${t.status} x
      WHERE x.${t.fk} = n.id AND x.rezept_status = 'ABGERECHNET' LIMIT 1) x ON true
    WHERE x.hit IS NULL
      AND (${foreignKeyGuard(t)} OR EXISTS (SELECT 1 FROM ${t.head} h WHERE h.${t.headPk} = n.id))
    ORDER BY n.id DESC LIMIT ${limit}${offset ? ` OFFSET ${offset}` : ''}`;
}

/** First untransferred daten row of p.id (lowest PK, §6.1.4) via the partial (fk, pk) index. */
function firstDaten(t: TypeSql, columns: string): string {
  return `CROSS JOIN LATERAL (SELECT d.${t.datenPk} AS did, ${columns} FROM ${t.daten} d
      WHERE d.${t.fk} = p.id AND d.transfer_arz = false ORDER BY d.${t.datenPk} LIMIT 1) d`;
}

/** Oldest status row of p.id among all its status rows (lowest PK, §6.1.4, Q8). */
function firstStatus(t: TypeSql, columns: string): string {
  return `LEFT JOIN LATERAL (SELECT ${columns} FROM ${t.status} s
      WHERE s.${t.fk} = p.id ORDER BY s.${t.statusPk} LIMIT 1) s ON true`;
}

/**
 * What a page statement returns per item: `inline`, the item's columns (V2ListRow), or `ref`, for a caller
 * that keeps encoded items (item-memo.ts): only blk, id and `v`, the item's version, which changes
 * whenever anything the item is made of changes: the xmin of its head, first daten and oldest status row
 * (an UPDATE writes a new row version with the writing transaction's id), the daten PK, and two 64-bit
 * hashes under the caller's secret seed (the statement's seed parameter), one of the item's small fields,
 * one of its document's bytes. The hashes cover what xmin alone cannot see (a database restored to an
 * earlier state that hands out the same transaction ids again). A `ref` statement sends ~50 bytes per
 * item instead of ~2 KB of XML plus 12 fields for the client to decode.
 */
export type ItemColumns = 'inline' | 'ref';

/** The version text of the item in row `p` with laterals h, d, s of pageRows; $seed: the seed parameter. */
function itemVersion(seed: string): string {
  const small = `ROW(h.rz, h.m16, h.tn, h.erid, d.rezept_uuid, s.abrechen_status, s.rezept_status,
      s.status_abfrage_datum, s.status_abfrage_zeit)::text`;
  return `h.hv::text || ',' || d.did || ',' || d.dv::text || ',' || coalesce(s.sv::text, '') || ',' ||
      hashtextextended(${small} COLLATE "C", ${seed}) || ',' || hashtextextended(d.xml_request COLLATE "C", ${seed})`;
}

/**
 * The rows of a page block. Every lookup is a LATERAL probe (LIMIT / OFFSET 0 keep the planner from
 * hashing a whole table for 1000-row pages). Order inside a block is not promised by SQL; callers sort by
 * (blk, id desc). `versioned` adds the item version `v` to the inline columns (for items read to be kept).
 */
function pageRows(t: TypeSql, pageRel: string, items: ItemColumns | 'versioned', seed = ''): string {
  const columns =
    items === 'ref'
      ? `p.id, ${itemVersion(seed)} AS v`
      : `p.id, d.did, d.rezept_uuid, d.xml_request, h.rz, h.m16, h.tn, h.erid,
      s.abrechen_status AS abr, s.rezept_status AS rst, s.status_abfrage_datum AS sd, s.status_abfrage_zeit AS st` +
        (items === 'versioned' ? `, ${itemVersion(seed)} AS v` : '');
  const versions = items === 'inline' ? { h: '', s: '' } : { h: ', h.xmin AS hv', s: ', s.xmin AS sv' };
  return `SELECT ${t.block} AS blk, ${columns}
    FROM ${pageRel} p
    CROSS JOIN LATERAL (SELECT ${t.headColumns}${versions.h} FROM ${t.head} h WHERE h.${t.headPk} = p.id OFFSET 0) h
    ${firstDaten(t, `d.rezept_uuid, d.xml_request${items === 'inline' ? '' : ', d.xmin AS dv'}`)}
    ${firstStatus(t, `s.abrechen_status, s.rezept_status, s.status_abfrage_datum, s.status_abfrage_zeit${versions.s}`)}`;
}

/** The count row of a block in the column shape of `items` (blk 0, id = block, did = count). */
function countRow(t: TypeSql, items: ItemColumns): string {
  const count = `(SELECT count(*) FROM new${t.block})::int`;
  return items === 'ref'
    ? `SELECT 0 AS blk, ${t.block} AS id, NULL::text AS v, ${count} AS did`
    : `SELECT 0 AS blk, ${t.block} AS id, ${count} AS did,
      NULL::varchar AS rezept_uuid, NULL::text AS xml_request, NULL::text AS rz, NULL::bigint AS m16,
      NULL::bigint AS tn, NULL::text AS erid, NULL::varchar AS abr, NULL::varchar AS rst, NULL::date AS sd,
      NULL::time AS st`;
}

/**
 * First statement of a list request: one count row per selected type (blk 0, id = block, did =
 * count of new prescriptions) and the first page rows of every selected type. $1 = limit per type,
 * $2 = offset. One enumeration per type feeds both the count and the page (MATERIALIZED), so
 * nothing is scanned twice.
 */
function listFirstStatement(types: readonly TypeSql[], items: ItemColumns): string {
  const ctes = types.flatMap((t) => [
    `new${t.block} AS MATERIALIZED (${newHeadIds(t)})`,
    `page${t.block} AS (SELECT id FROM new${t.block} ORDER BY id DESC LIMIT $1 OFFSET $2)`,
  ]);
  const counts = types.map((t) => countRow(t, items));
  // A ref row has no did: the count rows put it last, and the blocks add it as NULL.
  const blocks = types.map((t) =>
    items === 'ref'
      ? `SELECT * , NULL::int AS did FROM (${pageRows(t, `page${t.block}`, 'ref', '$3')}) b`
      : pageRows(t, `page${t.block}`, 'inline'),
  );
  return `WITH ${ctes.join(',\n')}\n${[...counts, ...blocks].join('\nUNION ALL\n')}`;
}

/**
 * First statement of a list request whose per-type counts are already known (e.g. memoised per
 * invalidation epoch by the caller): only the page rows, each type by an early-stopping scan.
 * $1 = limit per type, $2 = offset. Same row shape as listFirstStatement minus the count row.
 */
function listPageOnlyStatement(types: readonly TypeSql[], items: ItemColumns): string {
  const ctes = types.map((t) => `page${t.block} AS MATERIALIZED (${newestNewHeadIds(t, '$1', '', '$2')})`);
  const blocks = types.map((t) => pageRows(t, `page${t.block}`, items, '$3'));
  return `WITH ${ctes.join(',\n')}\n${blocks.join('\nUNION ALL\n')}`;
}

/** Keyset continuation of one type's page: rows with id < $1, newest first, $2 rows. */
function listNextStatement(t: TypeSql): string {
  return `WITH pg AS MATERIALIZED (${newestNewHeadIds(t, '$2', '$1')})
${pageRows(t, 'pg', 'inline')}`;
}

/**
 * statusuuid (§6.3): per type the 1000 newest new heads, joined to their first daten row, kept when
 * that row's uuid is requested ($1 text[]). No XML is read. Rows: blk, id, rezept_uuid, abr, rst, sd.
 */
function statusStatement(): string {
  const ctes = TYPES.map(
    (t) => `win${t.block} AS MATERIALIZED (${newestNewHeadIds(t, String(STATUS_WINDOW))})`,
  );
  const blocks = TYPES.map(
    (t) => `SELECT ${t.block} AS blk, p.id, d.rezept_uuid, s.abrechen_status AS abr, s.rezept_status AS rst,
      s.status_abfrage_datum AS sd
    FROM win${t.block} p
    ${firstDaten(t, 'd.rezept_uuid')}
    ${firstStatus(t, 's.abrechen_status, s.rezept_status, s.status_abfrage_datum')}
    WHERE d.rezept_uuid = ANY($1::text[])`,
  );
  return `WITH ${ctes.join(',\n')}\n${blocks.join('\nUNION ALL\n')}`;
}

/**
 * Items by head id with their versions (the `versioned` columns), for the items a `ref` page lacks:
 * $1, $2, $3 = int4[] of head ids of eMuster16, P-Rezept, E-Rezept (empty arrays for none), $4 = the seed.
 * A head that is no longer new may still come back; the caller compares versions. No order.
 */
function itemsByHeadStatement(): string {
  return TYPES.map((t) => pageRows(t, `(SELECT unnest($${t.block}::int4[]) AS id)`, 'versioned', '$4')).join(
    '\nUNION ALL\n',
  );
}

const typeKey = (types: readonly PrescriptionType[]) => types.join('|');

const SELECTIONS: readonly (readonly PrescriptionType[])[] = [
  PRESCRIPTION_TYPES,
  ...PRESCRIPTION_TYPES.map((t) => [t]),
];
const bySelection = (build: (types: readonly TypeSql[]) => string) =>
  new Map<string, string>(
    SELECTIONS.map((sel) => [typeKey(sel), build(TYPES.filter((t) => sel.includes(t.type)))]),
  );
const FIRST_BY_SELECTION: Record<ItemColumns, Map<string, string>> = {
  inline: bySelection((types) => listFirstStatement(types, 'inline')),
  ref: bySelection((types) => listFirstStatement(types, 'ref')),
};
const PAGE_ONLY_BY_SELECTION: Record<ItemColumns, Map<string, string>> = {
  inline: bySelection((types) => listPageOnlyStatement(types, 'inline')),
  ref: bySelection((types) => listPageOnlyStatement(types, 'ref')),
};

function forSelection(map: ReadonlyMap<string, string>, types: readonly PrescriptionType[]): string {
  const sql = map.get(typeKey(types));
  if (sql === undefined) throw new RangeError(`no list statement for types ${typeKey(types)}`);
  return sql;
}
const NEXT_BY_TYPE = new Map<PrescriptionType, string>(TYPES.map((t) => [t.type, listNextStatement(t)]));

/** The count of new prescriptions (§6.2) of one type, as the list statement counts them: one row `n`. */
const COUNT_BY_TYPE = new Map<PrescriptionType, string>(
  TYPES.map((t) => [t.type, `SELECT count(*)::int AS n FROM (${newHeadIds(t)}) c`]),
);

export const FAST_SQL = Object.freeze({
  /** The count of one type only (row `n`). */
  count(type: PrescriptionType): string {
    return COUNT_BY_TYPE.get(type)!;
  },
  /**
   * Count row + first page rows, for a selection in block order (all three, or exactly one type).
   * $1 = limit per type, $2 = offset; `ref` also $3 = the seed.
   */
  listFirst: (types: readonly PrescriptionType[], items: ItemColumns = 'inline'): string =>
    forSelection(FIRST_BY_SELECTION[items], types),
  /** First page rows only (total count known to the caller). Parameters as listFirst. */
  listPageOnly: (types: readonly PrescriptionType[], items: ItemColumns = 'inline'): string =>
    forSelection(PAGE_ONLY_BY_SELECTION[items], types),
  /** Items with their versions by head id (see itemsByHeadStatement). */
  itemsByHead: itemsByHeadStatement(),
  listNext(type: PrescriptionType): string {
    return NEXT_BY_TYPE.get(type)!;
  },
  statusUuid: statusStatement(),
});
