// The demo's route table (src/demo/demo-proxy.ts): the configured routes with every GET route in cache
// mode; writes, order, legacy settings and the kill switch stay as configured.
import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import { demoRouteTable } from '../../../src/demo/demo-proxy.js';

const YAML = `legacy:
  environment: Development
  maxPageSize: 500
  maxBulkSize: 1000
routes:
  - id: v2-rezept-list
    method: GET
    path: /v2/rezept
    mode: legacy
  - id: v2-rezept-status-update
    method: PATCH
    path: /v2/rezept/status
    mode: legacy
  - id: v2-rezept-status-list
    method: GET
    path: /v2/rezept/status
    mode: sql
`;

describe('demoRouteTable', () => {
  it('puts every GET route in cache mode and leaves the rest alone', () => {
    const table = demoRouteTable(parseRouteTable(YAML, 'routes.yaml'));
    expect(table.routes.map((r) => [r.id, r.mode])).toEqual([
      ['v2-rezept-list', 'cache'],
      ['v2-rezept-status-update', 'legacy'],
      ['v2-rezept-status-list', 'cache'],
    ]);
    expect(table.legacy).toEqual({ environment: 'Development', maxPageSize: 500, maxBulkSize: 1000 });
    expect(table.killSwitch).toBe(false);
    expect(table.match('GET', '/v2.0/rezept').id).toBe('v2-rezept-list');
    expect(table.match('PATCH', '/v2/rezept/status').mode).toBe('legacy');
  });

  it('keeps a configured kill switch', () => {
    const table = demoRouteTable(parseRouteTable(`killSwitch: true\n${YAML}`, 'routes.yaml'));
    expect(table.killSwitch).toBe(true);
  });
});
