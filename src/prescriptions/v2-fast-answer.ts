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
  readSingleStatementPage,
  type ListPageQuery,
  type TypeCounts,
} from './fast-queries.js';
import { FAST_PATH_SETTINGS_SQL, streamInSnapshot } from './snapshot-stream.js';
import type { SplicedChunk } from './spliced-body.js';
import { encodeBulkStatusBody, encodeV2ListBody, V2ListBodyEncoder } from './v2-body-writer.js';
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
  const sourceOptions = { batchRows, knownCounts: hints.knownCounts };
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
    // Items are encoded as their rows arrive, overlapping the statement's execution.
    const [chunks, counts] = await inFastTransaction(db, async (tx) => {
      let enc = new V2ListBodyEncoder(settings.chunkBytes);
      const read = await readSingleStatementPage(
        tx,
        pageQuery,
        { row: (row) => enc.item(row), restart: () => (enc = new V2ListBodyEncoder(settings.chunkBytes)) },
        sourceOptions,
      );
      return [[...enc.drain(), ...enc.end(summary(read.totalCount))], read.counts] as const;
    });
    return ok(chunks, counts);
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
