// RedisStore and TieredStore(LRU, Redis) against the real Redis: the store contract, encryption of
// every value (no plaintext fragment in any stored byte), retired keys and moved values as misses.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseKeyRing } from '../../../src/adapters/cache/key-ring.js';
import { LruStore } from '../../../src/adapters/cache/lru-store.js';
import {
  RedisStore,
  createCacheRedis,
  whenRedisReady,
  type UnreadableReason,
} from '../../../src/adapters/cache/redis-store.js';
import { TieredStore } from '../../../src/adapters/cache/tiered-store.js';
import { buildCachedEntry } from '../../../src/core/cache-port.js';
import { cacheKey } from '../../../src/core/cache-key.js';
import { describeWith } from '../../support/needs.js';
import { REDIS_URL } from '../../support/services.js';
import { runCacheStoreContract } from '../../unit/cache/cache-store-contract.js';
import { deletePrefix, dumpPrefix, uniquePrefix } from './redis-test-support.js';

const key32 = () => randomBytes(32).toString('base64');

describeWith(['redis'], 'RedisStore (real Redis)', () => {
  const prefix = uniquePrefix('redis-store');
  const ring = parseKeyRing(`a:${key32()},b:${key32()}`);
  let client: Redis;

  beforeAll(async () => {
    // The contract's 3 MiB value needs more than the production 50 ms on a busy CI box.
    client = createCacheRedis(REDIS_URL, { commandTimeoutMs: 2000, connectTimeoutMs: 2000 });
    expect(await whenRedisReady(client, 5000)).toBe(true);
  });
  afterAll(async () => {
    await deletePrefix(prefix);
    client.disconnect();
  });

  runCacheStoreContract('RedisStore', async () => ({
    store: new RedisStore({ client, keyRing: ring, prefix }),
  }));

  runCacheStoreContract('TieredStore(LruStore, RedisStore)', async () => ({
    store: new TieredStore(
      new LruStore({ maxBytes: 64 * 1024 * 1024 }),
      new RedisStore({ client, keyRing: ring, prefix }),
    ),
  }));

  it('stores no plaintext: key names are hashes, values are sealed', async () => {
    const uuid = randomUUID();
    const xml = '<?xml version="1.0" encoding="UTF-8"?><eMuster16><vName>Müller</vName></eMuster16>';
    const jsonXml =
      '\\u003C?xml version=\\u00221.0\\u0022 encoding=\\u0022UTF-8\\u0022?\\u003E\\u003CeMuster16\\u003E';
    const filePrefix = `${prefix}scan:`;
    const store = new RedisStore({ client, keyRing: ring, prefix: filePrefix });
    for (let i = 0; i < 20; i += 1) {
      const entry = buildCachedEntry(
        {
          status: 200,
          contentType: 'application/json; charset=utf-8',
          segments: [
            Buffer.from(
              `{"prescriptions":[{"type":"eMuster16","id":${i},"rezeptUuid":"${uuid}","xmlRequest":"${jsonXml}",`,
            ),
            Buffer.from(`"raw":${JSON.stringify(xml)},"deliveryTimestamp":"`),
            Buffer.from('"}],"responseTimestamp":"'),
            Buffer.from('"}'),
          ],
        },
        { epoch: 1, storedAtMs: Date.now(), ttlMs: 60_000, staleKeepMs: 0 },
      );
      await store.set(
        cacheKey({ tenantId: 42, routeId: 'v2-rezept', params: { rezeptUuid: uuid, page: i }, epoch: 1 }),
        entry,
      );
    }
    const stored = await dumpPrefix(filePrefix);
    expect(stored.size).toBe(20);
    const fragments = [
      uuid,
      uuid.slice(0, 8),
      '<?xml',
      'eMuster16',
      'Müller',
      'M\\u00FCller',
      '\\u003C',
      'prescriptions',
      'deliveryTimestamp',
      'application/json',
      'v2-rezept',
    ];
    for (const [name, value] of stored) {
      for (const fragment of fragments) {
        expect(name.includes(fragment)).toBe(false);
        expect(value.includes(Buffer.from(fragment, 'utf8'))).toBe(false);
        expect(value.includes(Buffer.from(fragment, 'latin1'))).toBe(false);
      }
    }
  });

  it('a value written under a retired key id is a miss', async () => {
    const retired = parseKeyRing(`old:${key32()}`);
    const reasons: UnreadableReason[] = [];
    const writer = new RedisStore({ client, keyRing: retired, prefix });
    const reader = new RedisStore({ client, keyRing: ring, prefix, onUnreadable: (r) => reasons.push(r) });
    const key = cacheKey({ tenantId: 1, routeId: 'r', params: { retired: true }, epoch: 1 });
    const entry = buildCachedEntry(
      { status: 200, contentType: 'application/json', segments: [Buffer.from('{}')] },
      { epoch: 1, storedAtMs: Date.now(), ttlMs: 60_000, staleKeepMs: 0 },
    );
    await writer.set(key, entry);
    expect(await reader.get(key)).toBeUndefined();
    expect(reasons).toEqual(['unknown-key']);
    // during a rotation the ring holds both and reads the old values
    const rotating = new RedisStore({
      client,
      keyRing: parseKeyRing(`old:${retired.current.key.toString('base64')},new:${key32()}`),
      prefix,
    });
    expect((await rotating.get(key))?.etag).toBe(entry.etag);
  });

  it('a value copied to another key (e.g. another tenant) is a miss', async () => {
    const reasons: UnreadableReason[] = [];
    const store = new RedisStore({ client, keyRing: ring, prefix, onUnreadable: (r) => reasons.push(r) });
    const keyA = cacheKey({ tenantId: 1, routeId: 'r', params: {}, epoch: 1 });
    const keyB = cacheKey({ tenantId: 2, routeId: 'r', params: {}, epoch: 1 });
    await store.set(
      keyA,
      buildCachedEntry(
        { status: 200, contentType: 'application/json', segments: [Buffer.from('{"tenant":1}')] },
        { epoch: 1, storedAtMs: Date.now(), ttlMs: 60_000, staleKeepMs: 0 },
      ),
    );
    const raw = await client.getBuffer(prefix + keyA);
    await client.set(prefix + keyB, raw as Buffer, 'PX', 60_000);
    expect(await store.get(keyB)).toBeUndefined();
    expect(reasons).toEqual(['tampered']);
  });

  it('sets the Redis TTL from keepUntilMs', async () => {
    const store = new RedisStore({ client, keyRing: ring, prefix });
    const key = cacheKey({ tenantId: 1, routeId: 'ttl', params: {}, epoch: 1 });
    await store.set(
      key,
      buildCachedEntry(
        { status: 200, contentType: 'application/json', segments: [Buffer.from('{}')] },
        { epoch: 1, storedAtMs: Date.now(), ttlMs: 30_000, staleKeepMs: 10_000 },
      ),
    );
    const pttl = await client.pttl(prefix + key);
    expect(pttl).toBeGreaterThan(35_000);
    expect(pttl).toBeLessThanOrEqual(40_000);
  });
});
