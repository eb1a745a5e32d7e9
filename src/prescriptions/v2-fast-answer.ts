// Produces the body of a V2 read the fast path answers (decided by v2-request.ts): runs the queries in
// a transaction with the fast-path settings and encodes spliced chunks. Every error of the first
// statement or the first batch surfaces before this resolves, i.e. before a byte could be sent, so
// the caller may still forward to the legacy. It does not choose between answering and forwarding.
import { Buffer } from 'node:buffer';
import type { SqlDatabase, SqlExecutor } from '../core/sql-port.js';
import { bulkStatusOutcome } from './bulk-status.js';
import {
  fetchStatusUuidRows,
  openListSource,
  type ListPageQuery,
  type ListSourceOptions,
  type TypeCounts,
  type V2ListRow,
} from './fast-queries.js';
import type { PrescriptionType } from './prescription-types.js';
import { readSingleStatementPage, type ListRowSink } from './single-statement-page.js';
import { FAST_PATH_SETTINGS_SQL, streamInSnapshot } from './snapshot-stream.js';
import type { SplicedChunk } from './spliced-body.js';
import type { ItemMemoPort, ItemMemoScope } from './item-memo.js';
import { encodeBulkStatusBody, encodeV2ListBody, itemPrefix, V2ListBodyEncoder } from './v2-body-writer.js';
import {
  V2_ANSWER_CONTENT_TYPE,
  type V2ListQuery,
  type V2StatusUuidQuery,
  type V2StringError,
} from './v2-request.js';

export interface FastAnswerSettings {
  /** The `environment` member (legacy configuration `Environment`, fallback "Development"). */
  readonly environment: string | null;
  /** Rows per type and statement; larger pages stream in keyset batches. Default 1000. */
  readonly batchRows?: number;
  /** Target size of a body chunk in bytes. Default 64 KiB. */
  readonly chunkBytes?: number;
}

/** Per-request knowledge the caller may pass in. */
export interface FastAnswerHints {
  /** Per-type counts memoised for the current data (see ListSourceOptions.knownCounts). */
  readonly knownCounts?: TypeCounts;
  /** Encoded items kept by version, and the tenant's handle in that memo (see ListSourceOptions.itemMemo). */
  readonly itemMemo?: { readonly memo: ItemMemoPort; readonly scope: ItemMemoScope };
}

export interface FastAnswer {
  readonly status: 200 | 400;
  readonly contentType: string;
  /** List answers: the per-type counts (to memoise per tenant, type and cache epoch). */
  readonly counts?: TypeCounts;
  /**
   * The body. An array when it was built completely (every page up to batchRows per type, statusuuid,
   * string errors); otherwise a single-use stream that holds a database transaction until it ends or
   * is abandoned: whoever drops it unread must call `[Symbol.asyncIterator]().return()` (Readable.from
   * does so on destroy). It can still fail mid-body.
   */
  readonly chunks: readonly SplicedChunk[] | AsyncIterable<SplicedChunk>;
}

export async function answerV2Read(
  db: SqlDatabase,
  query: V2ListQuery | V2StatusUuidQuery | V2StringError,
  settings: FastAnswerSettings,
  hints: FastAnswerHints = {},
): Promise<FastAnswer> {
  switch (query.op) {
    case 'string-error':
      return {
        status: 400,
        contentType: query.contentType,
        chunks: [{ bytes: Buffer.from(query.body, 'latin1'), slots: [] }],
      };
    case 'statusuuid':
      return answerStatusUuid(db, query);
    case 'list':
      return answerList(db, query, settings, hints);
  }
}

