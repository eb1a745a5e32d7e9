// routes.yaml's rollout, shadow and killSwitch keys: compiled values with defaults, and every problem with
// file:line:col and key.
import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import { SHADOW_DEFAULTS } from '../../../src/core/rollout.js';
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

describe('rollout, shadow and killSwitch in routes.yaml', () => {
  it('compiles a rollout with ids and client codes, and a shadow block with defaults', () => {
    const table = parseRouteTable(
      [
        'killSwitch: false',
        'routes:',
        '  - id: v2-rezept-list',
        '    method: GET',
        '    path: /v2/rezept',
        '    mode: sql',
        '    rollout:',
        '      percent: 12.5',
        '      allowTenants: [4711, APO-001]',
        '      denyTenants: [13]',
        '  - id: v2-rezept-status-list',
        '    method: GET',
        '    path: /v2/rezept/status',
        '    mode: shadow',
        '    shadow: { sample: 0.25, maxConcurrent: 2, ignorePaths: [$.responseTimestamp, "$..deliveryTimestamp"] }',
        '  - id: v2-rezept-statusuuid',
        '    method: PATCH',
        '    path: /v2/rezept/statusuuid',
        '    mode: shadow',
      ].join('\n'),
      'routes.yaml',
    );
    const [list, status, uuid] = table.routes;
    expect(table.killSwitch).toBe(false);
    expect(list?.rollout?.percent).toBe(12.5);
    expect([...(list?.rollout?.allowTenants.ids ?? [])]).toEqual([4711]);
    expect([...(list?.rollout?.allowTenants.codes ?? [])]).toEqual(['APO-001']);
    expect([...(list?.rollout?.denyTenants.ids ?? [])]).toEqual([13]);
    expect(list?.shadow).toBeUndefined();
    expect(status?.shadow).toMatchObject({
      sample: 0.25,
      maxConcurrent: 2,
      calibrate: false,
      candidate: 'sql',
    });
    expect(status?.shadow?.ignorePaths.map((p) => p.text)).toEqual([
      '$.responseTimestamp',
      '$..deliveryTimestamp',
    ]);
    // A shadow route without a block gets every default, including the two volatile timestamps.
    expect(uuid?.shadow).toMatchObject({
      sample: SHADOW_DEFAULTS.sample,
      maxConcurrent: 4,
      maxBodyBytes: 8 * 1024 * 1024,
      timeoutMs: 10_000,
    });
    expect(uuid?.shadow?.ignorePaths.map((p) => p.text)).toEqual([
      '$.responseTimestamp',
      '$.prescriptions[*].deliveryTimestamp',
    ]);
  });

  it('reports every problem of the new keys with file, line, column and key', () => {
    const message = errorOf(
      [
        'killSwitch: yes please', //                               1
        'routes:', //                                              2
        '  - id: a-route', //                                      3
        '    method: GET', //                                      4
        '    path: /v2/rezept', //                                 5
        '    mode: sql', //                                        6
        '    rollout:', //                                         7
        '      percent: 130', //                                   8
        '      allowTenants: [0, "", 1.5]', //                     9
        '      denyTenants: 7', //                                 10
        '      ratio: 3', //                                       11
        '  - id: b-route', //                                      12
        '    method: PATCH', //                                    13
        '    path: /v2/rezept/status', //                          14
        '    mode: shadow', //                                     15
        '    shadow:', //                                          16
        '      sample: 1.5', //                                    17
        '      maxConcurrent: 0', //                               18
        '      ignorePaths: [responseTimestamp, "$.a[x]"]', //     19
        '      calibrate: maybe', //                               20
        '      candidate: redis', //                               21
        '  - id: c-route', //                                      22
        '    method: GET', //                                      23
        '    path: /v2/x', //                                      24
        '    mode: sql', //                                        25
        '    rollout: { allowTenants: [1] }', //                   26
        '  - id: d-route', //                                      27
        '    method: GET', //                                      28
        '    path: /v2/y', //                                      29
        '    mode: sql', //                                        30
        '    rollout: { percent: 33.333 }', //                     31
      ].join('\n'),
    );
    for (const fragment of [
      'bad.yaml:1:13: killSwitch: must be true or false',
      'bad.yaml:8:16: routes[0].rollout.percent: must be a number from 0 to 100',
      'bad.yaml:9:22: routes[0].rollout.allowTenants[0]: must be an arzsw_datenbank id',
      'bad.yaml:9:25: routes[0].rollout.allowTenants[1]: must be an arzsw_datenbank id',
      'bad.yaml:9:29: routes[0].rollout.allowTenants[2]: must be an arzsw_datenbank id',
      'bad.yaml:10:20: routes[0].rollout.denyTenants: must be a list',
      'bad.yaml:11:7: routes[0].rollout.ratio: unknown key (allowed: percent, allowTenants, denyTenants)',
      'bad.yaml:15:11: routes[1].mode: shadow runs on reads only (GET, PATCH …/statusuuid), not PATCH /v2/rezept/status',
      'bad.yaml:17:15: routes[1].shadow.sample: must be a number from 0 to 1',
      'bad.yaml:18:22: routes[1].shadow.maxConcurrent: must be an integer from 1 to 1000',
      'bad.yaml:19:21: routes[1].shadow.ignorePaths[0]: "responseTimestamp" must start with "$"',
      'bad.yaml:19:40: routes[1].shadow.ignorePaths[1]: "$.a[x]" unexpected "[x]"',
      'bad.yaml:20:18: routes[1].shadow.calibrate: must be true or false',
      'bad.yaml:21:18: routes[1].shadow.candidate: must be one of sql|cache',
      'bad.yaml:26:14: routes[2].rollout.percent: is required',
      'bad.yaml:31:25: routes[3].rollout.percent: must have at most two decimals',
    ]) {
      expect(message).toContain(fragment);
    }
    expect(message).toContain('(16 problems)');
  });

  it('refuses shadow on any write route, and on a route for every method', () => {
    for (const [method, path] of [
      ['POST', '/api/Apotheken'],
      ['PATCH', '/v2/rezept/status'],
      ['PUT', '/v2/rezept/statusuuid'],
      ['*', '/v2/rezept'],
    ]) {
      expect(
        errorOf(`routes:\n  - { id: a, method: "${method}", path: ${path}, mode: shadow }\n`),
        `${method} ${path}`,
      ).toContain('shadow runs on reads only');
    }
  });
});
