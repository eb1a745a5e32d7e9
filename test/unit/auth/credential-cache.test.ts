// credential-cache: HMAC keys, TTLs for successes and failures, LRU bound with exact secondary indexes,
// invalidation by user / datenbank / mandant id, and the generation guard against stale writes.
import { describe, expect, it } from 'vitest';
import { createCredentialCache, type CachedOutcome } from '../../../src/adapters/auth/credential-cache.js';
import type { Principal } from '../../../src/core/principal.js';

function principal(userId: number, datenbankId: number, mandantId: number): Principal {
  return {
    userId,
    loginName: `u${userId}`,
    mandantId,
    clientCode: `M${mandantId}`,
    tenant: { datenbankId, connectionString: `Host=db${datenbankId}` },
  };
}
const success = (p: Principal): CachedOutcome => ({ ok: true, principal: p });
const failure: CachedOutcome = { ok: false, reason: 'wrong-password', loginName: 'u' };

function setup(overrides: { maxEntries?: number } = {}) {
  let t = 1_000;
  const cache = createCredentialCache({
    maxEntries: overrides.maxEntries ?? 100,
    successTtlMs: 60_000,
    failureTtlMs: 5_000,
    now: () => t,
  });
  return { cache, advance: (ms: number) => (t += ms) };
}

describe('credential cache', () => {
  it('keys are HMACs: deterministic per process, different per secret, never the header itself', () => {
    const { cache } = setup();
    const header = 'Basic dTpw';
    expect(cache.keyFor(header)).toBe(cache.keyFor(header));
    expect(cache.keyFor(header)).not.toContain('dTpw');
    expect(cache.keyFor(header)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = createCredentialCache({ maxEntries: 1, successTtlMs: 1, failureTtlMs: 1 });
    expect(other.keyFor(header)).not.toBe(cache.keyFor(header));
    expect(cache.keyFor('Basic dTpx')).not.toBe(cache.keyFor(header));
  });

  it('keeps successes for the success TTL and failures for the failure TTL', () => {
    const { cache, advance } = setup();
    cache.set('s', success(principal(1, 1, 1)), cache.generation());
    cache.set('f', failure, cache.generation());
    advance(4_999);
    expect(cache.get('s')?.ok).toBe(true);
    expect(cache.get('f')?.ok).toBe(false);
    advance(1);
    expect(cache.get('f')).toBeUndefined();
    advance(55_000);
    expect(cache.get('s')).toBeUndefined();
    expect(cache.size()).toBe(0);
  });

  it('invalidates by user, datenbank and mandant id — and always drops remembered failures', () => {
    const { cache } = setup();
    const g = cache.generation();
    cache.set('a', success(principal(1, 10, 100)), g);
    cache.set('a2', success(principal(1, 10, 100)), g); // same user, other header
    cache.set('b', success(principal(2, 10, 100)), g);
    cache.set('c', success(principal(3, 11, 101)), g);
    cache.set('f', failure, g);
    expect(cache.invalidate({ users: [1] })).toBe(3); // a, a2 and the failure
    expect(cache.get('b')).toBeDefined();
    expect(cache.invalidate({ datenbanken: [10] })).toBe(1);
    expect(cache.get('c')).toBeDefined();
    expect(cache.invalidate({ mandanten: [101] })).toBe(1);
    expect(cache.size()).toBe(0);
    expect(cache.invalidate({ users: [1, 2, 3], datenbanken: [10, 11], mandanten: [100, 101] })).toBe(0);
  });

  it('does not store an outcome computed across an invalidation', () => {
    const { cache } = setup();
    const before = cache.generation();
    cache.invalidate({ users: [7] });
    expect(cache.set('k', success(principal(7, 1, 1)), before)).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    const beforeClear = cache.generation();
    cache.clear();
    expect(cache.set('k', success(principal(7, 1, 1)), beforeClear)).toBe(false);
    expect(cache.set('k', success(principal(7, 1, 1)), cache.generation())).toBe(true);
  });

  it('is bounded; evicted and overwritten entries leave no index behind', () => {
    const { cache } = setup({ maxEntries: 3 });
    for (let i = 0; i < 10; i += 1) cache.set(`k${i}`, success(principal(i, i, i)), cache.generation());
    expect(cache.size()).toBe(3);
    // Only the three survivors are still indexed.
    expect(cache.invalidate({ users: [0, 1, 2, 3, 4, 5, 6] })).toBe(0);
    // Overwriting a key with another principal re-indexes it.
    cache.set('k9', success(principal(42, 42, 42)), cache.generation());
    expect(cache.invalidate({ users: [9] })).toBe(0);
    expect(cache.invalidate({ users: [42] })).toBe(1);
    cache.clear();
    expect(cache.size()).toBe(0);
    expect(cache.invalidate({ users: [7, 8], datenbanken: [7, 8], mandanten: [7, 8] })).toBe(0);
  });
});
