// Runs the fast V2 read statements (fast-sql.ts) through the SQL port and returns rows in the legacy's
// order: blocks eMuster16 → P-Rezept → E-Rezept, each by head id descending (CONTRACT §6.1.3): the
// multi-statement list source (large pages), counts and statusuuid, plus the row types and ordering
// helpers that single-statement-page.ts shares. Values follow the port's conventions (int8 as text,
// date/time as PostgreSQL ISO text). No JSON here.
import type { Buffer } from 'node:buffer';
import type { SqlExecutor } from '../core/sql-port.js';
import { FAST_SQL } from './fast-sql.js';
import { PRESCRIPTION_TYPES, type PrescriptionType } from './prescription-types.js';
import type { ItemMemoPort, ItemMemoScope } from './item-memo.js';

/** One V2 list item as read from the database (column names as in fast-sql.ts). */
export interface V2ListRow {
  /** 1 = eMuster16, 2 = P-Rezept, 3 = E-Rezept. */
  readonly blk: number;
  /** Head id. */
  readonly id: number;
  /** PK of the lowest untransferred daten row. */
  readonly did: number;
  readonly rezept_uuid: string;
  /** The document (NOT NULL in the legacy schema; null is written as null). */
  readonly xml_request: string | null;
  /** rz_liefer_id (eMuster16 only, Q5). */
  readonly rz: string | null;
  /** muster16_id as exact int8 text (eMuster16 only). */
  readonly m16: string | null;
  /** transaktions_nummer as exact int8 text (P-Rezept only). */
  readonly tn: string | null;
  /** erezept_id (E-Rezept only). */
  readonly erid: string | null;
  /** Oldest status row: abrechen_status (→ regelTrefferCode), rezept_status (→ checkLevel). */
  readonly abr: string | null;
  readonly rst: string | null;
  /** status_abfrage_datum / status_abfrage_zeit as PostgreSQL ISO text. */
  readonly sd: string | null;
  readonly st: string | null;
}

/** One statusuuid hit: a prescription of the 1000-newest window whose first daten uuid was requested. */
export interface StatusUuidRow {
  readonly blk: number;
  readonly id: number;
  readonly rezept_uuid: string;
  readonly abr: string | null;
  readonly rst: string | null;
  readonly sd: string | null;
}

export interface ListPageQuery {
  /** Selected types in block order: all three or exactly one (never empty: no SQL then). */
  readonly types: readonly PrescriptionType[];
  readonly pageSize: number;
  readonly offset: number;
}

/** Count of new prescriptions per type (§6.2) — what a caller may memoise per cache epoch. */
export type TypeCounts = Readonly<Partial<Record<PrescriptionType, number>>>;

export interface ListSource {
  /** Sum of the per-type counts of new prescriptions (§6.2), from the same snapshot as the first rows. */
  readonly totalCount: number;
  /** The count of every selected type (as read, or as passed in `knownCounts`). */
  readonly counts: TypeCounts;
  /** The page rows in block order, in batches of at most `batchRows` rows. Iterate once. */
  batches(): AsyncIterable<readonly V2ListRow[]>;
}

export interface ListSourceOptions {
  /** Rows per type fetched by one statement (memory bound ≈ 3 × batchRows × payload). Default 1000. */
  readonly batchRows?: number;
  /**
   * Counts the caller already knows for the current data (e.g. memoised per tenant, type and cache
   * epoch). When every selected type is known, counting — O(new prescriptions), most of a list
   * request's cost — is skipped and the page is read by early-stopping scans, O(offset + pageSize).
   */
  readonly knownCounts?: TypeCounts;
  /**
   * Encoded items kept by item version (item-memo.ts), the tenant's handle in it, and the encoder of an
   * item's prefix (v2-body-writer itemPrefix). Used by readSingleStatementPage: the page statement then
   * reports item versions instead of items, and only items the memo does not hold are read.
   */
  readonly itemMemo?: {
    readonly memo: ItemMemoPort;
    readonly scope: ItemMemoScope;
    readonly encode: (row: V2ListRow) => Buffer;
  };
}

/**
 * Every FAST_SQL statement is a fixed text run again and again: prepared once per connection. Plans stay
 * per execution (FAST_PATH_SETTINGS_SQL sets plan_cache_mode = force_custom_plan): a generic plan would
 * not see the page size and offset the early-stopping scans depend on.
 */
export const PREPARED = { prepare: true } as const;

/** The legacy's item order (CONTRACT §6.1.3): block eMuster16 → P-Rezept → E-Rezept, head id descending. */
export const byBlockThenIdDesc = (a: { blk: number; id: number }, b: { blk: number; id: number }) =>
  a.blk - b.blk || b.id - a.id;

/** Sorts in place unless already ordered (the usual case: PostgreSQL's Append keeps branch order). */
export function ensureOrder<T extends { blk: number; id: number }>(rows: T[]): T[] {
  for (let i = 1; i < rows.length; i++) {
    if (byBlockThenIdDesc(rows[i - 1]!, rows[i]!) > 0) return rows.sort(byBlockThenIdDesc);
  }
  return rows;
}

