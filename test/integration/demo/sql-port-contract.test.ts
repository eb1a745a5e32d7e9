// Runs the SqlDatabase/NotificationSource contract against both implementations: PGlite in process
// (always) and node-postgres + pg-listener on a throw-away PostgreSQL database (when reachable).
import { PGlite } from '@electric-sql/pglite';
import { describe } from 'vitest';
import { createPgliteDatabase } from '../../../src/adapters/pglite/pglite-database.js';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { createPgListener } from '../../../src/adapters/postgres/pg-listener.js';
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
