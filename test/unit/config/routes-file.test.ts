import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRouteTable, parseRouteTable } from '../../../src/config/routes-file.js';
import { isEdgeError } from '../../../src/errors.js';

function errorOf(text: string): string {
  try {
    parseRouteTable(text, 'bad.yaml');
  } catch (err) {
    if (isEdgeError(err, 'EDGE_ROUTES_INVALID')) return err.message;
    throw err;
  }
  throw new Error('expected EDGE_ROUTES_INVALID');
}

describe('routes.yaml loading', () => {
  it('loads the shipped routes.yaml with the four V2 routes and the legacy defaults', () => {
    const table = loadRouteTable(resolve(import.meta.dirname, '../../../routes.yaml'));
    expect(table.routes.map((r) => [r.id, r.method, r.path])).toEqual([
      ['v2-rezept-list', 'GET', '/v2/rezept'],
      ['v2-rezept-status-list', 'GET', '/v2/rezept/status'],
      ['v2-rezept-statusuuid', 'PATCH', '/v2/rezept/statusuuid'],
      ['v2-rezept-status-update', 'PATCH', '/v2/rezept/status'],
    ]);
    expect(table.legacy).toEqual({ environment: 'Development', maxPageSize: 500, maxBulkSize: 1000 });
  });

  it('defaults the legacy block when it is absent', () => {
    const table = parseRouteTable('routes: []\n', 'r.yaml');
    expect(table.legacy).toEqual({ environment: 'Development', maxPageSize: 500, maxBulkSize: 1000 });
    expect(table.routes).toEqual([]);
  });

  it('reports all problems together with file, line, column and key', () => {
    const message = errorOf(
      [
        'legacy:', //                                   1
        '  environment: Live', //                       2
        '  maxPageSize: lots', //                       3
        'routes:', //                                   4
        '  - id: a-route', //                           5
        '    method: GET', //                           6
        '    path: /v2/rezept', //                      7
        '    mode: cahce', //                           8
        '  - id: a-route', //                           9
        '    method: FETCH', //                         10
        '    path: /v2//rezept', //                     11
        '    mode: legacy', //                          12
        '    colour: blue', //                          13
        '  - id: Bad_Id', //                            14
        '    method: GET', //                           15
        '    path: v2/rezept', //                       16
        '  - id: unmatched', //                         17
        '    method: GET', //                           18
        '    path: /a/{id:float}', //                   19
        '    mode: sql', //                             20
        'extra: 1', //                                  21
      ].join('\n'),
    );
    for (const fragment of [
      'bad.yaml:3:16: legacy.maxPageSize: must be a positive integer',
      'bad.yaml:8:11: routes[0].mode: "cahce" is not one of legacy|cache|sql|shadow',
      'bad.yaml:9:9: routes[1].id: duplicate id "a-route" (first used on line 5)',
      'bad.yaml:10:13: routes[1].method: "FETCH" is not one of',
      'bad.yaml:11:11: routes[1].path: malformed pattern "/v2//rezept": contains an empty segment',
      'bad.yaml:13:5: routes[1].colour: unknown key',
      'bad.yaml:14:9: routes[2].id: "Bad_Id" must be kebab-case',
      'bad.yaml:16:11: routes[2].path: malformed pattern "v2/rezept": must start with "/"',
      'bad.yaml:14:5: routes[2].mode: is required',
      'bad.yaml:17:9: routes[3].id: "unmatched" is reserved',
      'bad.yaml:19:11: routes[3].path: malformed pattern "/a/{id:float}"',
      'bad.yaml:21:1: extra: unknown key',
    ]) {
      expect(message).toContain(fragment);
    }
    expect(message).toContain('(12 problems)');
  });

  it('reports YAML syntax errors with their position', () => {
    const message = errorOf('routes:\n  - id: a\n    method: GET\n   path: [\n');
    expect(message).toMatch(/bad\.yaml:\d+:\d+: yaml: /);
  });

  it('reports duplicate mapping keys', () => {
    const message = errorOf('routes: []\nroutes: []\n');
    expect(message).toMatch(/bad\.yaml:2:1: yaml: .*unique/i);
  });

  it('names the file when it cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routes-'));
    const missing = join(dir, 'nope.yaml');
    expect(() => loadRouteTable(missing)).toThrow(new RegExp(`routes file ${missing} cannot be read`));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'routes:\n  - id: x\n    method: GET\n    path: /x\n    mode: nope\n');
    expect(() => loadRouteTable(file)).toThrow(new RegExp(`${file}:5:11: routes\\[0\\]\\.mode`));
  });
});
