// The connection-string → PGlite registry (src/adapters/pglite/pglite-registry.ts) with fake databases:
// identity by host, port and database; lazy failure for unknown databases; ownership on close.
import { describe, expect, it } from 'vitest';
import {
  createPgliteRegistry,
  databaseKey,
  type SqlDatabaseWithNotifications,
} from '../../../src/adapters/pglite/pglite-registry.js';
import type { SqlExecutor, SqlResult } from '../../../src/core/sql-port.js';

function fakeDatabase(name: string): SqlDatabaseWithNotifications & { closed: number } {
  const query = async <Row>(): Promise<SqlResult<Row>> => ({ rows: [{ name } as Row], rowCount: 1 });
  const db = {
    closed: 0,
    query,
    transaction: async <T>(fn: (tx: SqlExecutor) => Promise<T>) => fn({ query }),
    listen: async () => async () => undefined,
    close: async () => {
      db.closed += 1;
    },
  };
  return db;
}

describe('createPgliteRegistry', () => {
  it('finds a database by host, port and database whatever the credentials or keyword spelling', async () => {
    const registry = createPgliteRegistry();
    registry.register('Host=pglite.demo;Port=5432;Database=demo_apoti_1;Username=a', fakeDatabase('one'));
    registry.register('Host=pglite.demo;Database=demo_apoti_2', fakeDatabase('two'));
    const same = registry.open(
      'server=PGLITE.DEMO; database=demo_apoti_1; user id=b; password=x; pooling=false',
    );
    expect((await same.query('SELECT 1')).rows).toEqual([{ name: 'one' }]);
    const url = registry.open('postgres://u:p@pglite.demo/demo_apoti_2');
    expect((await url.query('SELECT 1')).rows).toEqual([{ name: 'two' }]);
    await registry.close();
  });

  it('rejects lazily with 3D000 for a database nobody registered', async () => {
    const registry = createPgliteRegistry();
    const db = registry.open('Host=pglite.demo;Database=nope');
    await expect(db.query('SELECT 1')).rejects.toMatchObject({
      code: '3D000',
      message: 'database "nope" does not exist',
    });
    await expect(db.transaction(async () => 1)).rejects.toMatchObject({ code: '3D000' });
    await expect(db.listen('c', () => undefined)).rejects.toMatchObject({ code: '3D000' });
  });

  it('throws at once for an unparsable connection string (like opening a pool would)', () => {
    const registry = createPgliteRegistry();
    expect(() => registry.open('Host=a;Port=notanumber')).toThrow();
    expect(() => registry.register('Host=a;Port=notanumber', fakeDatabase('x'))).toThrow();
  });

  it('refuses two databases under one identity', () => {
    const registry = createPgliteRegistry();
    registry.register('Host=h;Database=d', fakeDatabase('a'));
    expect(() => registry.register('Host=H;Port=5432;Database=d;Username=other', fakeDatabase('b'))).toThrow(
      /already registered as h:5432\/d/,
    );
  });

  it('views do not close the database; the registry closes each one once', async () => {
    const registry = createPgliteRegistry();
    const db = fakeDatabase('a');
    registry.register('Host=h;Database=d', db);
    const view = registry.open('Host=h;Database=d');
    await view.close();
    expect(db.closed).toBe(0);
    await registry.close();
    await registry.close();
    expect(db.closed).toBe(1);
    await expect(view.query('SELECT 1')).rejects.toThrow(/closed/);
  });

  it('databaseKey: host lower-cased, default port 5432, database defaults to the user name', () => {
    expect(databaseKey({ host: 'H', database: 'd' })).toBe('h:5432/d');
    expect(databaseKey({ host: 'h', port: 6432, user: 'u' })).toBe('h:6432/u');
    expect(databaseKey({ connectionString: 'postgresql://u@H:5433/db%201' })).toBe('h:5433/db 1');
  });
});
