// Hot reload of routes.yaml on a real temp directory: a valid change is swapped in once (debounced), an
// editor's write-temp-then-rename is seen, identical content is a no-op, an invalid file is rejected and the
// running table stays.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRoutesReloader,
  readRoutesFile,
  type ReloadResult,
  type RoutesReloader,
} from '../../../src/config/routes-watcher.js';
import type { EdgeLogger } from '../../../src/core/request-context.js';
import { createRouteTableHolder } from '../../../src/core/route-table-holder.js';

const lines: Array<{ level: string; obj: object; msg?: string }> = [];
const log: EdgeLogger = {
  debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
  info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
  warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
  error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  child: () => log,
};

const routesText = (mode: string) =>
  `routes:\n  - id: v2-rezept-list\n    method: GET\n    path: /v2/rezept\n    mode: ${mode}\n`;

function setup(mode = 'legacy') {
  const dir = mkdtempSync(join(tmpdir(), 'edge-reload-'));
  const file = join(dir, 'routes.yaml');
  writeFileSync(file, routesText(mode));
  const initial = readRoutesFile(file);
  const holder = createRouteTableHolder(initial.table, file);
  const outcomes: ReloadResult[] = [];
  let applied = 0;
  const reloader = createRoutesReloader({
    file,
    holder,
    initialText: initial.text,
    log,
    debounceMs: 50,
    onOutcome: (r) => outcomes.push(r),
    onApplied: () => (applied += 1),
  });
  return { dir, file, holder, reloader, outcomes, applied: () => applied };
}

let current: RoutesReloader | undefined;
afterEach(() => current?.close());

describe('routes reloader', () => {
  it('applies a valid change, ignores identical content, rejects an invalid file and keeps the table', () => {
    const { file, holder, reloader, outcomes } = setup();
    current = reloader;
    expect(reloader.reload('signal')).toEqual({ outcome: 'unchanged' });

    writeFileSync(file, routesText('sql'));
    expect(reloader.reload('signal')).toEqual({ outcome: 'applied', generation: 2 });
    expect(holder.current().routes[0]?.mode).toBe('sql');

    const running = holder.current();
    writeFileSync(file, routesText('turbo'));
    const rejected = reloader.reload('admin');
    expect(rejected.outcome).toBe('rejected');
    expect(holder.current()).toBe(running);
    expect(holder.lastError?.message).toContain(`${file}:5:11: routes[0].mode: "turbo" is not one of`);
    expect(lines.some((l) => l.level === 'error' && l.msg?.includes('reload rejected'))).toBe(true);
    // Unchanged invalid content stays rejected without re-logging.
    expect(reloader.reload('admin')).toEqual({ outcome: 'unchanged' });
    expect(holder.lastError).toBeDefined();

    writeFileSync(file, routesText('cache'));
    expect(reloader.reload('admin')).toEqual({ outcome: 'applied', generation: 3 });
    expect(holder.lastError).toBeUndefined();
    expect(outcomes.map((o) => o.outcome)).toEqual([
      'unchanged',
      'applied',
      'rejected',
      'unchanged',
      'applied',
    ]);
  });

  it('rejects a missing file and picks it up when it appears again', () => {
    const { file, dir, holder, reloader } = setup();
    current = reloader;
    renameSync(file, join(dir, 'moved.yaml'));
    expect(reloader.reload('signal').outcome).toBe('rejected');
    expect(holder.lastError?.message).toContain('cannot be read');
    renameSync(join(dir, 'moved.yaml'), file);
    // Same content as before, but after a failed read it is parsed again (and the error cleared).
    expect(reloader.reload('signal')).toEqual({ outcome: 'applied', generation: 2 });
    expect(holder.lastError).toBeUndefined();
  });

  it('watches the directory: an editor-style rename replace is applied once after the debounce', async () => {
    const { file, dir, holder, reloader, outcomes, applied } = setup();
    current = reloader;
    reloader.watch();
    // vim/IDE style: write a temp file, rename it over the original (the original inode goes away).
    const temp = join(dir, '.routes.yaml.swp');
    writeFileSync(temp, routesText('sql'));
    renameSync(temp, file);
    await expect.poll(() => holder.current().routes[0]?.mode, { timeout: 3000 }).toBe('sql');
    // A second burst of writes to the replaced file is still seen (the watch is on the directory).
    writeFileSync(file, routesText('cache'));
    writeFileSync(file, routesText('shadow'));
    await expect.poll(() => holder.current().routes[0]?.mode, { timeout: 3000 }).toBe('shadow');
    await new Promise((r) => setTimeout(r, 150));
    expect(applied()).toBeLessThanOrEqual(3);
    expect(outcomes.filter((o) => o.outcome === 'rejected')).toEqual([]);
  });
});
