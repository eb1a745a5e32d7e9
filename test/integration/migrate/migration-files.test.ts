// The file convention of sql/migrations (no database needed): names, pairs, numbering, the
// no-transaction marker, checksums; and that the repository's own migration files follow it.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, loadMigrations } from '../../../src/migrate/migration-files.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'basic');
const temps: string[] = [];

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-migrations-'));
  temps.push(dir);
  mkdirSync(path.join(dir, 'tenant'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'tenant', name), text);
  return dir;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('migration files', () => {
  it('pairs up/down files, orders by number and reads the no-transaction marker', () => {
    const tenant = loadMigrations(FIXTURES, 'tenant');
    expect(tenant.map((m) => m.key)).toEqual(['tenant/001_edge_test_index', 'tenant/002_edge_test_trigger']);
    expect(tenant[0]?.up.noTransaction).toBe(true);
    expect(tenant[0]?.down.noTransaction).toBe(true);
    expect(tenant[1]?.up.noTransaction).toBe(false);
    expect(tenant[1]?.up.statements).toHaveLength(2);
    expect(tenant[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(loadMigrations(FIXTURES, 'management').map((m) => m.name)).toEqual(['001_edge_test_marker']);
  });

  it('has the same checksum for CRLF and LF line endings', () => {
    const lf = dirWith({ '001_a.up.sql': 'SELECT 1;\nSELECT 2;\n', '001_a.down.sql': '' });
    const crlf = dirWith({ '001_a.up.sql': 'SELECT 1;\r\nSELECT 2;\r\n', '001_a.down.sql': '' });
    expect(loadMigrations(crlf, 'tenant')[0]?.checksum).toBe(loadMigrations(lf, 'tenant')[0]?.checksum);
  });

  it('rejects a missing down file, a shared number and a malformed name, all at once', () => {
    const dir = dirWith({
      '001_a.up.sql': 'SELECT 1;',
      '002_b.up.sql': 'SELECT 1;',
      '002_b.down.sql': '',
      '002_c.up.sql': 'SELECT 1;',
      '002_c.down.sql': '',
      '3-bad.up.sql': 'SELECT 1;',
      'README.md': 'ignored',
    });
    const error = (() => {
      try {
        loadMigrations(dir, 'tenant');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(error).toMatch(/001_a: needs both/);
    expect(error).toMatch(/share the number 2/);
    expect(error).toMatch(/3-bad\.up\.sql: name must be/);
  });

  it('accepts the repository migrations', () => {
    for (const scope of ['management', 'tenant'] as const) {
      for (const m of loadMigrations(defaultMigrationsDir(), scope))
        expect(m.up.statements.length).toBeGreaterThan(0);
    }
  });
});