const inFastTransaction = <T>(db: SqlDatabase, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
  db.transaction(async (tx) => {
    await tx.query(FAST_PATH_SETTINGS_SQL);
    return fn(tx);
  });

async function answerStatusUuid(db: SqlDatabase, query: V2StatusUuidQuery): Promise<FastAnswer> {
  const found = await inFastTransaction(db, (tx) => fetchStatusUuidRows(tx, query.rezeptUuids));
  const chunks = encodeBulkStatusBody(bulkStatusOutcome(query.rezeptUuids, found));
  return { status: 200, contentType: V2_ANSWER_CONTENT_TYPE, chunks };
}

async function answerList(
  db: SqlDatabase,
  query: V2ListQuery,
  settings: FastAnswerSettings,
  hints: FastAnswerHints,
): Promise<FastAnswer> {
  const batchRows = settings.batchRows ?? 1000;
  const sourceOptions: ListSourceOptions = {
    batchRows,
    ...(hints.knownCounts === undefined ? {} : { knownCounts: hints.knownCounts }),
    ...(hints.itemMemo === undefined ? {} : { itemMemo: { ...hints.itemMemo, encode: itemPrefix } }),
  };
  const summary = (totalCount: number) => ({
    totalCount,
    page: query.page,
    pageSize: query.pageSize,
    environment: settings.environment,
  });
  const ok = (chunks: FastAnswer['chunks'], counts: TypeCounts): FastAnswer => ({
    status: 200,
    contentType: V2_ANSWER_CONTENT_TYPE,
    counts,
    chunks,
  });
  // No type selected: the legacy runs no SQL at all (§6.1.1).
  if (query.types.length === 0) return ok(encodeV2ListBody([], summary(0), settings.chunkBytes), {});

  const pageQuery: ListPageQuery = { types: query.types, pageSize: query.pageSize, offset: query.offset };
  if (query.pageSize <= batchRows) {
    const enc = { current: new V2ListBodyEncoder(settings.chunkBytes) };
    const counts = await readBlocks(db, pageQuery, sourceOptions, {
      row: (row) => enc.current.item(row),
      encoded: (prefix) => enc.current.encodedItem(prefix),
      restart: () => (enc.current = new V2ListBodyEncoder(settings.chunkBytes)),
    });
    const totalCount = query.types.reduce((sum, t) => sum + counts[t]!, 0);
    return ok([...enc.current.drain(), ...enc.current.end(summary(totalCount))], counts);
  }

  // Large page: one REPEATABLE READ snapshot, keyset batches, chunks emitted as they fill.
  let counts: TypeCounts = {};
  const stream = streamInSnapshot<SplicedChunk>(db, async (tx, emit) => {
    const source = await openListSource(tx, pageQuery, sourceOptions);
    counts = source.counts;
    const enc = new V2ListBodyEncoder(settings.chunkBytes);
    for await (const batch of source.batches()) {
      enc.items(batch);
      for (const chunk of enc.drain()) await emit(chunk);
    }
    for (const chunk of enc.end(summary(source.totalCount))) await emit(chunk);
  });
  // Pull the first chunk now, so that errors of the first statement reach the caller before any byte.
  const first = await stream.next();
  return ok(prepend(first, stream), counts);
}

/**
 * A page that one statement per type covers, each selected type read in a transaction of its own and all
 * at once (the legacy, too, reads every type in a separate statement outside any transaction, §6.1.7): the
 * three blocks of a 3 × 1000 page cost the database ~35 ms one after the other, about half in parallel.
 * The first block goes to `sink` as its rows arrive (encoding overlaps the query); later blocks are held
 * until the blocks before them are complete, then handed over in block order. Every read is awaited before
 * an error is rethrown, so no statement outlives the answer.
 */
async function readBlocks(
  db: SqlDatabase,
  query: ListPageQuery,
  options: ListSourceOptions,
  sink: ListRowSink,
): Promise<TypeCounts> {
  // A held item: its row, or its prefix from the item memo.
  const held: (V2ListRow | Buffer)[][] = query.types.map(() => []);
  const reads = query.types.map((type, k) => {
    const known = options.knownCounts?.[type];
    const blockSink: ListRowSink =
      k === 0
        ? sink
        : {
            row: (row) => held[k]!.push(row),
            encoded: (prefix) => held[k]!.push(prefix),
            restart: () => (held[k] = []),
          };
    const blockOptions: ListSourceOptions = {
      ...options,
      knownCounts: known === undefined ? {} : { [type]: known },
    };
    const read = (o: ListSourceOptions) =>
      inFastTransaction(db, (tx) => readSingleStatementPage(tx, { ...query, types: [type] }, blockSink, o));
    return read(blockOptions).catch((err: unknown) => {
      const memo = options.itemMemo;
      if (memo === undefined || !cannotRun(err)) throw err;
      // A schema the memo's statements cannot run on (no xmin: views; no hashtextextended: PostgreSQL
      // before 11): this tenant is read inline from now on, starting with this block.
      memo.memo.refuse(memo.scope);
      blockSink.restart();
      return read({ ...blockOptions, itemMemo: undefined });
    });
  });
  const settled = await Promise.allSettled(reads);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  for (const block of held.slice(1)) {
    for (const item of block) {
      if (Buffer.isBuffer(item)) sink.encoded(item);
      else sink.row(item);
    }
  }
  const counts: Partial<Record<PrescriptionType, number>> = {};
  for (const r of settled) if (r.status === 'fulfilled') Object.assign(counts, r.value.counts);
  return counts;
}

/** A statement the server refused to run as written (SQLSTATE class 42 or 0A), not a failure of the moment. */
function cannotRun(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('42') || code.startsWith('0A'));
}

/**
 * `first` followed by the rest of an already started stream. Unlike a generator, return() reaches the
 * snapshot stream even when iteration never started, so an abandoned answer releases its transaction.
 */
function prepend(
  first: IteratorResult<SplicedChunk, void>,
  rest: AsyncGenerator<SplicedChunk, void>,
): AsyncIterableIterator<SplicedChunk> {
  let head: IteratorResult<SplicedChunk, void> | undefined = first;
  const finish = async (): Promise<IteratorResult<SplicedChunk, void>> => {
    head = undefined;
    await rest.return();
    return { done: true, value: undefined };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      const h = head;
      if (h === undefined) return rest.next();
      head = undefined;
      return h.done ? finish() : Promise.resolve(h);
    },
    return: finish,
  };
}
