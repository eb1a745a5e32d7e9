// Loads the legacy DDL copies (sql/schema/apoti.sql, arzsw.sql) into a database, either at once or in
// two phases (tables first, indexes and foreign keys after a bulk load). Never alters the DDL itself.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { SqlExecutor } from '../core/sql-port.js';
import { findRepoRoot } from '../migrate/repo-root.js';
import { splitSqlStatements } from '../migrate/sql-statements.js';

export type SchemaName = 'apoti' | 'arzsw';

/** Anything that runs one SQL statement: the SqlDatabase port, a transaction executor or a pg client. */
export type SchemaTarget = SqlExecutor | pg.ClientBase;

export interface SchemaPhases {
  /** CREATE SEQUENCE / CREATE TABLE (with their primary keys). */
  tables: string[];
  /** CREATE INDEX and ALTER TABLE … ADD CONSTRAINT (foreign keys): cheaper to build after loading. */
  deferred: string[];
}

export function schemaPath(which: SchemaName, repoRoot: string = findRepoRoot()): string {
  return path.join(repoRoot, 'sql', 'schema', `${which}.sql`);
}

export function readSchemaStatements(which: SchemaName): string[] {
  return splitSqlStatements(readFileSync(schemaPath(which), 'utf8'));
}

/** Splits the schema so that running `tables`, then `deferred`, equals running the file in order. */
export function schemaPhases(which: SchemaName): SchemaPhases {
  const tables: string[] = [];
  const deferred: string[] = [];
  for (const statement of readSchemaStatements(which)) {
    const head = stripLeadingComments(statement).slice(0, 40).toUpperCase();
    if (/^CREATE\s+(UNIQUE\s+)?INDEX\b/.test(head) || /^ALTER\s+TABLE\b/.test(head)) deferred.push(statement);
    else tables.push(statement);
  }
  return { tables, deferred };
}

export async function runStatements(db: SchemaTarget, statements: readonly string[]): Promise<void> {
  const run = (db as { query(text: string): Promise<unknown> }).query.bind(db);
  for (const statement of statements) await run(statement);
}

/** Loads sql/schema/<which>.sql statement by statement (works on pg and on single-statement drivers). */
export async function loadSchema(db: SchemaTarget, which: SchemaName): Promise<void> {
  await runStatements(db, readSchemaStatements(which));
}

function stripLeadingComments(statement: string): string {
  return statement.replace(/^(\s*--[^\n]*\n)+/, '').trimStart();
}
