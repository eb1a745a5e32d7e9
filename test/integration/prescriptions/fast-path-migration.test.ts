// 001_fast_path_indexes: additive (only nine arzti_edge_* indexes appear, nothing else changes), valid,
// idempotent, and the down migration restores the catalog exactly; the readiness check sees it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { splitSqlStatements } from '../../../src/migrate/sql-statements.js';
import { FAST_PATH_INDEXES, missingFastPathIndexes } from '../../../src/prescriptions/fast-path-readiness.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';

const DIR = path.resolve(import.meta.dirname, '../../../sql/migrations/tenant');

let testDb: TestDatabase;
let client: pg.Client;

async function run(file: string): Promise<void> {
  const script = await readFile(path.join(DIR, file), 'utf8');
  expect(script.split('\n')[0]).toBe('-- edge:no-transaction');
  for (const statement of splitSqlStatements(script)) await client.query(statement);
}

/** Every index (with definition and validity), constraint and column of the public schema. */
async function catalog(): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(`
    SELECT 'index ' || c.relname || ' ' || pg_get_indexdef(i.indexrelid) || ' valid=' || i.indisvalid AS line
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
      FROM information_schema.columns WHERE table_schema = 'public'
    ORDER BY 1`);
  return rows.map((r) => r.line);
}

describeWith(['postgres'], '001_fast_path_indexes migration', () => {
  beforeAll(async () => {
    testDb = await createTestDatabase('fastpath_mig', ['apoti']);
    client = new pg.Client({ connectionString: testDb.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await testDb?.drop();
  });

  it('adds exactly nine valid arzti_edge_* indexes, is idempotent, and reverts cleanly', async () => {
    const before = await catalog();
    const sql = {
      query: async <R>(text: string, params?: readonly unknown[]) => {
        const r = await client.query(text, params as unknown[]);
        return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
      },
    };
    expect(await missingFastPathIndexes(sql)).toEqual(FAST_PATH_INDEXES);
    await run('001_fast_path_indexes.up.sql');
    expect(await missingFastPathIndexes(sql)).toEqual([]);
    const after = await catalog();
    const added = after.filter((line) => !before.includes(line));
    expect(after.filter((line) => !added.includes(line))).toEqual(before);
    expect(added).toHaveLength(9);
    for (const line of added) expect(line).toMatch(/^index arzti_edge_\w+ CREATE INDEX .* valid=true$/);
    expect(added.join('\n')).toContain(
      'CREATE INDEX arzti_edge_erezept_daten_new ON public.er_senderezepte_erezept_daten USING btree (id_senderezepte_erezept, id_senderezepte_erezept_daten) WHERE (transfer_arz = false)',
    );

    await run('001_fast_path_indexes.up.sql');
    expect(await catalog()).toEqual(after);

    await run('001_fast_path_indexes.down.sql');
    expect(await catalog()).toEqual(before);
    expect(await missingFastPathIndexes(sql)).toHaveLength(9);
    await run('001_fast_path_indexes.down.sql');
    expect(await catalog()).toEqual(before);
  });
});
