// The cache's metrics, registered on a registry the composition root passes in (never the global
// default). Labels are bounded: tier, outcome, route id, bypass reason, breaker name.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState, CircuitBreaker } from './circuit-breaker.js';

export type CacheTier = 'l1' | 'l2' | 'tiered';

export interface CacheMetrics {
  readonly requests: Counter<'tier' | 'outcome'>;
  readonly writes: Counter<'tier' | 'outcome'>;
  readonly lookups: Counter<'route' | 'outcome'>;
  readonly fillSeconds: Histogram<'route' | 'outcome'>;
  readonly bypasses: Counter<'reason'>;
  readonly breakerState: Gauge<'breaker'>;
}

export function createCacheMetrics(registry: Registry): CacheMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'edge_cache_requests_total',
      help: 'Cache reads per tier: hit, miss, error (store failed), skipped (breaker open)',
      labelNames: ['tier', 'outcome'],
      registers,
    }),
    writes: new Counter({
      name: 'edge_cache_writes_total',
      help: 'Cache writes per tier: stored, error, skipped (breaker open)',
      labelNames: ['tier', 'outcome'],
      registers,
    }),
    lookups: new Counter({
      name: 'edge_cache_lookups_total',
      help: 'Facade results per route: hit, miss, coalesced, stale, bypass, uncacheable',
      labelNames: ['route', 'outcome'],
      registers,
    }),
    fillSeconds: new Histogram({
      name: 'edge_cache_fill_duration_seconds',
      help: 'Time a cache fill (origin call) took, by route and result',
      labelNames: ['route', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    bypasses: new Counter({
      name: 'edge_cache_bypasses_total',
      help: 'Requests answered without the cache, by reason',
      labelNames: ['reason'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'edge_cache_breaker_state',
      help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
      labelNames: ['breaker'],
      registers,
    }),
  };
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Mirrors a breaker's state into the gauge; returns the unsubscribe function. */
export function trackBreaker(metrics: CacheMetrics, name: string, breaker: CircuitBreaker): () => void {
  metrics.breakerState.set({ breaker: name }, STATE_VALUE[breaker.state]);
  return breaker.onStateChange((state) => metrics.breakerState.set({ breaker: name }, STATE_VALUE[state]));
}
