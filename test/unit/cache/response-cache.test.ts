// The cache facade with fakes: bypass, hit/miss, coalescing, epochs in keys (a fill that raced a
// change is never served), shared vs local tier, stale-while-revalidate and stale-if-error bounds.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createCacheMetrics } from '../../../src/adapters/cache/cache-metrics.js';
import { ResponseCache, type ResponseCacheOptions } from '../../../src/adapters/cache/response-cache.js';
import { SingleFlight } from '../../../src/adapters/cache/single-flight.js';
import type {
  BypassReason,
  CacheableResponse,
  EpochReader,
  EpochSnapshot,
} from '../../../src/core/cache-port.js';
import { FakeCacheStore } from '../../fakes/fake-cache-store.js';

class FakeEpochs implements EpochReader {
  readonly epochs = new Map<number, EpochSnapshot>();
  async current(tenantId: number): Promise<EpochSnapshot> {
    return this.peek(tenantId);
  }
  peek(tenantId: number): EpochSnapshot {
    return this.epochs.get(tenantId) ?? { epoch: 0, shared: true };
  }
  bump(tenantId: number): void {
    const e = this.peek(tenantId);
    this.epochs.set(tenantId, { ...e, epoch: e.epoch + 1 });
  }
}

const body = (text: string): CacheableResponse => ({
  status: 200,
  contentType: 'application/json; charset=utf-8',
  segments: [Buffer.from(`{"v":"${text}","ts":"`), Buffer.from('"}')],
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(overrides: Partial<ResponseCacheOptions> = {}) {
  let now = 1_000_000;
  const epochs = new FakeEpochs();
  const bypass = new Map<number, BypassReason>();
  const store = new FakeCacheStore({ now: () => now });
  const localStore = new FakeCacheStore({ now: () => now });
  const registry = new Registry();
  const metrics = createCacheMetrics(registry);
  const cache = new ResponseCache({
    epochs,
    bypass: { bypassReason: (id) => bypass.get(id) },
    store,
    localStore,
    singleFlight: new SingleFlight({ maxWaitMs: 5000, errorBackoffMs: 0 }),
    metrics,
    now: () => now,
    ...overrides,
  });
  return {
    cache,
    epochs,
    bypass,
    store,
    localStore,
    registry,
    advance: (ms: number) => (now += ms),
  };
}

const req = (fill: () => Promise<CacheableResponse | { uncacheable: string }>, tenantId = 1) => ({
  tenantId,
  routeId: 'v2-rezept',
  params: { type: null, page: 1, pageSize: 100 },
  fill,
});

describe('ResponseCache.lookupOrFill', () => {
  it('misses, stores, then hits', async () => {
    const t = setup();
    let fills = 0;
    const fill = async () => {
      fills += 1;
      return body('a');
    };
    const first = await t.cache.lookupOrFill(req(fill));
    expect(first).toMatchObject({ outcome: 'miss', coalesced: false });
    const second = await t.cache.lookupOrFill(req(fill));
    expect(second.outcome).toBe('hit');
    expect(fills).toBe(1);
    expect('entry' in second && second.entry.segments[0]?.toString()).toBe('{"v":"a","ts":"');
    expect(await t.registry.metrics()).toContain(
      'edge_cache_lookups_total{route="v2-rezept",outcome="hit"} 1',
    );
  });

  it('bypasses (fills, stores nothing) while the tenant is in bypass', async () => {
    const t = setup();
    t.bypass.set(1, 'listener-down');
    const result = await t.cache.lookupOrFill(req(async () => body('b')));
    expect(result).toMatchObject({ outcome: 'bypass', reason: 'listener-down' });
    expect(t.store.calls).toEqual([]);
    expect(t.localStore.calls).toEqual([]);
    expect(await t.registry.metrics()).toContain('edge_cache_bypasses_total{reason="listener-down"} 1');
  });

  it('never serves one tenant the other tenant’s entry', async () => {
    const t = setup();
    await t.cache.lookupOrFill(req(async () => body('tenant-1'), 1));
    const other = await t.cache.lookupOrFill(req(async () => body('tenant-2'), 2));
    expect(other.outcome).toBe('miss');
    expect('entry' in other && other.entry.segments[0]?.toString()).toContain('tenant-2');
  });

  it('an epoch bump makes the next request miss', async () => {
    const t = setup();
    await t.cache.lookupOrFill(req(async () => body('old')));
    t.epochs.bump(1);
    const after = await t.cache.lookupOrFill(req(async () => body('new')));
    expect(after.outcome).toBe('miss');
    expect('entry' in after && after.entry.epoch).toBe(1);
  });

  it('a fill that raced a change is returned to its caller but never stored or served', async () => {
    const t = setup();
    const raced = await t.cache.lookupOrFill(
      req(async () => {
        t.epochs.bump(1); // a write commits while the fill runs
        return body('pre-write');
      }),
    );
    expect(raced.outcome).toBe('miss');
    expect(t.store.entries.size).toBe(0);
    const next = await t.cache.lookupOrFill(req(async () => body('post-write')));
    expect(next.outcome).toBe('miss');
    expect('entry' in next && next.entry.segments[0]?.toString()).toContain('post-write');
  });

  it('uses only the local store while the epoch is not shared', async () => {
    const t = setup();
    t.epochs.epochs.set(1, { epoch: 3, shared: false });
    await t.cache.lookupOrFill(req(async () => body('x')));
    expect(t.store.calls).toEqual([]);
    expect(t.localStore.entries.size).toBe(1);
  });

  it('coalesces 50 concurrent misses into one fill', async () => {
    const t = setup();
    let fills = 0;
    const fill = async () => {
      fills += 1;
      await sleep(20);
      return body('c');
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => t.cache.lookupOrFill(req(fill))));
    expect(fills).toBe(1);
    expect(results.filter((r) => r.outcome === 'miss' && 'coalesced' in r && r.coalesced)).toHaveLength(49);
  });

  it('passes an uncacheable answer to its caller only, storing nothing', async () => {
    const t = setup();
    const result = await t.cache.lookupOrFill(req(async () => ({ uncacheable: 'legacy-500' })));
    expect(result).toEqual({ outcome: 'miss', uncacheable: 'legacy-500' });
    expect(t.store.entries.size).toBe(0);
  });

  it('a fill error propagates and is not cached', async () => {
    const t = setup();
    await expect(t.cache.lookupOrFill(req(() => Promise.reject(new Error('db down'))))).rejects.toThrow(
      'db down',
    );
    const next = await t.cache.lookupOrFill(req(async () => body('ok')));
    expect(next.outcome).toBe('miss');
  });

  it('expires after ttlMs (the safety net)', async () => {
    const t = setup({ ttlMs: 1000 });
    await t.cache.lookupOrFill(req(async () => body('a')));
    t.advance(999);
    expect((await t.cache.lookupOrFill(req(async () => body('b')))).outcome).toBe('hit');
    t.advance(1);
    expect((await t.cache.lookupOrFill(req(async () => body('b')))).outcome).toBe('miss');
  });

  it('stale-while-revalidate: serves the expired entry within the bound and refreshes once in the background', async () => {
    const t = setup({ ttlMs: 1000, staleWhileRevalidateMs: 500 });
    await t.cache.lookupOrFill(req(async () => body('v1')));
    t.advance(1200);
    let refreshes = 0;
    const stale = await t.cache.lookupOrFill(
      req(async () => {
        refreshes += 1;
        return body('v2');
      }),
    );
    expect(stale).toMatchObject({ outcome: 'stale', reason: 'revalidating' });
    expect('entry' in stale && stale.entry.segments[0]?.toString()).toContain('v1');
    await sleep(0);
    expect(refreshes).toBe(1);
    const fresh = await t.cache.lookupOrFill(req(async () => body('v3')));
    expect(fresh.outcome).toBe('hit');
    expect('entry' in fresh && fresh.entry.segments[0]?.toString()).toContain('v2');
  });

  it('stale-while-revalidate never crosses the bound or an epoch change', async () => {
    const t = setup({ ttlMs: 1000, staleWhileRevalidateMs: 500 });
    await t.cache.lookupOrFill(req(async () => body('v1')));
    t.advance(1500);
    expect((await t.cache.lookupOrFill(req(async () => body('v2')))).outcome).toBe('miss');
    t.advance(1200); // v2 is now stale but within the bound …
    t.epochs.bump(1); // … yet the tenant changed
    expect((await t.cache.lookupOrFill(req(async () => body('v3')))).outcome).toBe('miss');
  });

  it('stale-if-error: serves the expired entry when the fill throws, within the bound only', async () => {
    const t = setup({ ttlMs: 1000, staleIfErrorMs: 2000 });
    await t.cache.lookupOrFill(req(async () => body('v1')));
    t.advance(1500);
    const fail = () => Promise.reject(new Error('legacy timeout'));
    expect(await t.cache.lookupOrFill(req(fail))).toMatchObject({ outcome: 'stale', reason: 'origin-error' });
    t.advance(1500);
    await expect(t.cache.lookupOrFill(req(fail))).rejects.toThrow('legacy timeout');
  });
});
