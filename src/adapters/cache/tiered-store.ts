// L1 then L2: reads try the process-local tier first and backfill it from the shared tier; writes go
// to both. A failing L2 (error or open breaker) is a miss on read and ignored on write — the cache
// must never turn a Redis problem into a failed request.
import type { CacheStore, CachedEntry } from '../../core/cache-port.js';

export interface TieredStoreOptions {
  /** Told about every swallowed L2 failure (logging/metrics); the instrumentation wrapper counts them too. */
  onL2Error?: (op: 'get' | 'set' | 'delete', err: unknown) => void;
}

export class TieredStore implements CacheStore {
  readonly #l1: CacheStore;
  readonly #l2: CacheStore;
  readonly #onL2Error: NonNullable<TieredStoreOptions['onL2Error']>;

  constructor(l1: CacheStore, l2: CacheStore, options: TieredStoreOptions = {}) {
    this.#l1 = l1;
    this.#l2 = l2;
    this.#onL2Error = options.onL2Error ?? (() => undefined);
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    const local = await this.#l1.get(key);
    if (local !== undefined) return local;
    let shared: CachedEntry | undefined;
    try {
      shared = await this.#l2.get(key);
    } catch (err) {
      this.#onL2Error('get', err);
      return undefined;
    }
    // The entry carries its own keepUntilMs, so L1 keeps it exactly as long as L2 would.
    if (shared !== undefined) await this.#l1.set(key, shared);
    return shared;
  }

  async set(key: string, entry: CachedEntry): Promise<void> {
    await this.#l1.set(key, entry);
    try {
      await this.#l2.set(key, entry);
    } catch (err) {
      this.#onL2Error('set', err);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#l1.delete(key);
    try {
      await this.#l2.delete(key);
    } catch (err) {
      this.#onL2Error('delete', err);
    }
  }
}
