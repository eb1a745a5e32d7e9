// Who may flip the kill switch: the admin port's /_edge/* endpoints need the bearer token when
// EDGE_ADMIN_TOKEN is set (constant-time compare) and accept only loopback callers without one; the probes
// stay open. The remote-address check is injected, because every test caller is on loopback.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/adapters/http/admin-access.js';
import {
  createAdminServer,
  type AdminControl,
  type AdminServer,
} from '../../src/adapters/http/admin-server.js';
import { request } from './rollout-harness.js';

const TOKEN = 'admin-test-token-0123456789abcdef';

function fakeControl(): AdminControl & { flips: string[] } {
  let on = false;
  const flips: string[] = [];
  return {
    flips,
    routes: () => ({ routes: [] }),
    reloadRoutes: () => ({ outcome: 'unchanged' }),
    shadow: () => ({ routes: [] }),
    killSwitch: () => ({ killSwitch: on, sources: on ? ['operator'] : [] }),
    setKillSwitch(next, caller) {
      on = next;
      flips.push(`${next} by ${caller}`);
      return { killSwitch: on, sources: on ? ['operator'] : [] };
    },
  };
}

async function start(access: Parameters<typeof createAdminServer>[0]['access'], control = fakeControl()) {
  const server = createAdminServer({
    host: '127.0.0.1',
    port: 0,
    registry: new Registry(),
    readiness: async () => [{ name: 'config', ok: true, detail: 'test' }],
    control,
    access,
  });
  return { server, port: await server.listen(), control };
}

describe('admin endpoints with EDGE_ADMIN_TOKEN', () => {
  let server: AdminServer;
  let port: number;
  let control: ReturnType<typeof fakeControl>;
  beforeAll(async () => {
    ({ server, port, control } = await start({ token: TOKEN }));
  });
  afterAll(() => server.close());

  it('refuse a missing or wrong token with 401 and the edge error body', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token',
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
    ]) {
      const reply = await request(port, '/_edge/rollback', {
        method: 'POST',
        headers: { ...(authorization ? { authorization } : {}), 'x-request-id': 'admin-req-1' },
      });
      expect(reply.status, String(authorization)).toBe(401);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="arzti-edge admin"');
      expect(JSON.parse(reply.body)).toEqual({
        error: { code: 'EDGE_ADMIN_UNAUTHORIZED', message: expect.stringContaining('Bearer') },
        traceId: 'admin-req-1',
      });
    }
    for (const path of ['/_edge/routes', '/_edge/shadow', '/_edge/nope', '/_edge']) {
      expect((await request(port, path)).status, path).toBe(401);
    }
    expect(control.flips).toEqual([]);
  });

  it('accept the right token (scheme case-insensitive) and keep the probes open', async () => {
    const on = await request(port, '/_edge/rollback', {
      method: 'POST',
      headers: { authorization: `bearer ${TOKEN}` },
    });
    expect(on.status).toBe(200);
    expect(JSON.parse(on.body)).toEqual({ killSwitch: true, sources: ['operator'] });
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect((await request(port, '/_edge/rollback', { method: 'DELETE', headers })).status).toBe(200);
    expect(control.flips).toEqual(['true by admin 127.0.0.1', 'false by admin 127.0.0.1']);
    expect((await request(port, '/_edge/rollback', { method: 'PUT', headers })).status).toBe(405);
    expect((await request(port, '/_edge/unknown', { headers })).status).toBe(404);
    for (const path of ['/healthz', '/readyz', '/metrics'])
      expect((await request(port, path)).status, path).toBe(200);
    expect(JSON.parse((await request(port, '/readyz')).body)).toMatchObject({
      status: 'ready',
      killSwitch: false,
    });
  });
});

describe('admin endpoints without a token', () => {
  it('accept loopback callers and refuse everyone else with 403', async () => {
    let pretend: string | undefined;
    const asked: string[] = [];
    const { server, port } = await start({
      token: undefined,
      allowWithoutToken: (address) => {
        asked.push(address);
        return isLoopback(pretend ?? address);
      },
    });
    try {
      expect((await request(port, '/_edge/routes')).status).toBe(200);
      pretend = '10.20.30.40';
      const refused = await request(port, '/_edge/rollback', { method: 'POST' });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({
        error: { code: 'EDGE_ADMIN_UNAUTHORIZED', message: expect.stringContaining('loopback') },
        traceId: expect.any(String),
      });
      // A bearer header does not help while no token is configured.
      expect(
        (await request(port, '/_edge/routes', { headers: { authorization: 'Bearer anything' } })).status,
      ).toBe(403);
      expect((await request(port, '/healthz')).status).toBe(200);
      expect(asked.every((a) => isLoopback(a))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '::', '', '128.0.0.1', 'fe80::1'])
      expect(isLoopback(a), a).toBe(false);
  });
});
