import { describe, expect, it } from 'vitest';
import { LruStore } from '../../../src/adapters/cache/lru-store.js';
import { TieredStore } from '../../../src/adapters/cache/tiered-store.js';
import { FakeCacheStore } from '../../fakes/fake-cache-store.js';
import { contractKey, sampleEntry } from './cache-store-contract.js';

describe('TieredStore', () => {
  it('reads L1 first and does not touch L2 on an L1 hit', async () => {
    const l1 = new FakeCacheStore();
    const l2 = new FakeCacheStore();
    const tiered = new TieredStore(l1, l2);
    const key = contractKey('tier');
    await tiered.set(key, sampleEntry());
    l2.calls.length = 0;
    expect(await tiered.get(key)).toBeDefined();
    expect(l2.calls).toEqual([]);
  });

  it('backfills L1 from L2 with the original expiry', async () => {
    const l1 = new LruStore({ maxBytes: 1_000_000 });
    const l2 = new FakeCacheStore();
    const entry = sampleEntry();
    const key = contractKey('tier');
    await l2.set(key, entry);
    const tiered = new TieredStore(l1, l2);
    expect((await tiered.get(key))?.etag).toBe(entry.etag);
    const local = await l1.get(key);
    expect(local?.keepUntilMs).toBe(entry.keepUntilMs);
  });

  it('writes to both tiers', async () => {
    const l1 = new FakeCacheStore();
    const l2 = new FakeCacheStore();
    const key = contractKey('tier');
    await new TieredStore(l1, l2).set(key, sampleEntry());
    expect(l1.entries.has(key)).toBe(true);
    expect(l2.entries.has(key)).toBe(true);
  });

  it('treats a failing L2 as a miss on read and ignores it on write and delete', async () => {
    const l1 = new FakeCacheStore();
    const l2 = new FakeCacheStore();
    l2.mode = 'fail';
    const errors: string[] = [];
    const tiered = new TieredStore(l1, l2, { onL2Error: (op) => errors.push(op) });
    const key = contractKey('tier');
    expect(await tiered.get(key)).toBeUndefined();
    await tiered.set(key, sampleEntry());
    expect(await tiered.get(key)).toBeDefined(); // served from L1
    await tiered.delete(key);
    expect(await tiered.get(key)).toBeUndefined();
    expect(errors).toEqual(['get', 'set', 'delete', 'get']);
  });
});
