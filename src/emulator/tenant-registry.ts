// One SqlDatabase per distinct tenant connection string, like Npgsql's pools keyed by the exact string
// (CONTRACT §4.4). Opening is lazy: nothing connects until a query runs, and an unparsable string only
// fails when a controller actually needs the database (inside its try/catch → its 500 text).
import type { SqlDatabase } from '../core/sql-port.js';

export type OpenTenantDatabase = (connectionString: string) => SqlDatabase;

export interface TenantRegistry {
  /** The database of a connection string; throws when it cannot be opened (bad string). */
  get(connectionString: string): SqlDatabase;
  close(): Promise<void>;
}

export function createTenantRegistry(open: OpenTenantDatabase): TenantRegistry {
  const databases = new Map<string, SqlDatabase>();
  let closed = false;
  return {
    get(connectionString) {
      if (closed) throw new Error('tenant registry is closed');
      let db = databases.get(connectionString);
      if (!db) {
        db = open(connectionString);
        databases.set(connectionString, db);
      }
      return db;
    },
    async close() {
      closed = true;
      const all = [...databases.values()];
      databases.clear();
      await Promise.allSettled(all.map((db) => db.close()));
    },
  };
}
