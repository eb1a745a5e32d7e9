// Finds the repository root (the directory holding package.json) from a module's own directory,
// so sql/ files resolve the same from src/ under tsx and from dist/src/ after tsc.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function findRepoRoot(startDir: string = import.meta.dirname): string {
  let dir = path.resolve(startDir);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'sql'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json with a sql/ directory above ${startDir}`);
    dir = parent;
  }
}
