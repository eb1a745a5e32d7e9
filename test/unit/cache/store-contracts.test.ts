// The store contract against the in-process implementations: LruStore, FakeCacheStore and a
// TieredStore over both. Redis-backed stores run the same contract in test/integration/cache.
import { LruStore } from '../../../src/adapters/cache/lru-store.js';
import { TieredStore } from '../../../src/adapters/cache/tiered-store.js';
import { FakeCacheStore } from '../../fakes/fake-cache-store.js';
import { runCacheStoreContract } from './cache-store-contract.js';

runCacheStoreContract('LruStore', async () => ({ store: new LruStore({ maxBytes: 64 * 1024 * 1024 }) }));

runCacheStoreContract('FakeCacheStore', async () => ({ store: new FakeCacheStore() }));

runCacheStoreContract('TieredStore(LruStore, FakeCacheStore)', async () => ({
  store: new TieredStore(new LruStore({ maxBytes: 64 * 1024 * 1024 }), new FakeCacheStore()),
}));
