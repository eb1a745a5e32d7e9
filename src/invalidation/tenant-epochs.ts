// Per-tenant cache epochs. A bump changes the tenant's epoch at once in this process (so every key
// built afterwards is new) and then in Redis, where a counter keeps all instances in agreement and a
// pub/sub message makes the others drop the tenant's entries immediately. Requests only read epochs.
//
// Invariants (why stale entries are never served):
// - An epoch only grows, and every local bump makes it grow, so a key built after a bump is new.
// - A Redis bump sets the counter to max(counter + 1, our epoch), our epoch already including the
//   local bump. The result equals our local number only if our own script moved the counter there,
//   so the shared meaning of that number ("after this bump") is the one our L1 entries have; any
//   other result is higher than every number this process used on its own.
// - While this process has bumps Redis has not confirmed, `shared` is false and only L1 may be
//   used: another instance may have filled L2 under the same number with an older history.
// Counters carry no TTL; prefer a volatile-* maxmemory policy so Redis evicts entries, not counters
// (a lost counter is survivable, see CURRENT_FN, but costs every instance a cache flush).
import type { Redis } from 'ioredis';
import type { EpochReader, EpochSnapshot } from '../core/cache-port.js';
import type { BumpSource, EpochMetrics } from './epoch-metrics.js';

/** The slice of a circuit breaker this component uses (CircuitBreaker fits). */
export interface RedisGate {
  run<T>(operation: () => Promise<T>): Promise<T>;
  onStateChange?(listener: (state: 'closed' | 'open' | 'half-open') => void): () => void;
}

export interface TenantEpochsOptions {
  /** Without Redis epochs are process-local (single instance, or no L2). */
  redis?: Redis;
  /** Breaker shared with the Redis cache store, so a dead Redis costs bumps nothing either. */
  gate?: RedisGate;
  /** Prefix of the counter keys and of the channel (tests: unique per file). Default ''. */
  prefix?: string;
  /** Retry interval for epochs that Redis has not confirmed. Default 1000 ms. */
  resyncIntervalMs?: number;
  metrics?: EpochMetrics;
}

export type EpochChangeListener = (
  tenantId: number,
  snapshot: EpochSnapshot,
  source: BumpSource | 'sync',
) => void;

export const EPOCH_CHANNEL = 'arzti-edge:epochs';

