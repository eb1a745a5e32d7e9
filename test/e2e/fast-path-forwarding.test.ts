// Every rule that makes a sql/cache-mode request go to the legacy instead of being answered, end to end:
// the request reaches the legacy (X-Edge `legacy`, the emulator's own answer) and the forward is counted
// with its reason. Includes an unreachable tenant DB, a statement timeout (a table locked from another
// connection), a tenant without the fast-path indexes, a principal lost between the stages, and statusuuid
// bodies that are read first and then forwarded byte for byte (Content-Length and chunked).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModeState, type ModeState } from '../../src/core/route-mode.js';
import { seedTenant } from '../../src/seed/seed-tenant.js';
import { basicAuth, startLegacyFixture, type LegacyFixture } from '../support/emulator-fixtures.js';
import { describeWith } from '../support/needs.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-databases.js';
import {
  closedPort,
  fastRoutes,
  mask,
  metric,
  migrate,
  send,
  startProxy,
  type Proxy,
  type Reply,
  type Request,
} from './fast-path-support.js';

let legacy: LegacyFixture;
let noIndexes: TestDatabase;
let proxy: Proxy;
const started: Proxy[] = [];

const USERS = {
  unreachable: { loginName: 'fp_unreachable', password: 'pw-unreachable' },
  emptyConnection: { loginName: 'fp_empty_cs', password: 'pw-empty' },
  noIndexes: { loginName: 'fp_no_indexes', password: 'pw-noidx' },
};
const auth = (user: { loginName: string; password: string }) => basicAuth(user.loginName, user.password);

async function both(request: Request, port = proxy.port): Promise<{ viaProxy: Reply; direct: Reply }> {
  const viaProxy = await send(port, request);
  const direct = await send(legacy.emulator.port, request);
  return { viaProxy, direct };
}

/** The request went to the legacy: X-Edge legacy and exactly the emulator's answer. */
function expectForwarded({ viaProxy, direct }: { viaProxy: Reply; direct: Reply }, compareBody = true): void {
  expect(viaProxy.headers['x-edge']).toBe('legacy');
  expect(viaProxy.status).toBe(direct.status);
  expect(viaProxy.headers['content-type']).toBe(direct.headers['content-type']);
  if (compareBody) expect(mask(viaProxy.text)).toBe(mask(direct.text));
}

const forwards = (reason: string, adminPort = proxy.adminPort) =>
  metric(adminPort, 'edge_fast_path_forwards_total', { reason });

