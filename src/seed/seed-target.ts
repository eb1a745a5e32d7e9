// Normalises what a caller may hand the seeders (the SqlDatabase port — with or without a pg pool
// behind it — a pg.Pool, or one pg client) into: a statement runner, a single-session runner, and
// a way to lend pg connections for COPY when there are any.
import pg from 'pg';
import type { SqlDatabase, SqlExecutor } from '../core/sql-port.js';

export type SeedTarget = SqlDatabase | (SqlDatabase & { pool: pg.Pool }) | pg.Pool | pg.ClientBase;

export interface Connection {
  client: pg.ClientBase;
  release(err?: Error): void;
}

export interface NormalisedTarget {
  query: SqlExecutor['query'];
  /** Runs fn on one session (a transaction where the target only offers that). */
  session<T>(fn: (exec: SqlExecutor) => Promise<T>): Promise<T>;
  /** Lends pg connections; absent when the target is not node-postgres (e.g. PGlite). */
  acquire?: () => Promise<Connection>;
  /** Opens a new connection of its own (closed on release), for long-running COPY streams. */
  dedicated?: () => Promise<Connection>;
}

const executorOf = (client: pg.ClientBase | pg.Pool): SqlExecutor => ({
  query: async (text, params) => {
    const result = await client.query(text, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  },
});

export function normaliseTarget(target: SeedTarget): NormalisedTarget {
  if (
    target instanceof pg.Pool ||
    (!(target instanceof pg.Client) && 'pool' in target && target.pool instanceof pg.Pool)
  ) {
    const pool = target instanceof pg.Pool ? target : (target as { pool: pg.Pool }).pool;
    const acquire = async (): Promise<Connection> => {
      const client = await pool.connect();
      return { client, release: (err) => client.release(err) };
    };
    return {
      query: executorOf(pool).query,
      async session(fn) {
        const { client, release } = await acquire();
        try {
          const result = await fn(executorOf(client));
          release();
          return result;
        } catch (err) {
          release(err as Error);
          throw err;
        }
      },
      acquire,
      async dedicated() {
        // pg-pool keeps the password non-enumerable, so it is copied explicitly.
        const client = new pg.Client({ ...pool.options, password: pool.options.password });
        await client.connect();
        return { client, release: () => void client.end().catch(() => undefined) };
      },
    };
  }
  if (target instanceof pg.Client) {
    const exec = executorOf(target);
    return {
      query: exec.query,
      session: (fn) => fn(exec),
      acquire: async () => ({ client: target, release: () => undefined }),
    };
  }
  const db = target as SqlDatabase;
  return {
    query: (text, params) => db.query(text, params),
    session: (fn) => db.transaction(fn),
  };
}
