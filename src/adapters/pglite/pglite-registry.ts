// Maps connection strings (Npgsql keyword strings or postgres:// URLs, as arzsw_datenbank stores them) to
// registered in-process PGlite databases, for code written for "one pool per connection string" (emulator,
// proxy tenant registry, listeners). Hands out non-owning views; only the registry closes the instances.
import type pg from 'pg';
import { parseDatabaseLocator } from '../../core/npgsql-connection-string.js';
import type { NotificationSource, SqlDatabase, SqlExecutor } from '../../core/sql-port.js';

export type SqlDatabaseWithNotifications = SqlDatabase & NotificationSource;

export interface PgliteRegistry {
  /** Makes `db` reachable under the host, port and database named by `connectionString`; owns it now. */
  register(connectionString: string, db: SqlDatabaseWithNotifications): void;
  /**
   * A view of the database the string names (host, port and database decide, like a server would;
   * user and password are ignored). Throws only for an unparsable string; an unknown database fails
   * lazily on use with PostgreSQL's 3D000, like a pool whose database does not exist.
   */
  open(connectionString: string): SqlDatabaseWithNotifications;
  /** The same for an already parsed pg config (the proxy's TenantRegistry `createDatabase` hook). */
  openConfig(config: pg.PoolConfig): SqlDatabaseWithNotifications;
  /** Closes every registered database. Idempotent. */
  close(): Promise<void>;
}

/** host:port/database, the identity of a database behind a connection string. */
export function databaseKey(config: pg.PoolConfig): string {
  if (config.connectionString !== undefined) {
    const url = new URL(config.connectionString);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username);
    return `${url.hostname.toLowerCase()}:${url.port || '5432'}/${database}`;
  }
  return `${(config.host ?? 'localhost').toLowerCase()}:${config.port ?? 5432}/${config.database ?? config.user ?? ''}`;
}

class MissingDatabaseError extends Error {
  readonly code = '3D000';
  readonly severity = 'FATAL';
  constructor(name: string) {
    super(`database "${name}" does not exist`);
  }
}

function missing(key: string): SqlDatabaseWithNotifications {
  const name = key.slice(key.indexOf('/') + 1);
  const reject = () => Promise.reject(new MissingDatabaseError(name));
  return { query: reject, transaction: reject, listen: reject, close: async () => undefined };
}

export function createPgliteRegistry(): PgliteRegistry {
  const databases = new Map<string, SqlDatabaseWithNotifications>();
  let closed = false;

  const view = (key: string): SqlDatabaseWithNotifications => {
    const db = () => {
      if (closed) throw new Error('the PGlite registry is closed');
      return databases.get(key) ?? missing(key);
    };
    return {
      query: async <Row>(text: string, params?: readonly unknown[]) => db().query<Row>(text, params),
      transaction: async <T>(fn: (tx: SqlExecutor) => Promise<T>) => db().transaction(fn),
      listen: async (channel, onPayload, onState) => db().listen(channel, onPayload, onState),
      close: async () => undefined,
    };
  };

  return {
    register(connectionString, db) {
      const key = databaseKey(parseDatabaseLocator(connectionString));
      if (databases.has(key)) throw new Error(`a database is already registered as ${key}`);
      databases.set(key, db);
    },
    open: (connectionString) => view(databaseKey(parseDatabaseLocator(connectionString))),
    openConfig: (config) => view(databaseKey(config)),
    async close() {
      if (closed) return;
      closed = true;
      const all = [...databases.values()];
      databases.clear();
      await Promise.allSettled(all.map((db) => db.close()));
    },
  };
}
