// Per-route rollout end to end: a route in `sql` mode with 30 % + allow/deny lists, in front of a test
// upstream. Each tenant always takes the same path (X-Edge), the selector decides which, deny beats allow,
// and a request without a tenant (the catch-all, an unknown user) never reaches the fast path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectTenant } from '../../src/core/rollout.js';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';
import {
  fakeAuthenticator,
  fakeSqlExecutor,
  principalFor,
  request,
  routesDir,
  startEdge,
  tenantAuth,
  type RunningEdge,
} from './rollout-harness.js';

const ROUTES = [
  'routes:',
  '  - id: v2-rezept-list',
  '    method: GET',
  '    path: /v2/rezept',
  '    mode: sql',
  '    rollout:',
  '      percent: 30',
  '      allowTenants: [APO-3]',
  '      denyTenants: [7]',
  '  - id: v2-rezept-status-list',
  '    method: GET',
  '    path: /v2/rezept/status',
  '    mode: sql',
].join('\n');

describe('rollout per route, sticky per tenant', () => {
  let upstream: UpstreamServer;
  let edge: RunningEdge;
  const auth = fakeAuthenticator();

  beforeAll(async () => {
    upstream = await startUpstreamServer();
    edge = await startEdge(
      { LEGACY_URL: upstream.origin, ROUTES_FILE: routesDir(ROUTES).file },
      { auth: { authenticator: auth }, execute: { executors: { sql: fakeSqlExecutor } } },
    );
  });
  afterAll(async () => {
    await edge.stop();
    await upstream.close();
  });

  it('sends each of 12 tenants the same way on every request, as the selector says', async () => {
    const tenants = Array.from({ length: 12 }, (_, i) => i + 1);
    const pathOf = new Map<number, Set<string>>();
    for (let round = 0; round < 4; round += 1) {
      for (const tenant of round % 2 === 0 ? tenants : [...tenants].reverse()) {
        const reply = await request(edge.port, '/v2/rezept?page=1', {
          headers: { authorization: tenantAuth(tenant) },
        });
        expect(reply.status).toBe(200);
        const seen = pathOf.get(tenant) ?? new Set<string>();
        seen.add(String(reply.headers['x-edge']));
        pathOf.set(tenant, seen);
      }
    }
    const route = edge.app.routes.current().routes[0];
    if (!route?.rollout) throw new Error('rollout missing');
    for (const tenant of tenants) {
      const seen = [...(pathOf.get(tenant) ?? [])];
      expect(seen, `tenant ${tenant}`).toHaveLength(1);
      const verdict = selectTenant(route.rollout, route.id, principalFor(tenant));
      const expected = verdict === 'in-percent' || verdict === 'allowed' ? 'sql' : 'legacy';
      expect(seen[0], `tenant ${tenant} (${verdict})`).toBe(expected);
    }
    // The lists win over the hash: tenant 3 (by client code) is in, tenant 7 (by id) is out.
    expect([...(pathOf.get(3) ?? [])]).toEqual(['sql']);
    expect([...(pathOf.get(7) ?? [])]).toEqual(['legacy']);
    const fast = tenants.filter((t) => pathOf.get(t)?.has('sql')).length;
    expect(fast).toBeGreaterThan(0);
    expect(fast).toBeLessThan(tenants.length);
  });

  it('a route without a rollout serves every tenant from the fast path', async () => {
    for (const tenant of [1, 2, 7]) {
      const reply = await request(edge.port, '/v2/rezept/status', {
        headers: { authorization: tenantAuth(tenant) },
      });
      expect(reply.headers['x-edge']).toBe('sql');
      expect(JSON.parse(reply.body)).toEqual({ answeredBy: 'sql', tenant });
    }
  });

  it('wrong credentials get the legacy 401 on a fast route; the legacy answers everything unmatched', async () => {
    const denied = await request(edge.port, '/v2/rezept', {
      headers: { authorization: 'Basic bm9ib2R5Ong=' },
    });
    expect(denied.status).toBe(401);
    const before = upstream.requests.length;
    const other = await request(edge.port, '/api/Apotheken', { headers: { authorization: tenantAuth(3) } });
    expect(other.headers['x-edge']).toBe('legacy');
    expect(upstream.requests.length).toBe(before + 1);
  });

  it('GET /_edge/routes shows the rollout as configured', async () => {
    const reply = await edge.admin('/_edge/routes');
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body) as { routes: Array<Record<string, unknown>> };
    expect(body.routes[0]).toMatchObject({
      id: 'v2-rezept-list',
      mode: 'sql',
      effectiveMode: 'sql',
      rollout: { percent: 30, allowTenants: ['APO-3'], denyTenants: [7] },
    });
  });
});
