// SqlDatabase over a node-postgres pool. Owns the pool it creates; does not know about tenants.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { QueryOptions, SqlDatabase, SqlExecutor, SqlResult } from '../../core/sql-port.js';
import { createPortTypes } from './pg-types.js';

export function createPgDatabase(config: pg.PoolConfig): SqlDatabase & { pool: pg.Pool } {
  const pool = new pg.Pool({ ...config, types: createPortTypes() });
  // An idle client erroring (server restart, terminated backend) must not crash the process.
  pool.on('error', () => undefined);
  let closed = false;

  // A prepared statement is named after its text; pg parses it once per connection and reuses it.
  const names = new Map<string, string>();
  const queryConfig = (text: string, params: readonly unknown[] | undefined, options?: QueryOptions) => {
    const values = params as unknown[] | undefined;
    if (options?.prepare !== true) return { text, values };
    let name = names.get(text);
    if (name === undefined) {
      name = `edge_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return { name, text, values };
  };

  const run = async <Row>(
    client: pg.PoolClient,
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<SqlResult<Row>> => {
    const result = await client.query(queryConfig(text, params, options));
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  };

  /**
   * A connection leased for one call (outside a transaction). Released broken when it lost a prepared
   * statement (see stalePrepared), so the pool opens a fresh one.
   */
  const leased = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    // As in transaction(): a lost connection reaches the caller as the rejection; pg-pool drops a
    // client that is no longer queryable when it is released.
    const ignore = () => undefined;
    client.on('error', ignore);
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (err) {
      if (stalePrepared(err)) broken = err as Error;
      throw err;
    } finally {
      client.off('error', ignore);
      client.release(broken);
    }
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
    options?: QueryOptions,
  ): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      let delivered = 0;
      let failure: { error: unknown } | undefined;
      const query = new pg.Query({
        ...queryConfig(text, params, options),
        callback: (err: Error | null) => {
          if (failure !== undefined) reject(failure.error);
          else if (err) reject(err);
          else resolve(delivered);
        },
      } as unknown as pg.QueryConfig);
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
    query: (text, params, options) => leased((client) => run(client, text, params, options)),
    queryEach: (text, params, onRow, options) =>
      leased((client) => runEach(client, text, params, onRow, options)),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A checked-out client has no pool listener: a connection lost between statements (e.g. a long
      // streamed page waiting for its consumer) would otherwise be an unhandled 'error' that ends the
      // process. The failure reaches the caller through its next query; pg-pool drops the dead client.
      const ignore = () => undefined;
      client.on('error', ignore);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const noteStale = (err: unknown): never => {
          if (stalePrepared(err)) broken = err as Error;
          throw err;
        };
        const tx: SqlExecutor = {
          query: <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) =>
            run<Row>(client, text, params, options).catch(noteStale),
          queryEach: <Row>(
            text: string,
            params: readonly unknown[] | undefined,
            onRow: (row: Row) => void,
            options?: QueryOptions,
          ) => runEach<Row>(client, text, params, onRow, options).catch(noteStale),
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.off('error', ignore);
        client.release(broken);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * A prepared statement this connection can no longer use: its result type changed under it (0A000,
 * "cached plan must not change result type": a table altered) or it is gone (26000: e.g. DISCARD ALL by a
 * pooler). pg keeps believing it is prepared, so the connection is dropped instead of failing every time.
 */
function stalePrepared(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '0A000' || code === '26000';
}
