// Puts a CircuitBreaker in front of a store (normally RedisStore): while the breaker is open every
// operation rejects with CircuitOpenError immediately; the tiered store treats that as "skip L2".
import type { CacheStore, CachedEntry } from '../../core/cache-port.js';
import type { CircuitBreaker } from './circuit-breaker.js';

export class CircuitBreakerStore implements CacheStore {
  readonly #inner: CacheStore;
  readonly #breaker: CircuitBreaker;

  constructor(inner: CacheStore, breaker: CircuitBreaker) {
    this.#inner = inner;
    this.#breaker = breaker;
  }

  get(key: string): Promise<CachedEntry | undefined> {
    return this.#breaker.run(() => this.#inner.get(key));
  }

  set(key: string, entry: CachedEntry): Promise<void> {
    return this.#breaker.run(() => this.#inner.set(key, entry));
  }

  delete(key: string): Promise<void> {
    return this.#breaker.run(() => this.#inner.delete(key));
  }
}
