// Cache mode with the shared L2 on Redis (sealed with EDGE_CACHE_KEY): two proxy instances share entries
// and both drop a tenant's entries after one invalidation; with Redis unreachable (a paused TCP proxy in
// front of it — the shared Redis server itself is never touched) requests keep succeeding with correct
// bodies from L1, and once Redis is back L2 is used again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../support/needs.js';
import { REDIS_URL } from '../support/services.js';
import {
  deletePrefix,
  dumpPrefix,
  startPausableProxy,
  uniquePrefix,
  type PausableProxy,
} from '../integration/cache/redis-test-support.js';
import {
  eventually,
  fastRoutes,
  mask,
  metric,
  send,
  startProxy,
  startTwoTenants,
  untilCached,
  uuidsIn,
  type Proxy,
  type TwoTenants,
} from './fast-path-support.js';

const prefix = uniquePrefix('cache-redis-e2e');
const CACHE_KEY = randomBytes(32).toString('base64');
const PAGE = '/v2/rezept?type=E-Rezept&pageSize=6';

let tenants: TwoTenants;
let redisProxy: PausableProxy;
const proxies: Proxy[] = [];

async function startEdge(redisUrl: string): Promise<Proxy> {
  const proxy = await startProxy({
    legacyUrl: tenants.legacy.url,
    managementUrl: tenants.legacy.management.url,
    routes: fastRoutes({ mode: 'cache' }),
    env: { REDIS_URL: redisUrl, EDGE_CACHE_KEY: CACHE_KEY },
    deps: { redisPrefix: prefix },
  });
  proxies.push(proxy);
  return proxy;
}

const setTransferred = (uuid: string, transferred: boolean) =>
  tenants.legacy.tenantDb.query(
    'UPDATE er_senderezepte_erezept_daten SET transfer_arz = $1 WHERE rezept_uuid = $2',
    [transferred, uuid],
  );

describeWith(['postgres', 'redis'], 'cache mode with a shared L2 on Redis', () => {
  beforeAll(async () => {
    tenants = await startTwoTenants('cache_redis');
    redisProxy = await startPausableProxy(REDIS_URL);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.app.stop()));
    await redisProxy?.close();
    await tenants?.close();
    await deletePrefix(prefix);
  });

  it('two instances share L2, and one invalidation drops the tenant on both', async () => {
    const [a, b] = [await startEdge(REDIS_URL), await startEdge(REDIS_URL)];
    const headers = { authorization: tenants.authA };
    // Both feeds up (until then a tenant bypasses the cache on that instance).
    await untilCached(b.port, '/v2/rezept?pageSize=1', tenants.authA);
    const first = await untilCached(a.port, PAGE, tenants.authA);
    expect(first.headers['x-edge']).toBe('cache-miss');
    // B has never seen this page: its L1 misses, L2 (written by A, sealed) hits.
    const fromL2 = await send(b.port, { path: PAGE, headers });
    expect(fromL2.headers['x-edge']).toBe('cache-hit');
    expect(mask(fromL2.text)).toBe(mask(first.text));
    expect([...(await dumpPrefix(prefix)).keys()].some((k) => k.startsWith(`${prefix}edge:v1:`))).toBe(true);

    // One invalidation: a write through A. A bumps before answering and tells B through Redis.
    const write = await send(a.port, {
      method: 'PATCH',
      path: '/v2/rezept/status',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ updates: [{ rezeptUuid: 'A-E-20', type: 'E-Rezept', transferArz: true }] }),
    });
    expect(write.status).toBe(200);
    const onB = await send(b.port, { path: PAGE, headers });
    expect(uuidsIn(onB.text)).not.toContain('A-E-20');
    expect(onB.headers['x-edge']).toBe('cache-miss');
    // A may take the entry B just stored in L2 under the new epoch — fresh either way.
    const onA = await send(a.port, { path: PAGE, headers });
    expect(uuidsIn(onA.text)).not.toContain('A-E-20');
    expect(await metric(b.adminPort, 'edge_cache_invalidations_total', { source: 'peer' })).toBeGreaterThan(
      0,
    );
    // Tenant B's entries are not touched by A's invalidations. (Both feeds of B first: a feed coming up
    // bumps the tenant's epoch on every instance.)
    await untilCached(b.port, '/v2/rezept?pageSize=1', tenants.authB);
    const pageB = await untilCached(a.port, PAGE, tenants.authB);
    expect(
      (await send(b.port, { path: PAGE, headers: { authorization: tenants.authB } })).headers['x-edge'],
    ).toBe('cache-hit');
    await setTransferred('A-E-20', false);
    for (const proxy of [a, b]) {
      await eventually(500, async () =>
        uuidsIn((await send(proxy.port, { path: PAGE, headers })).text).includes('A-E-20'),
      );
      const replyB = await send(proxy.port, { path: PAGE, headers: { authorization: tenants.authB } });
      expect(replyB.headers['x-edge']).toBe('cache-hit');
      expect(mask(replyB.text)).toBe(mask(pageB.text));
    }
  }, 60_000);

  it('Redis unreachable: requests keep succeeding with correct bodies (L1); Redis back: L2 again', async () => {
    const edge = await startEdge(redisProxy.url);
    const headers = { authorization: tenants.authA };
    const direct = async (path: string) =>
      mask((await send(tenants.legacy.emulator.port, { path, headers })).text);
    await untilCached(edge.port, PAGE, tenants.authA);
    const storedBefore = await metric(edge.adminPort, 'edge_cache_writes_total', {
      tier: 'l2',
      outcome: 'stored',
    });
    expect(storedBefore).toBeGreaterThan(0);

    redisProxy.pause();
    try {
      for (let i = 0; i < 12; i += 1) {
        // Changes keep coming (through the proxy and directly); answers stay correct and quick.
        if (i % 4 === 1) await setTransferred('A-E-19', i % 8 === 1);
        if (i % 4 === 3)
          await send(edge.port, {
            method: 'PATCH',
            path: '/v2/rezept/status',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ updates: [{ rezeptUuid: 'A-E-19', type: 'E-Rezept', status: `R${i}` }] }),
          });
        for (const path of [PAGE, `/v2/rezept?pageSize=${2 + i}`]) {
          const started = performance.now();
          const reply = await send(edge.port, { path, headers });
          expect(reply.status).toBe(200);
          expect(reply.headers['x-edge']).not.toBe('legacy');
          expect(performance.now() - started).toBeLessThan(1000);
          await eventually(
            500,
            async () => mask((await send(edge.port, { path, headers })).text) === (await direct(path)),
          );
        }
      }
      expect(await metric(edge.adminPort, 'edge_cache_breaker_state', { breaker: 'redis' })).toBe(2);
      const readyz = await send(edge.adminPort, { path: '/readyz' }, false);
      expect(readyz.status).toBe(200);
      expect(readyz.text).toMatch(/"name":"redis","ok":true,"detail":"degraded/);
    } finally {
      redisProxy.resume();
    }

    // Back: after the breaker's cool-down new entries go to L2 again.
    await eventually(
      10_000,
      async () => {
        await send(edge.port, {
          path: `/v2/rezept?pageSize=${Math.floor(Math.random() * 1e6) + 50}`,
          headers,
        });
        return (
          (await metric(edge.adminPort, 'edge_cache_writes_total', { tier: 'l2', outcome: 'stored' })) >
          storedBefore
        );
      },
      100,
    );
    expect(await metric(edge.adminPort, 'edge_cache_breaker_state', { breaker: 'redis' })).toBe(0);
  }, 60_000);
});