describeWith(['postgres'], 'sql/cache mode: what goes to the legacy instead', () => {
  beforeAll(async () => {
    noIndexes = await createTestDatabase('fp_fwd_noidx', ['apoti']);
    const unreachable = `Host=127.0.0.1;Port=${await closedPort()};Database=gone;Username=postgres;Timeout=2`;
    legacy = await startLegacyFixture({
      prefix: 'fp_fwd',
      users: [
        { ...USERS.unreachable, connectionString: unreachable },
        { ...USERS.emptyConnection, connectionString: '' },
        { ...USERS.noIndexes, connectionString: noIndexes.npgsql },
      ],
    });
    await seedTenant(legacy.tenantDb, { prescriptions: 200, newShare: 0.3, seed: 7 });
    const other = new pg.Client({ connectionString: noIndexes.url });
    await other.connect();
    try {
      await seedTenant(other, { prescriptions: 50, newShare: 0.3, seed: 8 });
    } finally {
      await other.end();
    }
    await Promise.all([migrate(legacy.tenant.url, 'tenant'), migrate(legacy.management.url, 'management')]);
    proxy = await startProxy({
      legacyUrl: legacy.url,
      managementUrl: legacy.management.url,
      routes: fastRoutes({ mode: 'sql' }),
    });
    started.push(proxy);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((p) => p.app.stop()));
    await legacy?.close();
    await noIndexes?.drop();
  });

  it('answers itself when nothing stands in the way (the baseline for the rules below)', async () => {
    const reply = await send(proxy.port, {
      path: '/v2/rezept?pageSize=3',
      headers: { authorization: legacy.auth, 'x-request-id': 'fp-forward-baseline' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-edge']).toBe('sql');
    expect(reply.headers['x-request-id']).toBe('fp-forward-baseline');
  });

  it('X-Tenant-Id (the legacy answers 500 after authentication) → legacy', async () => {
    const before = await forwards('tenant-header');
    for (const value of ['tenant-1', '']) {
      const result = await both({
        path: '/v2/rezept',
        headers: { authorization: legacy.auth, 'x-tenant-id': value },
      });
      expectForwarded(result, false);
      expect(result.viaProxy.status).toBe(value === '' ? 200 : 500);
    }
    expect((await forwards('tenant-header')) - before).toBe(2);
  });

  it('the tenant DB is unreachable → legacy (its 500)', async () => {
    const result = await both({
      path: '/v2/rezept?type=E-Rezept',
      headers: { authorization: auth(USERS.unreachable) },
    });
    expectForwarded(result);
    expect(result.direct.status).toBe(500);
    expect(await forwards('db-unavailable')).toBeGreaterThanOrEqual(1);
  });

  it("the principal's connection string is empty → legacy (its 400 text)", async () => {
    const result = await both({
      path: '/v2/rezept/status',
      headers: { authorization: auth(USERS.emptyConnection) },
    });
    expectForwarded(result);
    expect(result.direct.text).toBe('Client connection string not found');
    expect(await forwards('no-connection-string')).toBe(1);
  });

  it('the tenant DB lacks the fast-path indexes (migration 001) → legacy', async () => {
    const result = await both({
      path: '/v2/rezept?pageSize=5',
      headers: { authorization: auth(USERS.noIndexes) },
    });
    expectForwarded(result);
    expect(result.direct.status).toBe(200);
    expect(await forwards('indexes-missing')).toBe(1);
  });

  it('headers and parameters the fast path does not mirror → legacy', async () => {
    const cases: [Request, string][] = [
      [{ path: '/v2/rezept', headers: { accept: 'text/json' } }, 'accept'],
      [{ path: '/v2/rezept', headers: { 'x-api-version': '2' } }, 'api-version-header'],
      [{ path: '/v2/rezept?page=abc' }, 'param-invalid'],
      [{ path: '/v2/rezept?type=E-Rezept&page=0' }, 'paging-legacy-error'],
    ];
    for (const [request, reason] of cases) {
      const before = await forwards(reason);
      const result = await both({ ...request, headers: { ...request.headers, authorization: legacy.auth } });
      expectForwarded(result, result.direct.status < 500);
      expect((await forwards(reason)) - before).toBe(1);
    }
  });

  it('a statement timeout (a table locked by another connection) → legacy, once the lock is gone', async () => {
    const slow = await startProxy({
      legacyUrl: legacy.url,
      managementUrl: legacy.management.url,
      routes: fastRoutes({ mode: 'sql' }),
      env: { EDGE_SQL_STATEMENT_TIMEOUT_MS: '250' },
    });
    started.push(slow);
    const request: Request = {
      path: '/v2/rezept?type=E-Rezept&pageSize=4',
      headers: { authorization: legacy.auth },
    };
    // Warm up: authentication and the tenant's index check are done before the lock is taken.
    expect((await send(slow.port, request)).headers['x-edge']).toBe('sql');
    const locker = new pg.Client({ connectionString: legacy.tenant.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE er_senderezepte_erezept_daten IN ACCESS EXCLUSIVE MODE');
      const pending = send(slow.port, request);
      // Held well past the proxy's 250 ms statement timeout; the forwarded request waits at the legacy.
      await new Promise((r) => setTimeout(r, 900));
      await locker.query('COMMIT');
      const viaProxy = await pending;
      const direct = await send(legacy.emulator.port, request);
      expectForwarded({ viaProxy, direct });
      expect(viaProxy.status).toBe(200);
      expect(await forwards('statement-timeout', slow.adminPort)).toBe(1);
    } finally {
      await locker.end();
    }
  });

  it('the principal is gone (the mode changed between authenticate and decide) → legacy', async () => {
    // authenticate sees `legacy` (skips), decide sees `sql`: the executor runs without a principal.
    const real = createModeState({ implemented: ['sql'] });
    const flipping: ModeState = {
      ...real,
      effectiveMode: () => 'legacy',
      decide: (route, p) => real.decide(route, p),
    };
    const flipped = await startProxy({
      legacyUrl: legacy.url,
      managementUrl: legacy.management.url,
      routes: fastRoutes({ mode: 'sql' }),
      deps: { modes: flipping },
    });
    started.push(flipped);
    const result = await both(
      { path: '/v2/rezept?pageSize=2', headers: { authorization: legacy.auth } },
      flipped.port,
    );
    expectForwarded(result);
    expect(await forwards('no-principal', flipped.adminPort)).toBe(1);
  });

  it('/readyz lists the fast-path checks (management DB, its feed, tenant feeds) next to the legacy', async () => {
    const reply = await send(proxy.adminPort, { path: '/readyz' }, false);
    expect(reply.status).toBe(200);
    const checks = (JSON.parse(reply.text) as { checks: { name: string; ok: boolean; detail: string }[] })
      .checks;
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName['legacy']?.ok).toBe(true);
    expect(byName['management-db']).toEqual({ name: 'management-db', ok: true, detail: 'reachable' });
    expect(byName['management-feed']).toEqual({ name: 'management-feed', ok: true, detail: 'connected' });
    expect(byName['tenant-feeds']?.ok).toBe(true);
    expect(byName['redis']).toBeUndefined(); // REDIS_URL unset: L1 only, nothing to check
  });

  describe('PATCH /v2/rezept/statusuuid: the body is read to decide, and a forward sends exactly those bytes', () => {
    const { rows } = { rows: [] as { uuid: string }[] };
    beforeAll(async () => {
      const found = await legacy.tenantDb.query<{ uuid: string }>(
        'SELECT rezept_uuid AS uuid FROM er_senderezepte_erezept_daten ORDER BY 1 LIMIT 5',
      );
      rows.push(...found.rows);
    });
    const statusUuid = (body: string, headers: Record<string, string>, chunked: boolean): Request => ({
      method: 'PATCH',
      path: '/v2/rezept/statusuuid',
      headers: { authorization: legacy.auth, 'content-type': 'application/json', ...headers },
      body,
      chunked,
    });

    it('answered when it can be (read from a chunked body too)', async () => {
      const body = JSON.stringify({
        rezeptUuids: [...rows.map((r) => r.uuid), 'unknown-uuid', rows[0]?.uuid],
      });
      for (const chunked of [false, true]) {
        const { viaProxy, direct } = await both(statusUuid(body, {}, chunked));
        expect(viaProxy.headers['x-edge']).toBe('sql');
        expect(viaProxy.status).toBe(200);
        expect(mask(viaProxy.text)).toBe(mask(direct.text));
      }
    });

    it('read, then forwarded (Accept the fast path does not mirror): the legacy sees the same body', async () => {
      const body = JSON.stringify({ rezeptUuids: rows.map((r) => r.uuid) });
      for (const chunked of [false, true]) {
        const result = await both(statusUuid(body, { accept: 'text/json' }, chunked));
        expectForwarded(result);
        expect(result.viaProxy.status).toBe(200);
        expect(result.viaProxy.text).toContain(rows[0]?.uuid ?? '?');
      }
    });

    it('larger than the read bound: forwarded with what was read plus the rest of the stream', async () => {
      // 1001+ entries of ~1.3 KB each: beyond the 1 MiB + 128 KiB bound; the legacy answers its own 400.
      const big = JSON.stringify({
        rezeptUuids: Array.from(
          { length: 1100 },
          (_, i) => `${rows[i % rows.length]?.uuid}-${'x'.repeat(1300)}`,
        ),
      });
      expect(big.length).toBeGreaterThan(1024 * 1024 + 128 * 1000);
      const before = await forwards('body-too-large');
      for (const chunked of [false, true]) {
        const result = await both(statusUuid(big, {}, chunked));
        expectForwarded(result);
        expect(result.viaProxy.status).toBe(400);
        expect(result.viaProxy.text).toBe('Bulk operation limited to 1000 items');
      }
      expect((await forwards('body-too-large')) - before).toBe(2);
    });

    it('a Content-Type the legacy refuses → legacy (415), body untouched', async () => {
      const result = await both(statusUuid('{"rezeptUuids":["a"]}', { 'content-type': 'text/plain' }, false));
      expectForwarded(result);
      expect(result.viaProxy.status).toBe(415);
    });
  });
});
