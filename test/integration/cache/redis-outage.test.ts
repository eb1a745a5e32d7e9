// Redis failing mid-test (simulated by a pausable TCP proxy or a port where nothing listens — the
// shared Redis server itself is never stopped or slowed): the breaker opens, operations return at
// once from L1 without errors, and when Redis is back L2 is used again.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { createCacheMetrics, trackBreaker } from '../../../src/adapters/cache/cache-metrics.js';
import { CircuitBreaker } from '../../../src/adapters/cache/circuit-breaker.js';
import { CircuitBreakerStore } from '../../../src/adapters/cache/circuit-breaker-store.js';
import { InstrumentedStore } from '../../../src/adapters/cache/instrumented-store.js';
import { parseKeyRing } from '../../../src/adapters/cache/key-ring.js';
import { LruStore } from '../../../src/adapters/cache/lru-store.js';
import { RedisStore, createCacheRedis, whenRedisReady } from '../../../src/adapters/cache/redis-store.js';
import { TieredStore } from '../../../src/adapters/cache/tiered-store.js';
import { describeWith } from '../../support/needs.js';
import { contractKey, sampleEntry } from '../../unit/cache/cache-store-contract.js';
import {
  deadRedisUrl,
  deletePrefix,
  startPausableProxy,
  uniquePrefix,
  type PausableProxy,
} from './redis-test-support.js';

const prefix = uniquePrefix('redis-outage');
const ring = parseKeyRing(randomBytes(32).toString('base64'));

function stack(client: Redis, coolDownMs: number) {
  const registry = new Registry();
  const metrics = createCacheMetrics(registry);
  // The breaker's clock is the test's: a slow CI box must not end the cool-down mid-assertion.
  const clock = { ms: Date.now() };
  const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs, now: () => clock.ms });
  trackBreaker(metrics, 'redis', breaker);
  const l1 = new LruStore({ maxBytes: 16 * 1024 * 1024 });
  const redis = new RedisStore({ client, keyRing: ring, prefix });
  const l2 = new InstrumentedStore(new CircuitBreakerStore(redis, breaker), 'l2', metrics);
  const tiered = new TieredStore(new InstrumentedStore(l1, 'l1', metrics), l2);
  return { registry, breaker, clock, l1, redis, tiered };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/**
 * "Zero wait", independent of machine load: the operation settles within the current turn of the
 * event loop (microtasks only), i.e. before a setImmediate queued at its start — no I/O, no timer.
 */
async function settlesWithoutWaiting(op: () => Promise<unknown>): Promise<boolean> {
  let loopTurned = false;
  const turn = new Promise<void>((resolve) =>
    setImmediate(() => {
      loopTurned = true;
      resolve();
    }),
  );
  await op();
  const immediate = !loopTurned;
  await turn;
  return immediate;
}

describeWith(['redis'], 'cache with Redis failing mid-test', () => {
  let proxy: PausableProxy | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(() => deletePrefix(prefix));

  it('Redis hangs: the breaker opens, ops return at once from L1 with no errors; Redis back: L2 again', async () => {
    proxy = await startPausableProxy();
    client = createCacheRedis(proxy.url, { commandTimeoutMs: 50 });
    expect(await whenRedisReady(client, 5000)).toBe(true);
    const s = stack(client, 300);

    const warm = contractKey('outage');
    const entry = sampleEntry();
    await s.tiered.set(warm, entry);
    await s.l1.delete(warm);
    expect((await s.tiered.get(warm))?.etag).toBe(entry.etag); // came back from L2

    proxy.pause();
    // Until the breaker opens, each L2 call costs at most the command timeout.
    const opening: number[] = [];
    while (s.breaker.state === 'closed') {
      const { value, ms } = await timed(() => s.tiered.get(contractKey('outage')));
      expect(value).toBeUndefined();
      opening.push(ms);
    }
    expect(opening).toHaveLength(3);
    for (const ms of opening) expect(ms).toBeLessThan(500); // 50 ms command timeout + scheduling

    // Open: zero wait. L1 hits still served; misses and writes skip L2 without throwing.
    const durations: number[] = [];
    for (let i = 0; i < 100; i += 1) {
      const key = contractKey('outage');
      expect(await settlesWithoutWaiting(() => s.tiered.set(key, sampleEntry()))).toBe(true);
      expect(await settlesWithoutWaiting(() => s.tiered.get(key))).toBe(true); // L1 hit
      expect(await settlesWithoutWaiting(() => s.tiered.get(contractKey('outage')))).toBe(true); // L2 skipped
      durations.push((await timed(() => s.tiered.get(contractKey('outage')))).ms);
      expect((await s.tiered.get(warm))?.etag).toBe(entry.etag);
    }
    durations.sort((a, b) => a - b);
    const p99 = durations[Math.floor(durations.length * 0.99)] as number;
    console.log(
      `[redis-outage] breaker open: miss p99 ${p99.toFixed(3)} ms, max ${durations.at(-1)?.toFixed(3)} ms`,
    );
    const metrics = await s.registry.metrics();
    expect(metrics).toMatch(/edge_cache_requests_total\{tier="l2",outcome="skipped"\} \d+/);
    expect(metrics).toContain('edge_cache_breaker_state{breaker="redis"} 2');

    // Redis is back: after the cool-down one probe closes the breaker and L2 serves again.
    proxy.resume();
    s.clock.ms += 300; // the cool-down is over
    const back = contractKey('outage');
    const backEntry = sampleEntry({ segments: [Buffer.from('back')] });
    await s.tiered.set(back, backEntry); // the probe
    expect(s.breaker.state).toBe('closed');
    await s.l1.delete(back);
    expect((await s.tiered.get(back))?.etag).toBe(backEntry.etag);
    expect((await s.redis.get(back))?.etag).toBe(backEntry.etag);
    expect(await s.registry.metrics()).toContain('edge_cache_breaker_state{breaker="redis"} 0');
  });

  it('nothing listens on the Redis port: every op fails fast, L1 keeps working', async () => {
    client = createCacheRedis(await deadRedisUrl());
    const s = stack(client, 60_000);
    for (let i = 0; i < 50; i += 1) {
      const key = contractKey('dead');
      // No offline queue: even before the breaker opens, a command fails without waiting.
      expect(await settlesWithoutWaiting(() => s.tiered.set(key, sampleEntry()))).toBe(true);
      expect(await settlesWithoutWaiting(() => s.tiered.get(contractKey('dead')))).toBe(true);
      expect(await s.tiered.get(key)).toBeDefined(); // L1
    }
    expect(s.breaker.state).toBe('open');
  });
});
