// Reads the migration files of one scope (sql/migrations/<scope>/NNN_name.up.sql + .down.sql), checks
// the naming convention and computes checksums. Pure file reading; no database access.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from './repo-root.js';
import { splitSqlStatements } from './sql-statements.js';

export type MigrationScope = 'management' | 'tenant';
export const MIGRATION_SCOPES: readonly MigrationScope[] = ['management', 'tenant'];

/** The first line that makes a file run statement by statement outside a transaction. */
export const NO_TRANSACTION_MARKER = '-- edge:no-transaction';

export interface MigrationScript {
  file: string;
  statements: string[];
  noTransaction: boolean;
}

export interface Migration {
  scope: MigrationScope;
  /** `NNN_name` (the file name without `.up.sql`). */
  name: string;
  /** The key stored in arzti_edge_migrations.name: `<scope>/<NNN_name>`. */
  key: string;
  number: number;
  /** sha256 (hex) of the up script with line endings normalised to LF. */
  checksum: string;
  up: MigrationScript;
  down: MigrationScript;
}

const FILE = /^(\d{3,})_([a-z0-9][a-z0-9_]*)\.(up|down)\.sql$/;

export function defaultMigrationsDir(): string {
  return path.join(findRepoRoot(), 'sql', 'migrations');
}

export function migrationKey(scope: MigrationScope, name: string): string {
  return `${scope}/${name}`;
}

function readScript(file: string): { text: string; script: MigrationScript } {
  const text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  return {
    text,
    script: {
      file,
      statements: splitSqlStatements(text),
      noTransaction: firstLine === NO_TRANSACTION_MARKER,
    },
  };
}

/**
 * The migrations of one scope in apply order. Throws on a file that breaks the convention: a name not
 * matching NNN_name.(up|down).sql, an up without a down (or vice versa), or two migrations sharing NNN.
 */
export function loadMigrations(dir: string, scope: MigrationScope): Migration[] {
  const scopeDir = path.join(dir, scope);
  if (!existsSync(scopeDir)) return [];
  const problems: string[] = [];
  const pairs = new Map<string, { up?: string; down?: string; number: number }>();
  for (const entry of readdirSync(scopeDir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.sql')) continue;
    const match = FILE.exec(entry.name);
    if (!match) {
      problems.push(`${scope}/${entry.name}: name must be NNN_name.up.sql or NNN_name.down.sql (lower case)`);
      continue;
    }
    const name = `${match[1]}_${match[2]}`;
    const pair = pairs.get(name) ?? { number: Number(match[1]) };
    pair[match[3] as 'up' | 'down'] = path.join(scopeDir, entry.name);
    pairs.set(name, pair);
  }
  const byNumber = new Map<number, string>();
  const migrations: Migration[] = [];
  for (const [name, pair] of pairs) {
    if (!pair.up || !pair.down) {
      problems.push(`${scope}/${name}: needs both ${name}.up.sql and ${name}.down.sql`);
      continue;
    }
    const clash = byNumber.get(pair.number);
    if (clash) problems.push(`${scope}: ${clash} and ${name} share the number ${pair.number}; renumber one`);
    byNumber.set(pair.number, name);
    const up = readScript(pair.up);
    const down = readScript(pair.down);
    if (up.script.statements.length === 0) problems.push(`${scope}/${name}.up.sql has no statements`);
    migrations.push({
      scope,
      name,
      key: migrationKey(scope, name),
      number: pair.number,
      checksum: createHash('sha256').update(up.text).digest('hex'),
      up: up.script,
      down: down.script,
    });
  }
  if (problems.length > 0) throw new Error(`invalid migration files:\n  ${problems.join('\n  ')}`);
  return migrations.sort((a, b) => a.number - b.number || a.name.localeCompare(b.name));
}
