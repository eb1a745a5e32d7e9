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

export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
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
