// Runs the fast V2 read statements (fast-sql.ts) through the SQL port and returns rows in the legacy's
// order: blocks eMuster16 → P-Rezept → E-Rezept, each by head id descending (CONTRACT §6.1.3).
// Values follow the port's conventions (int8 as text, date/time as PostgreSQL ISO text). No JSON here.
import type { Buffer } from 'node:buffer';
import { queryEach, type SqlExecutor } from '../core/sql-port.js';
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
const PREPARED = { prepare: true } as const;

const byBlockThenIdDesc = (a: { blk: number; id: number }, b: { blk: number; id: number }) =>
  a.blk - b.blk || b.id - a.id;

/** Sorts in place unless already ordered (the usual case: PostgreSQL's Append keeps branch order). */
function ensureOrder<T extends { blk: number; id: number }>(rows: T[]): T[] {
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

/** Receives a page's item rows in the legacy's order (eMuster16, P-Rezept, E-Rezept; id descending). */
export interface ListRowSink {
  row(row: V2ListRow): void;
  /** An item already encoded (its prefix, see v2-body-writer itemPrefix), from the item memo. */
  encoded(prefix: Buffer): void;
  /**
   * The server sent a row out of that order (SQL does not promise it, though the plan keeps it): forget
   * every row received so far; the whole page follows again, sorted.
   */
  restart(): void;
}

/**
 * Reads a page that one statement covers (pageSize ≤ batchRows) and hands every item row to `sink` in
 * order, as the rows arrive, while the server still produces the rest: the caller's encoding overlaps the
 * query (a 1000-item page: ~17 ms instead of ~28 ms). Counts as in openListSource. With an XML memo the
 * page statement reports row versions instead of documents (see readWithXmlMemo). Should a row arrive out
 * of order (SQL does not promise the order, the plan keeps it) or a document change between the memo's two
 * statements, the sink is restarted and the page is read once more, whole, inline and sorted (page and
 * counts both from that read: one snapshot).
 */
export async function readSingleStatementPage(
  db: SqlExecutor,
  query: ListPageQuery,
  sink: ListRowSink,
  options: ListSourceOptions = {},
): Promise<{ totalCount: number; counts: TypeCounts }> {
  const batchRows = options.batchRows ?? 1000;
  if (query.types.length === 0) throw new RangeError('readSingleStatementPage needs at least one type');
  if (!(query.pageSize >= 0 && query.pageSize <= batchRows))
    throw new RangeError('readSingleStatementPage reads at most batchRows items per type');
  const known = options.knownCounts ?? {};
  const allKnown = query.types.every((t) => known[t] !== undefined);
  const counted = (countRows: ReadonlyMap<number, number>) =>
    selectedCounts(query.types, allKnown ? known : undefined, countRows);
  const streamed =
    options.itemMemo === undefined
      ? await streamInline(db, query, allKnown, sink)
      : await readWithItemMemo(db, query, allKnown, sink, options.itemMemo);
  if (streamed.complete) return counted(streamed.countRows);

  if (streamed.delivered) sink.restart();
  const sql = allKnown ? FAST_SQL.listPageOnly(query.types) : FAST_SQL.listFirst(query.types);
  const countRows = new Map<number, number>();
  const { rows } = await db.query<V2ListRow>(sql, [query.pageSize, query.offset], PREPARED);
  for (const row of ensureOrder(rows)) {
    if (row.blk === 0) countRows.set(row.id, row.did);
    else sink.row(row);
  }
  return counted(countRows);
}

/** How a streamed read ended: complete, or not (then `delivered` says whether the sink got rows). */
type StreamedPage =
  | { readonly complete: true; readonly countRows: Map<number, number> }
  | { readonly complete: false; readonly delivered: boolean };

/** The inline page statement, rows to the sink as they arrive; incomplete at the first row out of order. */
async function streamInline(
  db: SqlExecutor,
  query: ListPageQuery,
  allKnown: boolean,
  sink: ListRowSink,
): Promise<StreamedPage> {
  const sql = allKnown ? FAST_SQL.listPageOnly(query.types) : FAST_SQL.listFirst(query.types);
  const countRows = new Map<number, number>();
  let previous: V2ListRow | undefined;
  let ordered = true;
  await queryEach<V2ListRow>(
    db,
    sql,
    [query.pageSize, query.offset],
    (row) => {
      if (row.blk === 0) {
        countRows.set(row.id, row.did);
      } else if (ordered) {
        if (previous !== undefined && byBlockThenIdDesc(previous, row) > 0) ordered = false;
        else sink.row((previous = row));
      }
    },
    PREPARED,
  );
  return ordered ? { complete: true, countRows } : { complete: false, delivered: previous !== undefined };
}

/** A page row of a `ref` statement: the item's version instead of its columns. */
interface RefRow {
  readonly blk: number;
  readonly id: number;
  /** The item version (fast-sql ItemColumns); null on count rows. */
  readonly v: string | null;
  /** The count, on count rows (blk 0). */
  readonly did: number | null;
}

/**
 * The page by its `ref` statement. Items the memo holds in the reported version go to the sink as their
 * rows arrive; from the first item it lacks on, rows wait until the missing items are read by head id in a
 * second statement that reports versions the same way (they are encoded once and remembered). Incomplete
 * when an item changed between the two statements (its version differs, or it is no longer new) or a row
 * arrived out of order.
 */
async function readWithItemMemo(
  db: SqlExecutor,
  query: ListPageQuery,
  allKnown: boolean,
  sink: ListRowSink,
  itemMemo: NonNullable<ListSourceOptions['itemMemo']>,
): Promise<StreamedPage> {
  const { memo, scope, encode } = itemMemo;
  const sql = allKnown ? FAST_SQL.listPageOnly(query.types, 'ref') : FAST_SQL.listFirst(query.types, 'ref');
  const countRows = new Map<number, number>();
  const waiting: RefRow[] = [];
  const waitingItems: (Buffer | undefined)[] = [];
  let previous: RefRow | undefined;
  let delivered = false;
  let ordered = true;
  await queryEach<RefRow>(
    db,
    sql,
    [query.pageSize, query.offset, memo.seed],
    (row) => {
      if (row.blk === 0) {
        countRows.set(row.id, row.did!);
        return;
      }
      if (!ordered) return;
      if (previous !== undefined && byBlockThenIdDesc(previous, row) > 0) {
        ordered = false;
        return;
      }
      previous = row;
      const item = row.v === null ? undefined : memo.lookup(scope, row.blk, row.id, row.v);
      if (item !== undefined && waiting.length === 0) {
        sink.encoded(item);
        delivered = true;
      } else {
        waiting.push(row);
        waitingItems.push(item);
      }
    },
    PREPARED,
  );
  if (!ordered) return { complete: false, delivered };
  if (waiting.length > 0) {
    const missing = new Map<number, number>();
    const idsByBlock: number[][] = [[], [], []];
    waitingItems.forEach((item, i) => {
      if (item !== undefined) return;
      const r = waiting[i]!;
      missing.set(r.blk * 2 ** 32 + (r.id >>> 0), i);
      idsByBlock[r.blk - 1]!.push(r.id);
    });
    let changed = false;
    await queryEach<V2ListRow & { v: string | null }>(
      db,
      FAST_SQL.itemsByHead,
      [...idsByBlock, memo.seed],
      (row) => {
        const i = missing.get(row.blk * 2 ** 32 + (row.id >>> 0));
        if (i === undefined || changed) return;
        const r = waiting[i]!;
        if (row.v === null || row.v !== r.v) {
          changed = true;
          return;
        }
        const item = encode(row);
        waitingItems[i] = item;
        memo.remember(scope, r.blk, r.id, r.v, item);
      },
      PREPARED,
    );
    if (changed || waitingItems.some((item) => item === undefined)) return { complete: false, delivered };
    for (const item of waitingItems) sink.encoded(item!);
  }
  return { complete: true, countRows };
}

/** The counts of the selected types: all from `known`, or each from its count row (block → count). */
function selectedCounts(
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
