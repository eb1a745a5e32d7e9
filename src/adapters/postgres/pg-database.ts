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

  return {
    pool,
    query: (text, params) => run(pool, text, params),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A checked-out client has no pool listener: a connection lost between statements (e.g. a long
      // streamed page waiting for its consumer) would otherwise be an unhandled 'error' that ends the
      // process. The failure reaches the caller through its next query; pg-pool drops the dead client.
      const ignore = () => undefined;
      client.on('error', ignore);
      try {
        await client.query('BEGIN');
        const tx: SqlExecutor = { query: (text, params) => run(client, text, params) };
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
