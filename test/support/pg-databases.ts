// Creates and drops throw-away PostgreSQL databases for integration tests: every test file gets
// its own database(s) with a unique name, loaded from the repo's schema files; nothing is shared.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { PG_ADMIN_URL } from './services.js';

export type SchemaName = 'apoti' | 'arzsw';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export function schemaFile(schema: SchemaName): string {
  return path.join(repoRoot, 'sql', 'schema', `${schema}.sql`);
}

export interface TestDatabase {
  name: string;
  /** postgres:// URL of the database. */
  url: string;
  /** The same database as an Npgsql keyword connection string (what arzsw_datenbank stores). */
  npgsql: string;
  drop(): Promise<void>;
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(prefix: string, schemas: SchemaName[] = []): Promise<TestDatabase> {
  const safePrefix = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  const name = `edge_test_${safePrefix}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const admin = new URL(PG_ADMIN_URL);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const npgsql =
    `Host=${admin.hostname};Port=${admin.port || '5432'};Database=${name};` +
    `Username=${decodeURIComponent(admin.username || 'postgres')};` +
    (admin.password ? `Password=${decodeURIComponent(admin.password)};` : '') +
    'Pooling=true;';
  const db: TestDatabase = {
    name,
    url: url.toString(),
    npgsql,
    drop: () =>
      withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
  if (schemas.length > 0) {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(await readFile(schemaFile(schema), 'utf8'));
    } finally {
      await client.end();
    }
  }
  return db;
}
