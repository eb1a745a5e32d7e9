// Cache mode end to end (L1 only; Redis in cache-redis.test.ts): the first cached read is a miss and the
// next a hit, both equal to the legacy's answer; a write through the proxy followed at once by a read
// returns the new state (read-your-writes, 100 repetitions, zero stale); and a write made directly in the
// tenant DB by plain SQL is reflected within 100 ms at p99 (200 writes; the measured p99 is printed).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../support/needs.js';
import {
  eventually,
  fastRoutes,
  mask,
  metric,
  send,
  startProxy,
  startTwoTenants,
  untilCached,
  type Proxy,
  type TwoTenants,
} from './fast-path-support.js';

let tenants: TwoTenants;
let proxy: Proxy;

const PAGE = '/v2/rezept?type=E-Rezept&pageSize=5';
const shows = (text: string, uuid: string) => text.includes(`"rezeptUuid":"${uuid}"`);

describeWith(['postgres'], 'cache mode: hits, read-your-writes, invalidation latency', () => {
  beforeAll(async () => {
    tenants = await startTwoTenants('cache_inv');
    proxy = await startProxy({
      legacyUrl: tenants.legacy.url,
      managementUrl: tenants.legacy.management.url,
      routes: fastRoutes({ mode: 'cache' }),
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.app.stop();
    await tenants?.close();
  });

  it('X-Edge: sql while the feed connects, then cache-miss, then cache-hit; all equal the legacy', async () => {
    const path = '/v2/rezept?pageSize=7';
    const headers = { authorization: tenants.authA };
    const first = await untilCached(proxy.port, path, tenants.authA);
    expect(first.headers['x-edge']).toBe('cache-miss');
    const second = await send(proxy.port, { path, headers });
    expect(second.headers['x-edge']).toBe('cache-hit');
    const direct = await send(tenants.legacy.emulator.port, { path, headers });
    for (const reply of [first, second]) {
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe(direct.headers['content-type']);
      expect(reply.headers['content-length']).toBeUndefined();
      expect(mask(reply.text)).toBe(mask(direct.text));
    }
    // A hit carries fresh timestamps, not the stored ones.
    expect(second.text).not.toBe(first.text);
    expect(
      await metric(proxy.adminPort, 'edge_fast_path_answers_total', { edge: 'cache-hit' }),
    ).toBeGreaterThan(0);
  });

  it('a write through the proxy followed at once by a read returns the new state (100×, zero stale)', async () => {
    const headers = { authorization: tenants.authA };
    await untilCached(proxy.port, PAGE, tenants.authA);
    let stale = 0;
    let hits = 0;
    for (let i = 0; i < 100; i += 1) {
      const transferred = i % 2 === 0;
      // Alternately takes A-E-20 out of the "new" list and puts it back; and sets its status.
      const write = await send(proxy.port, {
        method: 'PATCH',
        path: '/v2/rezept/status',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          updates: [
            { rezeptUuid: 'A-E-20', type: 'E-Rezept', transferArz: transferred },
            { rezeptUuid: 'A-E-19', type: 'E-Rezept', status: `RYW-${i}` },
          ],
        }),
      });
      expect(write.status).toBe(200);
      expect(write.headers['x-edge']).toBe('legacy');
      const read = await send(proxy.port, { path: PAGE, headers });
      if (shows(read.text, 'A-E-20') === transferred || !read.text.includes(`"checkLevel":"RYW-${i}"`))
        stale += 1;
      // And the same state from the cache right after (a miss instead when the write's own NOTIFY lands in
      // between and bumps the epoch once more).
      const again = await send(proxy.port, { path: PAGE, headers });
      if (again.headers['x-edge'] === 'cache-hit') hits += 1;
      if (shows(again.text, 'A-E-20') === transferred) stale += 1;
      // Through the cache, never a bypass: zero stale must not come from skipping it.
      expect([read.headers['x-edge'], again.headers['x-edge']]).toEqual([
        'cache-miss',
        expect.stringMatching(/^cache-(hit|miss)$/),
      ]);
    }
    expect(stale).toBe(0);
    expect(hits).toBeGreaterThan(0);
    expect(
      await metric(proxy.adminPort, 'edge_write_invalidations_total', { scope: 'tenant' }),
    ).toBeGreaterThanOrEqual(100);
  }, 60_000);

  it('a write made directly in the tenant DB is reflected within 100 ms at p99 (200 writes)', async () => {
    const headers = { authorization: tenants.authA };
    await untilCached(proxy.port, PAGE, tenants.authA);
    const latencies: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const transferred = i % 2 === 0;
      // The current state is in the cache before the change.
      const before = await send(proxy.port, { path: PAGE, headers });
      expect(before.headers['x-edge']).toMatch(/^cache-(hit|miss)$/);
      await tenants.legacy.tenantDb.query(
        'UPDATE er_senderezepte_erezept_daten SET transfer_arz = $1 WHERE rezept_uuid = $2',
        [transferred, 'A-E-18'],
      );
      const committed = performance.now();
      await eventually(
        2000,
        async () => shows((await send(proxy.port, { path: PAGE, headers })).text, 'A-E-18') !== transferred,
        1,
      );
      latencies.push(performance.now() - committed);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[99] as number;
    const p99 = latencies[197] as number;
    const max = latencies[199] as number;
    console.log(
      `[cache-invalidation] direct SQL write → proxy shows it: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${max.toFixed(1)} ms (200 writes)`,
    );
    expect(p99).toBeLessThan(100);
  }, 60_000);
});
