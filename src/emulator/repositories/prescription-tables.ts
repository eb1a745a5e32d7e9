// The three prescription kinds and their tables as EF Core maps them (CONTRACT §5.3, §6): block order,
// table/column names, and the column order EF projects (key first, then properties alphabetically).

export type PrescriptionType = 'eMuster16' | 'P-Rezept' | 'E-Rezept';

export interface PrescriptionTables {
  readonly type: PrescriptionType;
  readonly head: string;
  readonly daten: string;
  readonly status: string;
  /** id_senderezepte_<stem>: head PK and the daten/status FK. */
  readonly fk: string;
  readonly datenPk: string;
  readonly statusPk: string;
  /** Head columns projected by the V2 list besides the id (rzLieferId only for eMuster16, Q5). */
  readonly v2HeadColumns: readonly string[];
  /** Head columns projected by the v1 list besides the id (rz_liefer_id for all types). */
  readonly v1HeadColumns: readonly string[];
  /** Status entity columns after the PK, in EF's (alphabetical) order. */
  readonly statusColumns: readonly string[];
  /** The status table's head-specific extra key column set to NULL on insert. */
  readonly statusExtraColumn: 'muster16_id' | 'transaktions_nummer' | 'erezept_id';
}

function tables(
  type: PrescriptionType,
  stem: string,
  v2HeadColumns: string[],
  v1HeadColumns: string[],
  statusColumns: string[],
  statusExtraColumn: PrescriptionTables['statusExtraColumn'],
): PrescriptionTables {
  const head = `er_senderezepte_${stem}`;
  return {
    type,
    head,
    daten: `${head}_daten`,
    status: `${head}_status`,
    fk: `id_senderezepte_${stem}`,
    datenPk: `id_senderezepte_${stem}_daten`,
    statusPk: `id_senderezepte_${stem}_status`,
    v2HeadColumns,
    v1HeadColumns,
    statusColumns,
    statusExtraColumn,
  };
}

export const EMUSTER16 = tables(
  'eMuster16',
  'emuster16',
  ['rz_liefer_id', 'muster16_id'],
  ['rz_liefer_id', 'muster16_id'],
  [
    'abrechen_status',
    'id_senderezepte_emuster16',
    'muster16_id',
    'rezept_check',
    'rezept_status',
    'rz_abfrage_id',
    'status_abfrage_datum',
    'status_abfrage_zeit',
  ],
  'muster16_id',
);

export const PREZEPT = tables(
  'P-Rezept',
  'prezept',
  ['transaktions_nummer'],
  ['rz_liefer_id', 'transaktions_nummer'],
  [
    'abrechen_status',
    'id_senderezepte_prezept',
    'rezept_check',
    'rezept_status',
    'rz_abfrage_id',
    'status_abfrage_datum',
    'status_abfrage_zeit',
    'transaktions_nummer',
  ],
  'transaktions_nummer',
);

export const EREZEPT = tables(
  'E-Rezept',
  'erezept',
  ['erezept_id'],
  ['rz_liefer_id', 'erezept_id'],
  [
    'abrechen_status',
    'erezept_id',
    'id_senderezepte_erezept',
    'rezept_check',
    'rezept_check_level',
    'rezept_status',
    'rz_abfrage_id',
    'status_abfrage_datum',
    'status_abfrage_zeit',
  ],
  'erezept_id',
);

/** Block order of every read: eMuster16, then P-Rezept, then E-Rezept. */
export const ALL_TABLES: readonly PrescriptionTables[] = [EMUSTER16, PREZEPT, EREZEPT];

export function tablesOf(type: PrescriptionType): PrescriptionTables {
  return type === 'eMuster16' ? EMUSTER16 : type === 'P-Rezept' ? PREZEPT : EREZEPT;
}

/** String.Equals(…, StringComparison.OrdinalIgnoreCase) */
export function equalsOrdinalIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y && x.toUpperCase() !== y.toUpperCase()) return false;
  }
  return true;
}

/** The "new" predicate shared by every list and count (§6.1.2), with EF's aliases e, e0, e1. */
export function newPredicate(t: PrescriptionTables): string {
  return `EXISTS (
        SELECT 1
        FROM ${t.daten} AS e0
        WHERE e.${t.fk} = e0.${t.fk} AND NOT (e0.transfer_arz)) AND NOT (EXISTS (
        SELECT 1
        FROM ${t.status} AS e1
        WHERE e.${t.fk} = e1.${t.fk} AND e1.rezept_status = 'ABGERECHNET'))`;
}

/** GetNewPrescriptionsCount(V2)Async for one type. */
export function countSql(t: PrescriptionTables): string {
  return `SELECT count(*)::int
FROM ${t.head} AS e
WHERE ${newPredicate(t)}`;
}
