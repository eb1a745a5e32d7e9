// splitSqlStatements (src/migrate/sql-statements.ts) is what the seed's schema loader and the migration
// runner rely on to run scripts statement by statement; these cases are the SQL shapes they meet.
import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from '../../../src/migrate/sql-statements.js';
import { readSchemaStatements, schemaPhases } from '../../../src/seed/schema-loader.js';

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons and drops blanks and comment-only pieces', () => {
    expect(splitSqlStatements('SELECT 1; ;\n-- just a comment\nSELECT 2;\n/* c */')).toEqual([
      'SELECT 1',
      '-- just a comment\nSELECT 2',
    ]);
  });

  it('keeps semicolons inside literals, identifiers, comments and dollar quotes', () => {
    const script = [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', E'x\\';y')",
      'CREATE TABLE "we;ird" (x int)',
      '/* a; /* nested; */ still */ SELECT 3',
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$',
      'DO $body$ BEGIN PERFORM 1; END $body$',
      "SELECT $1::text, 'tail' -- trailing; comment\n",
    ].join(';\n');
    const statements = splitSqlStatements(script);
    expect(statements).toHaveLength(6);
    expect(statements[0]).toContain("E'x\\';y'");
    expect(statements[3]).toContain('RETURN 1; END $$');
    expect(statements[4]).toContain('PERFORM 1; END $body$');
    expect(statements[5]).toContain('SELECT $1::text');
  });

  it('rejects unterminated quotes', () => {
    expect(() => splitSqlStatements("SELECT 'open")).toThrow(/unterminated/);
    expect(() => splitSqlStatements('DO $$ BEGIN')).toThrow(/unterminated dollar quote/);
  });
});

describe('schema files', () => {
  it('splits the tenant schema into tables first and indexes/constraints after, losing nothing', () => {
    const all = readSchemaStatements('apoti');
    const { tables, deferred } = schemaPhases('apoti');
    expect([...tables, ...deferred]).toEqual(all);
    expect(tables.every((s) => /^(--[^\n]*\n)*CREATE (SEQUENCE|TABLE)/.test(s))).toBe(true);
    expect(deferred.every((s) => /^(CREATE (UNIQUE )?INDEX|ALTER TABLE)/.test(s))).toBe(true);
    expect(tables.filter((s) => s.includes('CREATE TABLE'))).toHaveLength(19);
  });

  it('reads the management schema', () => {
    expect(readSchemaStatements('arzsw').filter((s) => s.includes('CREATE TABLE'))).toHaveLength(7);
  });
});