// A missing counter (new tenant, or lost: flushed/evicted) starts at the current Redis time in ms,
// so a new counter starts above every value an old one reached (that would take more than one bump
// per millisecond over the old counter's whole life) and L2 entries of an old counter are never
// mistaken for current ones.
const CURRENT_FN = `
local function current()
  local v = redis.call('GET', KEYS[1])
  if v then return tonumber(v) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

// KEYS[1] counter. Returns the counter, creating it (time-seeded) if missing.
const LOAD_SCRIPT = `${CURRENT_FN}
local cur = current()
redis.call('SET', KEYS[1], string.format('%d', cur), 'NX')
return tonumber(redis.call('GET', KEYS[1]))
`;

// KEYS[1] counter; ARGV[1] floor (caller's epoch, after its local bump); ARGV[2] channel; ARGV[3] tenant id.
const BUMP_SCRIPT = `${CURRENT_FN}
local floor = tonumber(ARGV[1]) or 0
local nxt = math.max(current() + 1, floor)
redis.call('SET', KEYS[1], string.format('%d', nxt))
redis.call('PUBLISH', ARGV[2], ARGV[3] .. ':' .. string.format('%d', nxt))
return nxt
`;

interface TenantState {
  epoch: number;
  /** Count of local bumps, and how many of them Redis has confirmed. */
  localSeq: number;
  confirmedSeq: number;
  /** The shared value has been read from or written to Redis at least once. */
  loaded: boolean;
  loadAttempted: boolean;
  loading: Promise<void> | null;
  syncing: Promise<void> | null;
  syncAgain: boolean;
}

const passThrough: RedisGate = { run: (operation) => operation() };

export class TenantEpochs implements EpochReader {
  readonly #redis: Redis | undefined;
  readonly #gate: RedisGate;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #resyncIntervalMs: number;
  readonly #metrics: EpochMetrics | undefined;
  readonly #tenants = new Map<number, TenantState>();
  readonly #listeners = new Set<EpochChangeListener>();
  #subscriber: Redis | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #unsubscribeGate: (() => void) | undefined;
  #closed = false;

  constructor(options: TenantEpochsOptions = {}) {
    this.#redis = options.redis;
    this.#gate = options.gate ?? passThrough;
    this.#prefix = options.prefix ?? '';
    this.#channel = this.#prefix + EPOCH_CHANNEL;
    this.#resyncIntervalMs = options.resyncIntervalMs ?? 1000;
    this.#metrics = options.metrics;
  }

  /**
   * Subscribes to peer bumps (a dedicated connection). Resolves once subscribed; while Redis is
   * unreachable it keeps trying in the background, so callers need not await it.
   */
  async start(): Promise<void> {
    if (this.#redis === undefined || this.#subscriber !== undefined) return;
    const subscriber = this.#redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      lazyConnect: false,
    });
    subscriber.on('error', () => undefined);
    this.#subscriber = subscriber;
    let readyCount = 0;
    subscriber.on('ready', () => {
      readyCount += 1;
      // Messages published while we were disconnected are gone: catch up from the counters.
      if (readyCount > 1) void this.#refreshLoaded();
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#onPeerMessage(message);
    });
    this.#unsubscribeGate = this.#gate.onStateChange?.((state) => {
      if (state === 'closed') this.resync();
    });
    await subscriber.subscribe(this.#channel);
  }

  peek(tenantId: number): EpochSnapshot | undefined {
    const state = this.#tenants.get(tenantId);
    return state === undefined ? undefined : this.#snapshot(state);
  }

  async current(tenantId: number): Promise<EpochSnapshot> {
    const state = this.#state(tenantId);
    if (this.#redis !== undefined && !state.loaded && !state.loadAttempted) await this.#load(tenantId, state);
    else if (state.loading !== null) await state.loading;
    return this.#snapshot(state);
  }

  /**
   * Invalidates every cached entry of the tenant: locally at once (before the first await), then
   * in Redis and, through pub/sub, on every other instance. Never rejects; resolves after the
   * Redis round trip (or its failure), so a caller that awaits it knows peers were told.
   */
  async bump(tenantId: number, source: BumpSource): Promise<EpochSnapshot> {
    const state = this.#state(tenantId);
    state.epoch += 1;
    state.localSeq += 1;
    this.#metrics?.invalidations.inc({ source });
    this.#emit(tenantId, state, source);
    if (this.#redis !== undefined) await this.#sync(tenantId, state);
    return this.#snapshot(state);
  }

  /** Read-your-writes: call after a proxied write succeeded, before answering the client. */
  bumpAfterWrite(tenantId: number): Promise<EpochSnapshot> {
    return this.bump(tenantId, 'write');
  }

  /** Observes every epoch change of this process (lag measurement, tests, debug logs). */
  onChange(listener: EpochChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Retries Redis for every tenant whose epoch is not confirmed (called by the timer and on breaker close). */
  resync(): void {
    if (this.#redis === undefined || this.#closed) return;
    for (const [tenantId, state] of this.#tenants) {
      if (state.localSeq > state.confirmedSeq) void this.#sync(tenantId, state);
      else if (!state.loaded && state.loading === null) void this.#load(tenantId, state);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#resyncTimer !== undefined) clearTimeout(this.#resyncTimer);
    this.#unsubscribeGate?.();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber !== undefined) subscriber.disconnect();
  }

  #state(tenantId: number): TenantState {
    let state = this.#tenants.get(tenantId);
    if (state === undefined) {
      state = {
        epoch: 0,
        localSeq: 0,
        confirmedSeq: 0,
        loaded: false,
        loadAttempted: false,
        loading: null,
        syncing: null,
        syncAgain: false,
      };
      this.#tenants.set(tenantId, state);
    }
    return state;
  }

  #snapshot(state: TenantState): EpochSnapshot {
    return {
      epoch: state.epoch,
      shared: this.#redis !== undefined && state.loaded && state.confirmedSeq === state.localSeq,
    };
  }

  #counterKey(tenantId: number): string {
    return `${this.#prefix}edge:v1:epoch:${tenantId}`;
  }

  #load(tenantId: number, state: TenantState): Promise<void> {
    const redis = this.#redis;
    if (redis === undefined) return Promise.resolve();
    if (state.loading !== null) return state.loading;
    state.loadAttempted = true;
    state.loading = this.#gate
      .run(() => redis.eval(LOAD_SCRIPT, 1, this.#counterKey(tenantId)) as Promise<number>)
      .then((value) => {
        this.#adopt(tenantId, state, Number(value), 'sync');
        state.loaded = true;
      })
      .catch(() => this.#syncFailed())
      .finally(() => {
        state.loading = null;
      });
    return state.loading;
  }

  /** Pushes local bumps to Redis; coalesced to one script call in flight (plus one follow-up) per tenant. */
  #sync(tenantId: number, state: TenantState): Promise<void> {
    const redis = this.#redis;
    if (redis === undefined) return Promise.resolve();
    if (state.syncing !== null) {
      state.syncAgain = true;
      return state.syncing;
    }
    state.syncing = (async () => {
      do {
        state.syncAgain = false;
        const seq = state.localSeq;
        const floor = state.epoch;
        try {
          const value = await this.#gate.run(
            () =>
              redis.eval(
                BUMP_SCRIPT,
                1,
                this.#counterKey(tenantId),
                floor,
                this.#channel,
                tenantId,
              ) as Promise<number>,
          );
          this.#adopt(tenantId, state, Number(value), 'sync');
          if (state.localSeq === seq) {
            state.confirmedSeq = seq;
            state.loaded = true;
          }
        } catch {
          this.#syncFailed();
          return;
        }
      } while (state.syncAgain && !this.#closed);
    })().finally(() => {
      state.syncing = null;
    });
    return state.syncing;
  }

  #adopt(tenantId: number, state: TenantState, value: number, source: BumpSource | 'sync'): void {
    if (!Number.isSafeInteger(value) || value <= state.epoch) return;
    state.epoch = value;
    this.#emit(tenantId, state, source);
  }

  #onPeerMessage(message: string): void {
    const colon = message.indexOf(':');
    const tenantId = Number(message.slice(0, colon));
    const value = Number(message.slice(colon + 1));
    const state = this.#tenants.get(tenantId);
    // Lower values are our own or older bumps arriving late; an unknown tenant loads on first use.
    if (state === undefined || !(value > state.epoch)) return;
    this.#metrics?.invalidations.inc({ source: 'peer' });
    this.#adopt(tenantId, state, value, 'peer');
  }

  async #refreshLoaded(): Promise<void> {
    const redis = this.#redis;
    const ids = [...this.#tenants.keys()];
    if (redis === undefined || ids.length === 0) return;
    try {
      const values = await this.#gate.run(() => redis.mget(ids.map((id) => this.#counterKey(id))));
      ids.forEach((id, i) => {
        const state = this.#tenants.get(id);
        if (state !== undefined && values[i] != null) this.#adopt(id, state, Number(values[i]), 'peer');
      });
    } catch {
      this.#syncFailed();
    }
  }

  #syncFailed(): void {
    this.#metrics?.syncErrors.inc();
    if (this.#resyncTimer !== undefined || this.#closed) return;
    this.#resyncTimer = setTimeout(() => {
      this.#resyncTimer = undefined;
      this.resync();
    }, this.#resyncIntervalMs);
    this.#resyncTimer.unref();
  }

  #emit(tenantId: number, state: TenantState, source: BumpSource | 'sync'): void {
    const snapshot = this.#snapshot(state);
    for (const listener of this.#listeners) {
      try {
        listener(tenantId, snapshot, source);
      } catch {
        // An observer must never break invalidation.
      }
    }
  }
}
