// The kill switch by env, by routes.yaml and by the admin port — each flips the very next request, while
// PostgreSQL and Redis are unreachable (their URLs point at closed ports) and without the authenticate stage
// ever querying the management database. It shows in X-Edge, /readyz (still ready) and /metrics.
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';
import {
  fakeAuthenticator,
  fakeSqlExecutor,
  request,
  routesDir,
  startEdge,
  tenantAuth,
  type RunningEdge,
} from './rollout-harness.js';

const ROUTES = (killSwitch = false) =>
  [
    ...(killSwitch ? ['killSwitch: true'] : []),
    'routes:',
    '  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: sql }',
    '  - { id: v2-rezept-status-list, method: GET, path: /v2/rezept/status, mode: legacy }',
  ].join('\n');

/** Nothing listens on port 1 on loopback. */
const UNREACHABLE = {
  ARZSW_DATABASE_URL: 'postgres://edge:edge@127.0.0.1:1/arzsw',
  REDIS_URL: 'redis://127.0.0.1:1',
};
const TOKEN = 'kill-switch-test-token-0123456789';

describe('kill switch: env, file, admin', () => {
  let upstream: UpstreamServer;
  let edge: RunningEdge | undefined;
  beforeAll(async () => {
    upstream = await startUpstreamServer();
  });
  afterAll(() => upstream.close());
  afterEach(async () => {
    await edge?.stop();
    edge = undefined;
  });

  const get = (path = '/v2/rezept') =>
    request((edge as RunningEdge).port, path, { headers: { authorization: tenantAuth(1) } });

  async function start(env: Record<string, string>, routes = ROUTES()) {
    const auth = fakeAuthenticator();
    const dir = routesDir(routes);
    edge = await startEdge(
      { LEGACY_URL: upstream.origin, ROUTES_FILE: dir.file, EDGE_ADMIN_TOKEN: TOKEN, ...UNREACHABLE, ...env },
      { auth: { authenticator: auth }, execute: { executors: { sql: fakeSqlExecutor } } },
    );
    return { auth, dir, edge };
  }

  it('EDGE_KILL_SWITCH=1: legacy from the first request, no auth query, visible on readyz and metrics', async () => {
    const { auth, edge } = await start({ EDGE_KILL_SWITCH: '1' });
    const reply = await get();
    expect(reply.status).toBe(200);
    expect(reply.headers['x-edge']).toBe('legacy; kill-switch');
    // Also routes configured as legacy carry the tag while it is on.
    expect((await get('/v2/rezept/status')).headers['x-edge']).toBe('legacy; kill-switch');
    expect(auth.calls).toBe(0);

    const ready = await request(edge.adminPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'ready',
      killSwitch: true,
      killSwitchSources: ['operator'],
    });
    expect(await edge.metric('edge_kill_switch')).toBe(1);

    // Cleared from the admin port: the very next request takes the fast path again.
    const cleared = await edge.admin('/_edge/rollback', { method: 'DELETE' });
    expect(JSON.parse(cleared.body)).toEqual({ killSwitch: false, sources: [] });
    const fast = await get();
    expect(fast.headers['x-edge']).toBe('sql');
    expect(auth.calls).toBe(1);
    expect(await edge.metric('edge_kill_switch')).toBe(0);
  });

  it('POST /_edge/rollback flips the next request; ?off=1 clears it', async () => {
    const { auth, edge } = await start({});
    expect((await get()).headers['x-edge']).toBe('sql');
    const on = await edge.admin('/_edge/rollback', { method: 'POST' });
    expect(on.status).toBe(200);
    expect(JSON.parse(on.body)).toEqual({ killSwitch: true, sources: ['operator'] });
    const callsBefore = auth.calls;
    expect((await get()).headers['x-edge']).toBe('legacy; kill-switch');
    expect(auth.calls).toBe(callsBefore);
    expect(JSON.parse((await edge.admin('/_edge/rollback')).body)).toEqual({
      killSwitch: true,
      sources: ['operator'],
    });

    const off = await edge.admin('/_edge/rollback?off=1', { method: 'POST' });
    expect(JSON.parse(off.body)).toEqual({ killSwitch: false, sources: [] });
    expect((await get()).headers['x-edge']).toBe('sql');
    expect(
      edge.logs
        .lines()
        .filter((l) => l.msg === 'kill switch on: every request goes to the legacy' && l.level === 'warn'),
    ).toHaveLength(1);
  });

  it('killSwitch: true in routes.yaml (at start and by reload) — cleared only by the file', async () => {
    const { auth, dir, edge } = await start({}, ROUTES(true));
    expect((await get()).headers['x-edge']).toBe('legacy; kill-switch');
    // The operator cannot clear what the file holds; the answer says who still holds it.
    const cleared = await edge.admin('/_edge/rollback', { method: 'DELETE' });
    expect(JSON.parse(cleared.body)).toEqual({ killSwitch: true, sources: ['file'] });

    dir.replace(ROUTES(false));
    await expect.poll(() => edge.app.routes.generation, { timeout: 2000, interval: 5 }).toBe(2);
    expect((await get()).headers['x-edge']).toBe('sql');

    dir.replace(ROUTES(true));
    await expect.poll(() => edge.app.routes.generation, { timeout: 2000, interval: 5 }).toBe(3);
    const callsBefore = auth.calls;
    expect((await get()).headers['x-edge']).toBe('legacy; kill-switch');
    expect(auth.calls).toBe(callsBefore);
    expect(JSON.parse((await edge.admin('/_edge/routes')).body)).toMatchObject({
      killSwitch: { killSwitch: true, sources: ['file'] },
      routes: [
        { id: 'v2-rezept-list', mode: 'sql', effectiveMode: 'legacy' },
        { id: 'v2-rezept-status-list' },
      ],
    });
  });

  it('error answers the edge writes itself carry the tag too (legacy unreachable → 502)', async () => {
    const dir = routesDir(ROUTES());
    edge = await startEdge({
      LEGACY_URL: 'http://127.0.0.1:1',
      ROUTES_FILE: dir.file,
      EDGE_KILL_SWITCH: 'true',
      ...UNREACHABLE,
    });
    const reply = await request(edge.port, '/v2/rezept');
    expect(reply.status).toBe(502);
    expect(reply.headers['x-edge']).toBe('legacy; kill-switch');
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'EDGE_UPSTREAM_UNREACHABLE' } });
  });
});
