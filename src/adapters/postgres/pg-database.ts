// SqlDatabase over a node-postgres pool. Owns the pool it creates; does not know about tenants.
import pg from 'pg';
import type { SqlDatabase, SqlExecutor, SqlResult } from '../../core/sql-port.js';
import { createPortTypes } from './pg-types.js';

export function createPgDatabase(config: pg.PoolConfig): SqlDatabase & { pool: pg.Pool } {
  const pool = new pg.Pool({ ...config, types: createPortTypes() });
  // An idle client erroring (server restart, terminated backend) must not crash the process.
  pool.on('error', () => undefined);
  let closed = false;

  const run = async <Row>(
    executor: pg.Pool | pg.PoolClient,
    text: string,
    params?: readonly unknown[],
  ): Promise<SqlResult<Row>> => {
    const result = await executor.query(text, params as unknown[] | undefined);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  };

  // Rows are handed over from pg's 'row' event, i.e. while the rest of the result is still arriving. The
  // outcome comes through the query's callback: with a query_timeout pg routes errors (also its own read
  // timeout) only there, never to an 'error' event. A listener must not throw into pg's message parser
  // (that would break the connection): the first exception is kept, later rows are ignored, and the call
  // rejects with it once the statement has ended.
  const runEach = <Row>(
    client: pg.PoolClient,
    text: string,
    params: readonly unknown[] | undefined,
    onRow: (row: Row) => void,
  ): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      let delivered = 0;
      let failure: { error: unknown } | undefined;
      const query = new pg.Query({
        text,
        values: params as unknown[] | undefined,
        callback: (err: Error | null) => {
          if (failure !== undefined) reject(failure.error);
          else if (err) reject(err);
          else resolve(delivered);
        },
      } as pg.QueryConfig);
      query.on('row', (row: Row) => {
        if (failure !== undefined) return;
        try {
          onRow(row);
          delivered += 1;
        } catch (error) {
          failure = { error };
        }
      });
      void client.query(query);
    });

  return {
    pool,
    query: (text, params) => run(pool, text, params),
    async queryEach(text, params, onRow) {
      const client = await pool.connect();
      // As in transaction(): a lost connection reaches the caller as the rejection; pg-pool drops a
      // client that is no longer queryable when it is released.
      const ignore = () => undefined;
      client.on('error', ignore);
      try {
        return await runEach(client, text, params, onRow);
      } finally {
        client.off('error', ignore);
        client.release();
      }
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A checked-out client has no pool listener: a connection lost between statements (e.g. a long
      // streamed page waiting for its consumer) would otherwise be an unhandled 'error' that ends the
      // process. The failure reaches the caller through its next query; pg-pool drops the dead client.
      const ignore = () => undefined;
      client.on('error', ignore);
      try {
        await client.query('BEGIN');
        const tx: SqlExecutor = {
          query: (text, params) => run(client, text, params),
          queryEach: (text, params, onRow) => runEach(client, text, params, onRow),
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.off('error', ignore);
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
