// Keeps the README's configuration and error-code tables true: every environment variable the config
// loader reads and every EDGE_* code must be listed, and the tables may list nothing that does not exist.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

function section(name: string): string {
  const match = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(readme);
  if (!match?.[1]) throw new Error(`README has no ${name} section`);
  return match[1];
}

function firstColumnCodes(table: string): string[] {
  return [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string);
}

describe('README tables', () => {
  it('lists exactly the environment variables the config loader reads', () => {
    const source = readFileSync(path.join(root, 'src', 'config', 'env-config.ts'), 'utf8');
    const read = new Set([...source.matchAll(/\(env, '([A-Z0-9_]+)'/g)].map((m) => m[1] as string));
    expect(read.size).toBeGreaterThan(5);
    const listed = new Set(firstColumnCodes(section('config-table')));
    expect([...read].filter((v) => !listed.has(v)).sort()).toEqual([]);
    expect([...listed].filter((v) => !read.has(v)).sort()).toEqual([]);
  });

  it('lists exactly the error codes of src/errors.ts with their messages', () => {
    const table = section('error-table');
    expect(firstColumnCodes(table).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, message] of Object.entries(ERROR_CODES)) {
      expect(table).toContain(`| \`${code}\` | ${message} |`);
    }
  });
});
