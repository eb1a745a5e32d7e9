import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createCacheMetrics, trackBreaker } from '../../../src/adapters/cache/cache-metrics.js';
import { CircuitBreaker } from '../../../src/adapters/cache/circuit-breaker.js';
import { CircuitBreakerStore } from '../../../src/adapters/cache/circuit-breaker-store.js';
import { InstrumentedStore } from '../../../src/adapters/cache/instrumented-store.js';
import { FakeCacheStore } from '../../fakes/fake-cache-store.js';
import { contractKey, sampleEntry } from './cache-store-contract.js';

describe('InstrumentedStore', () => {
  it('counts hits, misses, errors, skips and writes per tier, and passes errors on', async () => {
    const registry = new Registry();
    const metrics = createCacheMetrics(registry);
    const inner = new FakeCacheStore();
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 60_000 });
    trackBreaker(metrics, 'redis', breaker);
    const store = new InstrumentedStore(new CircuitBreakerStore(inner, breaker), 'l2', metrics);
    const key = contractKey('instr');
    await store.set(key, sampleEntry());
    await store.get(key);
    await store.get(contractKey('instr'));
    inner.mode = 'fail';
    await expect(store.get(key)).rejects.toThrow('fake store failure');
    await expect(store.get(key)).rejects.toThrow('circuit breaker open');
    await expect(store.set(key, sampleEntry())).rejects.toThrow('circuit breaker open');
    const text = await registry.metrics();
    for (const line of [
      'edge_cache_requests_total{tier="l2",outcome="hit"} 1',
      'edge_cache_requests_total{tier="l2",outcome="miss"} 1',
      'edge_cache_requests_total{tier="l2",outcome="error"} 1',
      'edge_cache_requests_total{tier="l2",outcome="skipped"} 1',
      'edge_cache_writes_total{tier="l2",outcome="stored"} 1',
      'edge_cache_writes_total{tier="l2",outcome="skipped"} 1',
      'edge_cache_breaker_state{breaker="redis"} 2',
    ]) {
      expect(text).toContain(line);
    }
  });
});