/**
 * Opens a V2 list page: one statement yields the per-type counts (skipped when all are passed in
 * `knownCounts`) and up to `batchRows` rows per type; pages larger than that continue per type
 * with keyset statements (id < last). For a page that
 * needs more than one statement, pass a transaction executor in REPEATABLE READ (see
 * streamInSnapshot) so that all statements see one snapshot, as the legacy's per-type statement does.
 */
export async function openListSource(
  db: SqlExecutor,
  query: ListPageQuery,
  options: ListSourceOptions = {},
): Promise<ListSource> {
  const batchRows = options.batchRows ?? 1000;
  if (!(batchRows >= 1)) throw new RangeError('batchRows must be at least 1');
  if (query.types.length === 0) throw new RangeError('openListSource needs at least one type');
  const firstLimit = Math.min(query.pageSize, batchRows);
  const known = options.knownCounts ?? {};
  const allKnown = query.types.every((t) => known[t] !== undefined);
  const sql = allKnown ? FAST_SQL.listPageOnly(query.types) : FAST_SQL.listFirst(query.types);
  const rows = ensureOrder((await db.query<V2ListRow>(sql, [firstLimit, query.offset], PREPARED)).rows);
  // Count rows come first (blk 0), one per selected type: id = block, did = count.
  const countRows = new Map<number, number>();
  while (rows[0]?.blk === 0) {
    const row = rows.shift()!;
    countRows.set(row.id, row.did);
  }
  const { counts, totalCount } = selectedCounts(query.types, allKnown ? known : undefined, countRows);

  const firstByBlock = new Map<number, V2ListRow[]>();
  for (const row of rows) {
    let list = firstByBlock.get(row.blk);
    if (list === undefined) firstByBlock.set(row.blk, (list = []));
    list.push(row);
  }
  let iterated = false;

  async function* batches(): AsyncGenerator<readonly V2ListRow[]> {
    if (iterated) throw new Error('ListSource.batches() may be iterated once');
    iterated = true;
    for (const type of query.types) {
      const block = blockOf(type);
      const first = firstByBlock.get(block) ?? [];
      firstByBlock.delete(block); // release memory as we go
      if (first.length > 0) yield first;
      let got = first.length;
      let lastId = first[first.length - 1]?.id;
      // A short batch means the type is exhausted; a full one continues below the last id.
      let full = first.length === firstLimit;
      while (full && got < query.pageSize && lastId !== undefined) {
        const want = Math.min(batchRows, query.pageSize - got);
        const next = await db.query<V2ListRow>(FAST_SQL.listNext(type), [lastId, want], PREPARED);
        const batch = ensureOrder(next.rows);
        full = batch.length === want;
        if (batch.length === 0) break;
        got += batch.length;
        lastId = batch[batch.length - 1]!.id;
        yield batch;
      }
    }
  }
  return { totalCount, counts, batches };
}

/** The counts of the selected types: all from `known`, or each from its count row (block → count). */
export function selectedCounts(
  types: readonly PrescriptionType[],
  known: TypeCounts | undefined,
  countRows: ReadonlyMap<number, number>,
): { totalCount: number; counts: TypeCounts } {
  const counts: Partial<Record<PrescriptionType, number>> = {};
  let totalCount = 0;
  for (const t of types) {
    const n = known !== undefined ? known[t] : countRows.get(blockOf(t));
    if (n === undefined) throw new Error(`fast list: count row of ${t} missing`);
    counts[t] = n;
    totalCount += n;
  }
  return { totalCount, counts };
}

/**
 * The count of new prescriptions of each given type, one statement per type (each an O(new daten rows)
 * enumeration, as in the list statement). For the count memo's refresh after an invalidation.
 */
export async function countNewPrescriptions(
  db: SqlExecutor,
  types: readonly PrescriptionType[],
): Promise<TypeCounts> {
  const counts: Partial<Record<PrescriptionType, number>> = {};
  for (const type of types) {
    const { rows } = await db.query<{ n: number }>(FAST_SQL.count(type), [], PREPARED);
    const n = rows[0]?.n;
    if (n === undefined) throw new Error(`fast count: no count row for ${type}`);
    counts[type] = n;
  }
  return counts;
}

/** Reads a whole (small) page: total count and all rows in block order. */
export async function fetchListPage(
  db: SqlExecutor,
  query: ListPageQuery,
  options: ListSourceOptions = {},
): Promise<{ totalCount: number; rows: V2ListRow[] }> {
  const source = await openListSource(db, query, options);
  const rows: V2ListRow[] = [];
  for await (const batch of source.batches()) for (const row of batch) rows.push(row);
  return { totalCount: source.totalCount, rows };
}

/**
 * statusuuid hits in scan order (eMuster16, P-Rezept, E-Rezept; id descending). Strings the database
 * cannot hold (NUL) can never match a stored uuid, so they are left out of the query.
 */
export async function fetchStatusUuidRows(
  db: SqlExecutor,
  rezeptUuids: readonly string[],
): Promise<StatusUuidRow[]> {
  const wanted = [...new Set(rezeptUuids)].filter((u) => !u.includes('\0'));
  if (wanted.length === 0) return [];
  const result = await db.query<StatusUuidRow>(FAST_SQL.statusUuid, [wanted], PREPARED);
  return ensureOrder(result.rows);
}

const blockOf = (type: PrescriptionType): number => PRESCRIPTION_TYPES.indexOf(type) + 1;
