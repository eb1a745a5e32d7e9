// The data-layer port that the SQL fast path, the emulator and the invalidation listener share.
// Two implementations: pg pools (adapters/postgres/pg-database.ts) and PGlite for the demo.
//
// Value conventions (both implementations must honour them, so query code is written once):
//   int2/int4 -> number; int8 and numeric -> string (exact 64-bit / decimal text);
//   bool -> boolean; date, time, timestamp, timestamptz -> PostgreSQL's ISO text as sent;
//   text/varchar -> string; SQL NULL -> null.

export interface SqlResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** How a statement is run. */
export interface QueryOptions {
  /**
   * A fixed statement text run again and again (the fast path's): parse it once per connection and
   * reuse it (a named prepared statement). Implementations without server-side statements ignore it.
   */
  readonly prepare?: boolean;
}

export interface SqlExecutor {
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<SqlResult<Row>>;
  /**
   * Optional streaming form of `query`: hands every row to `onRow` as soon as it is decoded, while later
   * rows are still on their way, and resolves with the row count once the statement completed. Lets a
   * caller's per-row work (the fast path encodes ~2 KB of XML per row) overlap the server's execution.
   * An exception thrown by `onRow` stops the deliveries and rejects the call with it, after the statement
   * has ended (the connection stays usable). Use it through `queryEach`, which falls back to `query`.
   */
  queryEach?<Row = Record<string, unknown>>(
    text: string,
    params: readonly unknown[] | undefined,
    onRow: (row: Row) => void,
    options?: QueryOptions,
  ): Promise<number>;
}

/** `db.queryEach` when the executor streams; otherwise `query`, then every row in order. Same contract. */
export async function queryEach<Row = Record<string, unknown>>(
  db: SqlExecutor,
  text: string,
  params: readonly unknown[] | undefined,
  onRow: (row: Row) => void,
  options?: QueryOptions,
): Promise<number> {
  if (db.queryEach !== undefined) return db.queryEach<Row>(text, params, onRow, options);
  const { rows } = await db.query<Row>(text, params, options);
  for (const row of rows) onRow(row);
  return rows.length;
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs fn inside BEGIN/COMMIT on one connection; ROLLBACK when fn throws (the error is rethrown). */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Frees every connection. Idempotent. */
  close(): Promise<void>;
}

export interface NotificationSource {
  /**
   * Subscribes to a NOTIFY channel. `onState` reports connection loss and recovery (after which
   * notifications may have been missed). Returns an unsubscribe function.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onState?: (state: 'connected' | 'disconnected') => void,
  ): Promise<() => Promise<void>>;
}
