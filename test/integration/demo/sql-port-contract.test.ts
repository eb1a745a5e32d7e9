// Runs the SqlDatabase/NotificationSource contract against both implementations: PGlite in process
// (always) and node-postgres + pg-listener on a throw-away PostgreSQL database (when reachable).
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { createPgliteDatabase } from '../../../src/adapters/pglite/pglite-database.js';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { createPgListener } from '../../../src/adapters/postgres/pg-listener.js';
import type pg from 'pg';
import { queryEach, type SqlDatabase } from '../../../src/core/sql-port.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase } from '../../support/pg-databases.js';
import { sqlPortContract } from './sql-port-contract.js';

describe('SQL port contract: PGlite (in process)', () => {
  sqlPortContract(async () => {
    // A bare instance, without the factory's parsers: the adapter alone must honour the conventions.
    const db = createPgliteDatabase(await PGlite.create());
    return { db, notifications: db, close: () => db.close() };
  });
});

describeWith(['postgres'], 'SQL port contract: node-postgres (real PostgreSQL)', () => {
  sqlPortContract(async () => {
    const database = await createTestDatabase('sql_port_contract');
    const db = createPgDatabase({ connectionString: database.url, max: 4 });
    const listener = createPgListener({ connection: { connectionString: database.url }, name: 'contract' });
    return {
      db,
      notifications: listener,
      async close() {
        await listener.close();
        await db.close();
        await database.drop();
      },
    };
  });
});

/**
 * Runs `use` with node-postgres pools (one per config) on a throw-away database; closes and drops them
 * afterwards, also when `use` fails.
 */
async function withPools(
  prefix: string,
  configs: Omit<pg.PoolConfig, 'connectionString'>[],
  use: (...dbs: SqlDatabase[]) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase(prefix);
  const dbs = configs.map((config) => createPgDatabase({ ...config, connectionString: database.url }));
  try {
    await use(...dbs);
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
    await database.drop();
  }
}

describeWith(['postgres'], 'node-postgres queryEach streams', () => {
  it('hands over a row while the statement is still running', async () => {
    await withPools('sql_port_stream', [{ max: 2 }], async (db) => {
      // Rows larger than PostgreSQL's 8 KB send buffer leave the server as they are produced (a row's
      // tail goes out when the next one is written), one every 150 ms: a non-streaming implementation
      // would deliver all four at the end (~600 ms), a streaming one the first at ~300 ms.
      const arrivals: number[] = [];
      const started = performance.now();
      const count = await queryEach<{ g: number }>(
        db,
        `SELECT g, repeat('x', 65536) AS pad, pg_sleep(0.15) FROM generate_series(1, 4) g`,
        [],
        () => arrivals.push(performance.now() - started),
      );
      const ended = performance.now() - started;
      expect(count).toBe(4);
      expect(ended - arrivals[0]!).toBeGreaterThan(200);
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThan(100);
    });
  });

  it('rejects on a statement timeout and on the client read timeout (pg reports both to the callback only)', async () => {
    const pools = [{ statement_timeout: 150, query_timeout: 2000 }, { query_timeout: 150 }];
    await withPools('sql_port_timeouts', pools, async (serverSide, clientSide) => {
      const slow = `SELECT g, pg_sleep(0.1) FROM generate_series(1, 20) g`;
      await expect(queryEach(serverSide, slow, [], () => undefined)).rejects.toMatchObject({ code: '57014' });
      await expect(queryEach(clientSide, slow, [], () => undefined)).rejects.toThrow('Query read timeout');
      // Both pools still answer.
      expect(await queryEach(serverSide, 'SELECT 1', [], () => undefined)).toBe(1);
    });
  });
});

describeWith(['postgres'], 'node-postgres prepared statements', () => {
  it('are prepared on the server, and a connection whose statement went stale is replaced', async () => {
    // One connection: the statement is prepared on it, and what happens to it is visible.
    await withPools('sql_port_prepared', [{ max: 1 }], async (db) => {
      await db.query('CREATE TABLE p (id int4)');
      await db.query('INSERT INTO p VALUES (1)');
      const text = 'SELECT * FROM p WHERE id >= $1';
      expect((await db.query(text, [0], { prepare: true })).rows).toEqual([{ id: 1 }]);
      const prepared = await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
      expect(prepared.rows.map((r) => r.statement)).toContain(text);
      // The result type changes under the prepared statement: that call fails, the next one works.
      await db.query('ALTER TABLE p ADD COLUMN v text');
      await expect(db.query(text, [0], { prepare: true })).rejects.toMatchObject({ code: '0A000' });
      expect((await db.query(text, [0], { prepare: true })).rows).toEqual([{ id: 1, v: null }]);
      // The same inside a transaction.
      await db.query('ALTER TABLE p ADD COLUMN w text');
      await expect(db.transaction((tx) => tx.query(text, [0], { prepare: true }))).rejects.toMatchObject({
        code: '0A000',
      });
      expect((await db.transaction((tx) => tx.query(text, [0], { prepare: true }))).rows).toEqual([
        { id: 1, v: null, w: null },
      ]);
    });
  });
});
