// The SqlDatabase and NotificationSource ports over one in-process PGlite instance (the zero-setup demo).
// Values follow the port's conventions exactly like adapters/postgres/pg-database.ts. Never uses PGlite's
// socket server: one wasm backend behind several clients mixes their sessions and misroutes NOTIFY.
import { createRequire } from 'node:module';
import type { PGlite, ParserOptions, Results, Transaction } from '@electric-sql/pglite';
import type { NotificationSource, SqlDatabase, SqlExecutor, SqlResult } from '../../core/sql-port.js';

/** Type OIDs whose values the port wants as PostgreSQL's own text (lossless, no time-zone shifts). */
const TEXT_OIDS = {
  INT8: 20,
  NUMERIC: 1700,
  DATE: 1082,
  TIME: 1083,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
} as const;

const asText = (value: string): string => value;

/**
 * Parsers to pass as `PGlite.create({ parsers })` as well: PGlite builds its array parsers from the
 * instance's parsers, so only then do int8[] and friends come back as text too (like node-postgres).
 * Scalar columns follow the conventions even without it (every query also passes these parsers).
 */
export const PGLITE_PORT_PARSERS: ParserOptions = Object.freeze(
  Object.fromEntries(Object.values(TEXT_OIDS).map((oid) => [oid, asText])),
);

// node-postgres turns every parameter into text (or a Buffer) before it goes out: Dates as local time
// with offset, arrays as array literals, objects as JSON, numbers/booleans/bigints via toString(). Running
// the very same function here makes PGlite see what a PostgreSQL server would see from pg.
const require = createRequire(import.meta.url);
const { prepareValue } = require('pg/lib/utils.js') as { prepareValue: (value: unknown) => unknown };

export const prepareParams = (params: readonly unknown[] | undefined): unknown[] | undefined =>
  params?.map((value) => prepareValue(value));

type PgliteRunner = Pick<PGlite | Transaction, 'query'>;

async function run<Row>(
  runner: PgliteRunner,
  text: string,
  params: readonly unknown[] | undefined,
): Promise<SqlResult<Row>> {
  const result: Results<Row> = await runner.query<Row>(text, prepareParams(params), {
    parsers: PGLITE_PORT_PARSERS,
  });
  // pg reports the command tag's count (rows of a SELECT, rows changed by DML) and null for DDL.
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}

/** A channel name as a quoted identifier, so LISTEN keeps its case (pg-listener does the same). */
const quoteChannel = (channel: string): string => `"${channel.replace(/"/g, '""')}"`;

export type PgliteDatabase = SqlDatabase & NotificationSource & { readonly pglite: PGlite };

/**
 * Wraps `pglite` (owned from now on: close() closes it). PGlite runs one statement at a time; a
 * transaction holds its lock until COMMIT/ROLLBACK, so other queries wait rather than interleave.
 * Inside `transaction(fn)` use only `tx`: a query on the outer database would wait for the lock forever.
 */
export function createPgliteDatabase(pglite: PGlite): PgliteDatabase {
  let closing: Promise<void> | undefined;
  return {
    pglite,
    query: (text, params) => run(pglite, text, params),

    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      // PGlite issues BEGIN, COMMIT on success and ROLLBACK when fn throws (rethrowing the error).
      return pglite.transaction((t) => fn({ query: (text, params) => run(t, text, params) }));
    },

    async listen(channel, onPayload, onState) {
      const quoted = quoteChannel(channel);
      // A callback of our own per subscription: unlisten removes by identity.
      const callback = (payload: string) => onPayload(payload);
      await pglite.listen(quoted, callback);
      // In-process: there is no connection that could drop, so the source is always connected.
      onState?.('connected');
      let done = false;
      return async () => {
        if (done || pglite.closed) return;
        done = true;
        // Not the function listen() returns: PGlite 0.5 re-derives the name from the unquoted form
        // there, lower-cases it and so never removes a mixed-case channel's callback.
        await pglite.unlisten(quoted, callback);
      };
    },

    close() {
      closing ??= pglite.closed ? Promise.resolve() : pglite.close();
      return closing;
    },
  };
}
