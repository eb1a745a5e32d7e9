// Runs the SqlDatabase/NotificationSource contract against both implementations: PGlite in process
// (always) and node-postgres + pg-listener on a throw-away PostgreSQL database (when reachable).
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { createPgliteDatabase } from '../../../src/adapters/pglite/pglite-database.js';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { createPgListener } from '../../../src/adapters/postgres/pg-listener.js';
import { queryEach } from '../../../src/core/sql-port.js';
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

describeWith(['postgres'], 'node-postgres queryEach streams', () => {
  it('hands over a row while the statement is still running', async () => {
    const database = await createTestDatabase('sql_port_stream');
    const db = createPgDatabase({ connectionString: database.url, max: 2 });
    try {
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
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it('rejects on a statement timeout and on the client read timeout (pg reports both to the callback only)', async () => {
    const database = await createTestDatabase('sql_port_timeouts');
    const serverSide = createPgDatabase({
      connectionString: database.url,
      statement_timeout: 150,
      query_timeout: 2000,
    });
    const clientSide = createPgDatabase({ connectionString: database.url, query_timeout: 150 });
    try {
      const slow = `SELECT g, pg_sleep(0.1) FROM generate_series(1, 20) g`;
      await expect(queryEach(serverSide, slow, [], () => undefined)).rejects.toMatchObject({ code: '57014' });
      await expect(queryEach(clientSide, slow, [], () => undefined)).rejects.toThrow('Query read timeout');
      // Both pools still answer.
      expect(await queryEach(serverSide, 'SELECT 1', [], () => undefined)).toBe(1);
    } finally {
      await serverSide.close();
      await clientSide.close();
      await database.drop();
    }
  });
});
