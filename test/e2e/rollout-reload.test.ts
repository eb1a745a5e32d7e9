// Hot reload under load: 20 keep-alive clients hammer the edge for 2 s while routes.yaml is replaced (mode
// legacy → sql) and then overwritten with an invalid file. Zero failed requests; the mode switches; the
// invalid file is rejected, the running table stays, and the error shows on the admin port and in metrics.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';
import {
  fakeAuthenticator,
  fakeSqlExecutor,
  request,
  routesDir,
  startEdge,
  tenantAuth,
  type RoutesDir,
  type RunningEdge,
} from './rollout-harness.js';

const routes = (mode: string) =>
  ['routes:', '  - id: v2-rezept-list', '    method: GET', '    path: /v2/rezept', `    mode: ${mode}`].join(
    '\n',
  );

describe('routes.yaml hot reload under load', () => {
  let upstream: UpstreamServer;
  let edge: RunningEdge;
  let dir: RoutesDir;

  beforeAll(async () => {
    upstream = await startUpstreamServer();
    dir = routesDir(routes('legacy'));
    edge = await startEdge(
      {
        LEGACY_URL: upstream.origin,
        ROUTES_FILE: dir.file,
        EDGE_ADMIN_TOKEN: 'reload-test-token-0123456789',
      },
      { auth: { authenticator: fakeAuthenticator() }, execute: { executors: { sql: fakeSqlExecutor } } },
    );
  });
  afterAll(async () => {
    await edge.stop();
    await upstream.close();
  });

  it('switches the mode with zero failed requests and keeps the table when the file turns invalid', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    const deadline = performance.now() + 2000;
    const results: Array<{ startedAt: number; endedAt: number; status: number; edge: string }> = [];
    const failures: unknown[] = [];
    const client = async (n: number) => {
      while (performance.now() < deadline) {
        const startedAt = performance.now();
        try {
          const reply = await request(edge.port, '/v2/rezept?page=1', {
            headers: { authorization: tenantAuth((n % 5) + 1) },
            agent,
          });
          results.push({
            startedAt,
            endedAt: performance.now(),
            status: reply.status,
            edge: String(reply.headers['x-edge']),
          });
          if (reply.status !== 200) failures.push(reply);
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 20 }, (_, n) => client(n)));

    await new Promise((r) => setTimeout(r, 500));
    const switchedAt = performance.now();
    dir.replace(routes('sql')); // editor style: temp file renamed over routes.yaml
    await expect
      .poll(() => edge.app.routes.current().routes[0]?.mode, { timeout: 1500, interval: 10 })
      .toBe('sql');
    const appliedAt = performance.now();

    await new Promise((r) => setTimeout(r, 400));
    const running = edge.app.routes.current();
    dir.write(routes('turbo')); // an invalid edit, written in place
    await expect
      .poll(() => edge.app.routes.lastError !== undefined, { timeout: 1500, interval: 10 })
      .toBe(true);
    await load;
    agent.destroy();

    expect(failures).toEqual([]);
    expect(results.length).toBeGreaterThan(200);
    expect(edge.app.routes.current()).toBe(running);
    // A request keeps the table it started with: classify by when it started (and, before, ended).
    const before = results.filter((r) => r.endedAt < switchedAt);
    const after = results.filter((r) => r.startedAt > appliedAt);
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(before.map((r) => r.edge))).toEqual(new Set(['legacy']));
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((r) => r.edge))).toEqual(new Set(['sql']));

    const admin = JSON.parse((await edge.admin('/_edge/routes')).body) as {
      generation: number;
      configValid: boolean;
      lastError: { message: string } | null;
      routes: Array<{ mode: string }>;
    };
    expect(admin.generation).toBe(2);
    expect(admin.configValid).toBe(false);
    expect(admin.routes[0]?.mode).toBe('sql');
    expect(admin.lastError?.message).toContain(`${dir.file}:5:11: routes[0].mode: "turbo" is not one of`);
    expect(await edge.metric('edge_routes_config_valid')).toBe(0);
    expect(await edge.metric('edge_routes_reload_total', { outcome: 'applied' })).toBe(1);
    expect(await edge.metric('edge_routes_reload_total', { outcome: 'rejected' })).toBeGreaterThanOrEqual(1);
    const ready = JSON.parse((await request(edge.adminPort, '/readyz')).body) as {
      status: string;
      checks: Array<{ name: string; ok: boolean; detail: string }>;
    };
    expect(ready.status).toBe('ready');
    expect(ready.checks[0]).toMatchObject({ name: 'config', ok: true });
    expect(ready.checks[0]?.detail).toContain('last reload rejected');
    expect(
      edge.logs
        .lines()
        .some((l) => l.level === 'error' && l.msg === 'routes reload rejected; the running table stays'),
    ).toBe(true);
  });

  it('a fixed file is applied again, clears the error, and POST /_edge/routes/reload reports unchanged', async () => {
    dir.replace(routes('legacy'));
    await expect.poll(() => edge.app.routes.current().routes[0]?.mode, { timeout: 1500 }).toBe('legacy');
    expect(edge.app.routes.lastError).toBeUndefined();
    expect(await edge.metric('edge_routes_config_valid')).toBe(1);
    const reload = await edge.admin('/_edge/routes/reload', { method: 'POST' });
    expect(JSON.parse(reload.body)).toEqual({ outcome: 'unchanged' });
  });
});
