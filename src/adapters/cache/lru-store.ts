// L1: the in-process cache tier, bounded by bytes (not entry count) because V2 bodies range from a
// few hundred bytes to several megabytes. Entries expire at their keepUntilMs.
import { LRUCache } from 'lru-cache';
import { entryByteSize, type CacheStore, type CachedEntry } from '../../core/cache-port.js';

export interface LruStoreOptions {
  /** Total budget for all entries. */
  maxBytes: number;
  /** Larger entries are not kept in L1 (they still go to L2). Default: maxBytes / 8. */
  maxEntryBytes?: number;
  now?: () => number;
}

export class LruStore implements CacheStore {
  readonly #cache: LRUCache<string, CachedEntry>;
  readonly #now: () => number;

  constructor(options: LruStoreOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('LruStore maxBytes must be positive');
    this.#now = options.now ?? Date.now;
    this.#cache = new LRUCache<string, CachedEntry>({
      maxSize: options.maxBytes,
      maxEntrySize: options.maxEntryBytes ?? Math.max(1, Math.floor(options.maxBytes / 8)),
      sizeCalculation: (entry) => entryByteSize(entry),
      // lru-cache's own clock checks TTL; keepUntilMs is re-checked below with ours.
      ttlAutopurge: false,
    });
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    const entry = this.#cache.get(key);
    if (entry === undefined) return undefined;
    if (entry.keepUntilMs <= this.#now()) {
      this.#cache.delete(key);
      return undefined;
    }
    return entry;
  }

  async set(key: string, entry: CachedEntry): Promise<void> {
    const ttl = entry.keepUntilMs - this.#now();
    if (ttl <= 0) {
      this.#cache.delete(key);
      return;
    }
    this.#cache.set(key, entry, { ttl: Math.ceil(ttl) });
  }

  async delete(key: string): Promise<void> {
    this.#cache.delete(key);
  }

  /** Bytes currently accounted (for metrics and tests). */
  get calculatedBytes(): number {
    return this.#cache.calculatedSize;
  }

  get size(): number {
    return this.#cache.size;
  }
}
