// Counts every read and write of the store it wraps (edge_cache_requests_total / _writes_total by
// tier and outcome). It changes nothing else: errors still propagate to the caller.
import type { CacheStore, CachedEntry } from '../../core/cache-port.js';
import type { CacheMetrics, CacheTier } from './cache-metrics.js';
import { CircuitOpenError } from './circuit-breaker.js';

export class InstrumentedStore implements CacheStore {
  readonly #inner: CacheStore;
  readonly #tier: CacheTier;
  readonly #metrics: CacheMetrics;

  constructor(inner: CacheStore, tier: CacheTier, metrics: CacheMetrics) {
    this.#inner = inner;
    this.#tier = tier;
    this.#metrics = metrics;
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    try {
      const entry = await this.#inner.get(key);
      this.#metrics.requests.inc({ tier: this.#tier, outcome: entry === undefined ? 'miss' : 'hit' });
      return entry;
    } catch (err) {
      this.#metrics.requests.inc({
        tier: this.#tier,
        outcome: err instanceof CircuitOpenError ? 'skipped' : 'error',
      });
      throw err;
    }
  }

  async set(key: string, entry: CachedEntry): Promise<void> {
    try {
      await this.#inner.set(key, entry);
      this.#metrics.writes.inc({ tier: this.#tier, outcome: 'stored' });
    } catch (err) {
      this.#metrics.writes.inc({
        tier: this.#tier,
        outcome: err instanceof CircuitOpenError ? 'skipped' : 'error',
      });
      throw err;
    }
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }
}
