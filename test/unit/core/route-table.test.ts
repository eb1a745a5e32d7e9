import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRouteTable } from '../../../src/config/routes-file.js';
import { UNMATCHED_ROUTE_ID } from '../../../src/core/route-table.js';
import { createModeState } from '../../../src/core/route-mode.js';

const table = loadRouteTable(resolve(import.meta.dirname, '../../../routes.yaml'));

describe('route table matching (legacy routing rules, CONTRACT §2.1–§2.2)', () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/v2/rezept', 'v2-rezept-list'],
    ['GET', '/V2.0/REZEPT/', 'v2-rezept-list'],
    ['GET', '/v2/rezept/status', 'v2-rezept-status-list'],
    ['PATCH', '/v2/rezept/statusuuid', 'v2-rezept-statusuuid'],
    ['PATCH', '/v2.0/Rezept/StatusUuid/', 'v2-rezept-statusuuid'],
    ['PATCH', '/v2/rezept/status', 'v2-rezept-status-update'],
    // Legacy answers these itself: 404 (unsupported version), 405 (method), HEAD is not mapped.
    ['GET', '/v1/rezept', UNMATCHED_ROUTE_ID],
    ['GET', '/v3/rezept', UNMATCHED_ROUTE_ID],
    ['POST', '/v2/rezept', UNMATCHED_ROUTE_ID],
    ['HEAD', '/v2/rezept', UNMATCHED_ROUTE_ID],
    ['GET', '/v2/rezept/statusuuid', UNMATCHED_ROUTE_ID],
    ['GET', '/api/Apotheken', UNMATCHED_ROUTE_ID],
    ['OPTIONS', '*', UNMATCHED_ROUTE_ID],
  ];
  for (const [method, path, id] of cases) {
    it(`${method} ${path} → ${id}`, () => {
      expect(table.match(method, path).id).toBe(id);
    });
  }

  it('sends everything unmatched to the legacy catch-all', () => {
    const route = table.match('DELETE', '/anything/at/all');
    expect(route).toBe(table.fallback);
    expect(route.mode).toBe('legacy');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(table.routes)).toBe(true);
    expect(Object.isFrozen(table.routes[0])).toBe(true);
  });
});

describe('mode state', () => {
  it('runs unimplemented modes as legacy and honours the kill switch', () => {
    const modes = createModeState({ implemented: ['sql'] });
    expect(modes.effectiveMode({ id: 'a', mode: 'sql' })).toBe('sql');
    expect(modes.effectiveMode({ id: 'b', mode: 'cache' })).toBe('legacy');
    modes.setKillSwitch(true);
    expect(modes.killSwitch).toBe(true);
    expect(modes.effectiveMode({ id: 'a', mode: 'sql' })).toBe('legacy');
  });
});
