// The authenticate stage inside the real app, in front of the legacy emulator: for a route in a fast mode
// the proxy's own 401 matches the legacy's on the wire, a valid caller reaches the executor with its
// principal, and a management-DB outage forwards to the legacy instead of refusing.
import http from 'node:http';
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/adapters/auth/authenticator.js';
import { createCredentialCache } from '../../../src/adapters/auth/credential-cache.js';
import { createManagementDatabase } from '../../../src/adapters/postgres/management-database.js';
import { createApp, type EdgeApp } from '../../../src/app.js';
import { hasLegacy, loadConfig } from '../../../src/config/env-config.js';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import type { SqlDatabase } from '../../../src/core/sql-port.js';
import { createModeState } from '../../../src/core/route-mode.js';
import { createLogger } from '../../../src/observability/logger.js';
import { describeWith } from '../../support/needs.js';
import { basicAuth, startLegacyFixture, type LegacyFixture } from '../../support/emulator-fixtures.js';

const ROUTES = parseRouteTable(
  ['routes:', '  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: sql }'].join('\n'),
  'auth-wire.yaml',
);

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, headers: string[] = []): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: ['Host', `127.0.0.1:${port}`, ...headers], agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describeWith(['postgres'], 'authenticate stage on the wire (app + emulator)', () => {
  let legacy: LegacyFixture;
  const apps: EdgeApp[] = [];
  const pools: SqlDatabase[] = [];

  async function startProxy(managementUrl: string): Promise<number> {
    const config = loadConfig({
      LEGACY_URL: legacy.url,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
      EDGE_DRAIN_MS: '500',
    });
    if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
    const management = createManagementDatabase(managementUrl, {
      maxConnections: 4,
      connectTimeoutMs: 500,
      statementTimeoutMs: 1_000,
    });
    pools.push(management);
    const authenticator = createAuthenticator({
      management,
      registry: new Registry(),
      cache: createCredentialCache({ maxEntries: 100, successTtlMs: 60_000, failureTtlMs: 5_000 }),
    });
    const app = createApp(config, {
      logger: createLogger('silent'),
      routes: ROUTES,
      modes: createModeState({ implemented: ['sql'] }),
      auth: { authenticator },
      execute: {
        executors: {
          sql: async (ctx) => ({
            kind: 'respond',
            status: 200,
            headers: { 'Content-Type': 'text/plain' },
            body: Buffer.from(`${ctx.principal?.loginName}@${ctx.principal?.tenant.datenbankId}`),
            edge: 'sql',
          }),
        },
      },
    });
    apps.push(app);
    return (await app.start()).port;
  }

  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'auth_wire' });
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await Promise.all(pools.map((p) => p.close()));
    await legacy?.close();
  });

  it('an unauthenticated request gets the same 401 as from the legacy, without reaching it', async () => {
    const port = await startProxy(legacy.management.url);
    const before = legacy.emulator.stats.managementQueries;
    for (const headers of [
      [],
      ['Authorization', basicAuth('apoti_user_rzstein', 'wrong')],
      ['Authorization', 'Basic'],
    ]) {
      const [proxied, direct] = await Promise.all([
        get(port, '/v2/rezept', headers),
        get(legacy.emulator.port, '/v2/rezept', headers),
      ]);
      expect(proxied.status).toBe(401);
      expect(proxied.body).toBe('');
      expect(proxied.headers['content-length']).toBe('0');
      expect(proxied.headers['www-authenticate']).toBe(direct.headers['www-authenticate']);
      expect(proxied.headers['content-length']).toBe(direct.headers['content-length']);
      expect(proxied.status).toBe(direct.status);
      expect(proxied.headers['x-edge']).toBe('sql');
    }
    // Only the direct requests reached the legacy (one of them with credentials worth a query).
    expect(legacy.emulator.stats.managementQueries - before).toBe(1);
  });

  it('a valid caller reaches the executor with its principal', async () => {
    const port = await startProxy(legacy.management.url);
    const reply = await get(port, '/v2/rezept', ['Authorization', legacy.auth]);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^apoti_user_rzstein@\d+$/);
  });

  it('management DB unavailable → forwarded to the legacy (which decides itself)', async () => {
    const port = await startProxy(`postgres://postgres@127.0.0.1:${await closedPort()}/gone`);
    const ok = await get(port, '/v2/rezept', ['Authorization', legacy.auth]);
    expect(ok.status).toBe(200);
    expect(ok.headers['x-edge']).toBe('legacy');
    const refused = await get(port, '/v2/rezept', [
      'Authorization',
      basicAuth('apoti_user_rzstein', 'wrong'),
    ]);
    expect(refused.status).toBe(401);
    expect(refused.headers['x-edge']).toBe('legacy');
  });

  it('a request with a non-default X-API-Version is left to the legacy (400 before authorization)', async () => {
    const port = await startProxy(legacy.management.url);
    const reply = await get(port, '/v2/rezept', ['X-API-Version', '1.0']);
    const direct = await get(legacy.emulator.port, '/v2/rezept', ['X-API-Version', '1.0']);
    expect(reply.status).toBe(direct.status);
    expect(reply.status).toBe(400);
    expect(reply.headers['x-edge']).toBe('legacy');
  });
});
