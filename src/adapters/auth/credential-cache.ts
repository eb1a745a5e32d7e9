// Remembers authentication outcomes under HMAC-SHA256(per-process secret, Authorization value) so a
// repeated header costs no management query and no BCrypt. Never stores a password or the raw header.
// Bounded (LRU); entries dropped by user / datenbank / mandant id when the management data changes.
import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../core/principal.js';

export type CachedFailureReason = 'unknown-user' | 'wrong-password' | 'error';

export type CachedOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: CachedFailureReason; readonly loginName: string };

/** Which management rows changed; ids of arzsw_benutzer / arzsw_datenbank / arzsw_mandant. */
export interface InvalidationScope {
  readonly users?: readonly number[];
  readonly datenbanken?: readonly number[];
  readonly mandanten?: readonly number[];
}

export interface CredentialCacheOptions {
  maxEntries: number;
  successTtlMs: number;
  failureTtlMs: number;
  /** Monotonic milliseconds; replaceable for tests. */
  now?: () => number;
  /** HMAC key; a fresh random one per process when omitted (tests may pin it). */
  secret?: Buffer;
}

export interface CredentialCache {
  /** The cache key of an Authorization value (HMAC-SHA256, base64url). */
  keyFor(authorization: string): string;
  get(key: string): CachedOutcome | undefined;
  /**
   * Current invalidation generation. Read it before the management query and pass it to `set`:
   * an outcome computed across an invalidation is not stored (it may predate the change).
   */
  generation(): number;
  /** Stores an outcome unless an invalidation happened since `generationAtStart`. */
  set(key: string, outcome: CachedOutcome, generationAtStart: number): boolean;
  /** Drops the successes that reference any of the ids, and every remembered failure. */
  invalidate(scope: InvalidationScope): number;
  /** Drops everything (listener reconnect, "*" notification). */
  clear(): void;
  size(): number;
}

interface Entry {
  readonly outcome: CachedOutcome;
  readonly expiresAt: number;
}

type Index = Map<number, Set<string>>;

export function createCredentialCache(options: CredentialCacheOptions): CredentialCache {
  const now = options.now ?? (() => performance.now());
  const secret = options.secret ?? randomBytes(32);
  let generation = 0;

  const byUser: Index = new Map();
  const byDatenbank: Index = new Map();
  const byMandant: Index = new Map();
  const failures = new Set<string>();

  const addTo = (index: Index, id: number, key: string) => {
    let keys = index.get(id);
    if (!keys) index.set(id, (keys = new Set()));
    keys.add(key);
  };
  const removeFrom = (index: Index, id: number, key: string) => {
    const keys = index.get(id);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) index.delete(id);
  };

  const lru = new LRUCache<string, Entry>({
    max: Math.max(1, Math.floor(options.maxEntries)),
    // Runs synchronously for every removal (evict, delete, overwrite, clear), keeping the indexes exact.
    dispose: (entry, key) => {
      const o = entry.outcome;
      if (o.ok) {
        removeFrom(byUser, o.principal.userId, key);
        removeFrom(byDatenbank, o.principal.tenant.datenbankId, key);
        removeFrom(byMandant, o.principal.mandantId, key);
      } else {
        failures.delete(key);
      }
    },
  });

  const dropIndexed = (index: Index, ids: readonly number[] | undefined): number => {
    let dropped = 0;
    for (const id of ids ?? []) {
      for (const key of [...(index.get(id) ?? [])]) if (lru.delete(key)) dropped += 1;
    }
    return dropped;
  };

  return {
    keyFor: (authorization) => createHmac('sha256', secret).update(authorization, 'utf8').digest('base64url'),

    get(key) {
      const entry = lru.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        lru.delete(key);
        return undefined;
      }
      return entry.outcome;
    },

    generation: () => generation,

    set(key, outcome, generationAtStart) {
      if (generationAtStart !== generation) return false;
      const ttl = outcome.ok ? options.successTtlMs : options.failureTtlMs;
      if (ttl <= 0) return false;
      lru.set(key, { outcome, expiresAt: now() + ttl });
      if (outcome.ok) {
        addTo(byUser, outcome.principal.userId, key);
        addTo(byDatenbank, outcome.principal.tenant.datenbankId, key);
        addTo(byMandant, outcome.principal.mandantId, key);
      } else {
        failures.add(key);
      }
      return true;
    },

    invalidate(scope) {
      generation += 1;
      let dropped = 0;
      dropped += dropIndexed(byUser, scope.users);
      dropped += dropIndexed(byDatenbank, scope.datenbanken);
      dropped += dropIndexed(byMandant, scope.mandanten);
      // A failure may turn into a success through any change (new user, renamed login, fixed hash).
      for (const key of [...failures]) if (lru.delete(key)) dropped += 1;
      return dropped;
    },

    clear() {
      generation += 1;
      lru.clear();
    },

    size: () => lru.size,
  };
}
