// L2: the Redis tier shared by all proxy instances. Values are AES-256-GCM sealed (key ring) and
// bound to their key name; key names are hashes (see core/cache-key.ts). Errors reject: wrap this
// store in a CircuitBreakerStore so a slow or absent Redis costs nothing once the breaker is open.
import { Redis, type RedisOptions } from 'ioredis';
import type { CacheStore, CachedEntry } from '../../core/cache-port.js';
import { EdgeError } from '../../errors.js';
import { decodeEntry, encodeEntry } from './entry-codec.js';
import { openValue, sealValue, type KeyRing, type OpenResult } from './key-ring.js';

export interface CacheRedisOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

/**
 * A fail-fast ioredis client for the cache: no offline queue (a command while disconnected fails at
 * once), no per-request retries, a short command timeout; reconnects forever in the background.
 */
export function createCacheRedis(url: string, options: CacheRedisOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 500,
    commandTimeout: options.commandTimeoutMs ?? 50,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    enableReadyCheck: true,
  };
  const client = new Redis(url, redisOptions);
  // Connection errors surface through failing commands (and the breaker); an 'error' event without
  // a listener would be printed by ioredis for every reconnect attempt.
  client.on('error', () => undefined);
  return client;
}

/**
 * Resolves true once the client is ready, false after `timeoutMs`. The fail-fast client rejects
 * commands until then, so startup should await this (bounded) before serving cache traffic.
 */
export function whenRedisReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}

export type UnreadableReason = Extract<OpenResult, { ok: false }>['reason'] | 'format';

export interface RedisStoreOptions {
  client: Redis;
  keyRing: KeyRing;
  /** Prepended to every key name (tests use a unique prefix per file). */
  prefix?: string;
  /** Values larger than this (sealed) are not written. Default 16 MiB. */
  maxValueBytes?: number;
  now?: () => number;
  /** Called when a stored value cannot be used (retired key, tampering, old format). */
  onUnreadable?: (reason: UnreadableReason) => void;
}

export class RedisStore implements CacheStore {
  readonly #client: Redis;
  readonly #ring: KeyRing;
  readonly #prefix: string;
  readonly #maxValueBytes: number;
  readonly #now: () => number;
  readonly #onUnreadable: NonNullable<RedisStoreOptions['onUnreadable']>;

  constructor(options: RedisStoreOptions) {
    this.#client = options.client;
    this.#ring = options.keyRing;
    this.#prefix = options.prefix ?? '';
    this.#maxValueBytes = options.maxValueBytes ?? 16 * 1024 * 1024;
    this.#now = options.now ?? Date.now;
    this.#onUnreadable = options.onUnreadable ?? (() => undefined);
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    const name = this.#prefix + key;
    const sealed = await this.#call(() => this.#client.getBuffer(name));
    if (sealed === null) return undefined;
    const opened = openValue(this.#ring, sealed, name);
    if (!opened.ok) {
      this.#onUnreadable(opened.reason);
      return undefined;
    }
    const entry = decodeEntry(opened.plaintext);
    if (entry === undefined) {
      this.#onUnreadable('format');
      return undefined;
    }
    return entry.keepUntilMs > this.#now() ? entry : undefined;
  }

  async set(key: string, entry: CachedEntry): Promise<void> {
    const ttlMs = Math.ceil(entry.keepUntilMs - this.#now());
    if (ttlMs <= 0) return;
    const name = this.#prefix + key;
    const sealed = sealValue(this.#ring, encodeEntry(entry), name);
    if (sealed.length > this.#maxValueBytes) return;
    await this.#call(() => this.#client.set(name, sealed, 'PX', ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.#call(() => this.#client.del(this.#prefix + key));
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new EdgeError('EDGE_CACHE_UNAVAILABLE', undefined, { cause: err });
    }
  }
}
