// Two TenantEpochs instances ("two proxies") sharing the real Redis: a bump on one is seen on the
// other at once; concurrent bumps converge; while Redis is unreachable bumps stay local (and mark
// the epoch unshared); afterwards the shared epoch jumps above every number used locally.
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { CircuitBreaker } from '../../../src/adapters/cache/circuit-breaker.js';
import { createCacheRedis, whenRedisReady } from '../../../src/adapters/cache/redis-store.js';
import { TenantEpochs } from '../../../src/invalidation/tenant-epochs.js';
import { describeWith } from '../../support/needs.js';
import { REDIS_URL } from '../../support/services.js';
import { deletePrefix, startPausableProxy, uniquePrefix, type PausableProxy } from './redis-test-support.js';

const prefix = uniquePrefix('tenant-epochs');

function waitFor(check: () => boolean, timeoutMs = 2000): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve(performance.now() - started);
      else if (performance.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setImmediate(tick);
    };
    tick();
  });
}

describeWith(['redis'], 'TenantEpochs across instances (real Redis)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(() => deletePrefix(prefix));

  async function instance(
    url = REDIS_URL,
    breaker?: CircuitBreaker,
  ): Promise<{ epochs: TenantEpochs; client: Redis }> {
    const client = createCacheRedis(url);
    expect(await whenRedisReady(client, 5000)).toBe(true);
    const epochs = new TenantEpochs({ redis: client, prefix, gate: breaker, resyncIntervalMs: 50 });
    await epochs.start();
    cleanups.push(async () => {
      await epochs.close();
      client.disconnect();
    });
    return { epochs, client };
  }

  it('both instances see a bump at once and agree on the epoch', async () => {
    const a = await instance();
    const b = await instance();
    const tenant = 101;
    const start = await a.epochs.current(tenant);
    expect(await b.epochs.current(tenant)).toEqual(start);
    expect(start.shared).toBe(true);

    const bumped = await a.epochs.bump(tenant, 'write');
    expect(bumped.shared).toBe(true);
    expect(bumped.epoch).toBeGreaterThan(start.epoch);
    const seenAfterMs = await waitFor(() => b.epochs.peek(tenant)?.epoch === bumped.epoch);
    console.log(
      `[tenant-epochs] peer saw the bump ${seenAfterMs.toFixed(2)} ms after the bumping instance returned`,
    );
    expect(seenAfterMs).toBeLessThan(100);
    expect(b.epochs.peek(tenant)?.shared).toBe(true);

    await b.epochs.bump(tenant, 'notify');
    await waitFor(() => a.epochs.peek(tenant)?.epoch === b.epochs.peek(tenant)?.epoch);
    expect(a.epochs.peek(tenant)?.epoch).toBe(bumped.epoch + 1);
  });

  it('concurrent bumps on both instances converge on one shared epoch above all of them', async () => {
    const a = await instance();
    const b = await instance();
    const tenant = 202;
    await Promise.all([a.epochs.current(tenant), b.epochs.current(tenant)]);
    const seen: number[] = [];
    a.epochs.onChange((_id, snap) => seen.push(snap.epoch));
    b.epochs.onChange((_id, snap) => seen.push(snap.epoch));
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).epochs.bump(tenant, 'notify')));
    await waitFor(() => {
      const ea = a.epochs.peek(tenant);
      const eb = b.epochs.peek(tenant);
      return ea !== undefined && eb !== undefined && ea.epoch === eb.epoch && ea.shared && eb.shared;
    });
    expect(a.epochs.peek(tenant)?.epoch).toBe(Math.max(...seen));
  });

  it('without Redis a bump is local and unshared; when Redis is back the shared epoch jumps above it', async () => {
    const peer = await instance();
    const proxy: PausableProxy = await startPausableProxy();
    cleanups.push(() => proxy.close());
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 100 });
    const lonely = await instance(proxy.url, breaker);
    const tenant = 303;
    const before = await lonely.epochs.current(tenant);
    await peer.epochs.current(tenant);

    proxy.pause();
    const local = await lonely.epochs.bump(tenant, 'notify'); // Redis times out → local only
    expect(local).toEqual({ epoch: before.epoch + 1, shared: false });
    await lonely.epochs.bump(tenant, 'notify');
    expect(lonely.epochs.peek(tenant)).toEqual({ epoch: before.epoch + 2, shared: false });
    expect(peer.epochs.peek(tenant)?.epoch).toBe(before.epoch); // nothing reached Redis

    proxy.resume();
    await waitFor(() => lonely.epochs.peek(tenant)?.shared === true, 3000);
    const synced = lonely.epochs.peek(tenant)?.epoch ?? 0;
    // Redis confirms a number at least as high as any used locally (equal only when our own script
    // moved the counter there, so the number means the same thing locally and shared).
    expect(synced).toBeGreaterThanOrEqual(before.epoch + 2);
    await waitFor(() => peer.epochs.peek(tenant)?.epoch === synced);
  });

  it('survives a lost counter (evicted/flushed): the new counter starts above the old values', async () => {
    const a = await instance();
    const tenant = 404;
    const seeded = (await a.epochs.current(tenant)).epoch;
    expect(seeded).toBeGreaterThan(Date.now() - 60_000); // time-seeded (ms)
    for (let i = 0; i < 5; i += 1) await a.epochs.bump(tenant, 'notify');
    const high = a.epochs.peek(tenant)?.epoch ?? 0;
    await a.client.del(`${prefix}edge:v1:epoch:${tenant}`);
    await new Promise((r) => setTimeout(r, 10));
    const fresh = await instance();
    const restarted = (await fresh.epochs.current(tenant)).epoch;
    expect(restarted).toBeGreaterThan(high);
    await fresh.epochs.bump(tenant, 'notify');
    await waitFor(() => a.epochs.peek(tenant)?.epoch === restarted + 1);
  });
});
