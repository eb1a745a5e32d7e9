// The one contract every CacheStore implementation must pass (LRU, Redis, tiered, fake). Each suite
// calls runCacheStoreContract with a factory; the factory's cleanup runs after every test.
import { afterEach, describe, expect, it } from 'vitest';
import { buildCachedEntry, type CacheStore, type CachedEntry } from '../../../src/core/cache-port.js';
import { cacheKey } from '../../../src/core/cache-key.js';

export interface StoreUnderTest {
  store: CacheStore;
  cleanup?: () => Promise<void>;
}

let counter = 0;

export function contractKey(label = 'k'): string {
  counter += 1;
  return cacheKey({ tenantId: 7, routeId: `contract-${label}`, params: { n: counter }, epoch: 1 });
}

export function sampleEntry(
  overrides: { ttlMs?: number; segments?: Buffer[]; epoch?: number } = {},
): CachedEntry {
  return buildCachedEntry(
    {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      segments: overrides.segments ?? [
        Buffer.from('{"prescriptions":[{"id":1,"deliveryTimestamp":"'),
        Buffer.from('"}],"responseTimestamp":"'),
        Buffer.from('"}'),
      ],
    },
    { epoch: overrides.epoch ?? 1, storedAtMs: Date.now(), ttlMs: overrides.ttlMs ?? 60_000, staleKeepMs: 0 },
  );
}

function expectSameEntry(actual: CachedEntry | undefined, expected: CachedEntry): void {
  expect(actual).toBeDefined();
  const a = actual as CachedEntry;
  expect(a.status).toBe(200);
  expect(a.contentType).toBe(expected.contentType);
  expect(a.etag).toBe(expected.etag);
  expect(a.epoch).toBe(expected.epoch);
  expect(a.storedAtMs).toBe(expected.storedAtMs);
  expect(a.freshUntilMs).toBe(expected.freshUntilMs);
  expect(a.keepUntilMs).toBe(expected.keepUntilMs);
  expect(a.segments.length).toBe(expected.segments.length);
  a.segments.forEach((s, i) => expect(Buffer.compare(s, expected.segments[i] as Buffer)).toBe(0));
}

export function runCacheStoreContract(name: string, create: () => Promise<StoreUnderTest>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let current: StoreUnderTest | undefined;
    const setup = async () => {
      current = await create();
      return current.store;
    };
    afterEach(async () => {
      await current?.cleanup?.();
      current = undefined;
    });

    it('misses on an unknown key', async () => {
      const store = await setup();
      expect(await store.get(contractKey())).toBeUndefined();
    });

    it('returns what was stored, byte for byte, with all metadata', async () => {
      const store = await setup();
      const key = contractKey();
      const entry = sampleEntry();
      await store.set(key, entry);
      expectSameEntry(await store.get(key), entry);
    });

    it('keeps binary segments, empty segments and single-segment bodies intact', async () => {
      const store = await setup();
      const binary = sampleEntry({
        segments: [Buffer.from([0, 255, 10, 13, 0x80]), Buffer.alloc(0), Buffer.from('é€')],
      });
      const single = sampleEntry({ segments: [Buffer.from('{"status":"ok"}')] });
      const [k1, k2] = [contractKey(), contractKey()];
      await store.set(k1, binary);
      await store.set(k2, single);
      expectSameEntry(await store.get(k1), binary);
      expectSameEntry(await store.get(k2), single);
    });

    it('overwrites an existing key', async () => {
      const store = await setup();
      const key = contractKey();
      await store.set(key, sampleEntry({ epoch: 1 }));
      const second = sampleEntry({ epoch: 1, segments: [Buffer.from('second')] });
      await store.set(key, second);
      expectSameEntry(await store.get(key), second);
    });

    it('keeps keys independent', async () => {
      const store = await setup();
      const [k1, k2] = [contractKey(), contractKey()];
      const e1 = sampleEntry({ segments: [Buffer.from('one')] });
      await store.set(k1, e1);
      expect(await store.get(k2)).toBeUndefined();
      expectSameEntry(await store.get(k1), e1);
    });

    it('deletes', async () => {
      const store = await setup();
      const key = contractKey();
      await store.set(key, sampleEntry());
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
      await store.delete(contractKey()); // deleting a missing key is fine
    });

    it('never returns an entry past keepUntilMs', async () => {
      const store = await setup();
      const key = contractKey();
      await store.set(key, sampleEntry({ ttlMs: 250 }));
      expect(await store.get(key)).toBeDefined();
      await new Promise((r) => setTimeout(r, 350));
      expect(await store.get(key)).toBeUndefined();
    });

    it('does not store an entry that is already expired', async () => {
      const store = await setup();
      const key = contractKey();
      const expired = buildCachedEntry(
        { status: 200, contentType: 'application/json', segments: [Buffer.from('x')] },
        { epoch: 1, storedAtMs: Date.now() - 10_000, ttlMs: 1000, staleKeepMs: 0 },
      );
      await store.set(key, expired);
      expect(await store.get(key)).toBeUndefined();
    });

    it('holds a multi-megabyte body', async () => {
      const store = await setup();
      const key = contractKey();
      const big = sampleEntry({ segments: [Buffer.alloc(3 * 1024 * 1024, 'a'), Buffer.from('tail')] });
      await store.set(key, big);
      expectSameEntry(await store.get(key), big);
    });
  });
}
