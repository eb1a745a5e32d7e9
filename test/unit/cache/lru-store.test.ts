import { describe, expect, it } from 'vitest';
import { LruStore } from '../../../src/adapters/cache/lru-store.js';
import { entryByteSize } from '../../../src/core/cache-port.js';
import { contractKey, sampleEntry } from './cache-store-contract.js';

describe('LruStore', () => {
  it('is bounded by bytes, evicting the least recently used entries', async () => {
    const store = new LruStore({ maxBytes: 100_000, maxEntryBytes: 100_000 });
    const keys = Array.from({ length: 10 }, () => contractKey('lru'));
    for (const key of keys) await store.set(key, sampleEntry({ segments: [Buffer.alloc(20_000)] }));
    expect(store.calculatedBytes).toBeLessThanOrEqual(100_000);
    expect(await store.get(keys[0] as string)).toBeUndefined();
    expect(await store.get(keys[9] as string)).toBeDefined();
  });

  it('does not keep entries larger than maxEntryBytes', async () => {
    const store = new LruStore({ maxBytes: 1_000_000, maxEntryBytes: 10_000 });
    const key = contractKey('lru');
    const big = sampleEntry({ segments: [Buffer.alloc(50_000)] });
    expect(entryByteSize(big)).toBeGreaterThan(10_000);
    await store.set(key, big);
    expect(await store.get(key)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('expires by the entry clock even if lru-cache would still hold it', async () => {
    let now = Date.now();
    const store = new LruStore({ maxBytes: 1_000_000, now: () => now });
    const key = contractKey('lru');
    await store.set(key, sampleEntry({ ttlMs: 60_000 }));
    now += 61_000;
    expect(await store.get(key)).toBeUndefined();
  });

  it('rejects a non-positive budget', () => {
    expect(() => new LruStore({ maxBytes: 0 })).toThrow(RangeError);
  });
});
