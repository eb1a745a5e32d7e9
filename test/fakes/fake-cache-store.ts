// An in-memory CacheStore for unit tests: honours keepUntilMs with an injectable clock, records the
// operations it saw, and can be told to fail like an unreachable Redis.
import type { CacheStore, CachedEntry } from '../../src/core/cache-port.js';

export type FakeStoreMode = 'ok' | 'fail';

export class FakeCacheStore implements CacheStore {
  readonly entries = new Map<string, CachedEntry>();
  readonly calls: { op: 'get' | 'set' | 'delete'; key: string }[] = [];
  mode: FakeStoreMode = 'ok';
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    await this.#gate('get', key);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.keepUntilMs <= this.#now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async set(key: string, entry: CachedEntry): Promise<void> {
    await this.#gate('set', key);
    if (entry.keepUntilMs <= this.#now()) this.entries.delete(key);
    else this.entries.set(key, entry);
  }

  async delete(key: string): Promise<void> {
    await this.#gate('delete', key);
    this.entries.delete(key);
  }

  async #gate(op: 'get' | 'set' | 'delete', key: string): Promise<void> {
    this.calls.push({ op, key });
    if (this.mode === 'fail') throw new Error('fake store failure');
  }
}
