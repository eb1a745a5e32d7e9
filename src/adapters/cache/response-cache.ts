// The cache facade the pipeline's cache mode calls: bypass check → epoch → key → store lookup →
// coalesced fill. It never decides *whether* a route is cached (the route table does) and never
// touches HTTP; it returns an entry (or the filler's uncacheable answer) and how it was obtained.
import {
  buildCachedEntry,
  type BypassOracle,
  type BypassReason,
  type CacheStore,
  type CacheableResponse,
  type CachedEntry,
  type EpochReader,
} from '../../core/cache-port.js';
import { cacheKey, type CacheParamValue } from '../../core/cache-key.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { SingleFlight } from './single-flight.js';

/** A filler's answer that must not be cached or shared (e.g. the legacy's 500); only its caller gets it. */
export interface Uncacheable<U> {
  readonly uncacheable: U;
}

export interface LookupRequest<U> {
  tenantId: number;
  routeId: string;
  params: Readonly<Record<string, CacheParamValue>>;
  /** Produces the response on a miss (SQL path or legacy). Throwing fails only this caller. */
  fill: () => Promise<CacheableResponse | Uncacheable<U>>;
}

export type StaleReason = 'revalidating' | 'origin-error';

export type LookupResult<U> =
  | { readonly outcome: 'hit'; readonly entry: CachedEntry }
  | { readonly outcome: 'stale'; readonly entry: CachedEntry; readonly reason: StaleReason }
  | { readonly outcome: 'miss'; readonly entry: CachedEntry; readonly coalesced: boolean }
  | { readonly outcome: 'bypass'; readonly entry: CachedEntry; readonly reason: BypassReason }
  | { readonly outcome: 'miss' | 'bypass'; readonly uncacheable: U; readonly reason?: BypassReason };

export interface ResponseCacheOptions {
  epochs: EpochReader;
  bypass: BypassOracle;
  /** Used while the tenant's epoch is shared by all instances: normally tiered(L1, breaker(Redis)). */
  store: CacheStore;
  /** Used while it is not (Redis down or a bump unconfirmed): the L1 store alone. */
  localStore: CacheStore;
  singleFlight: SingleFlight;
  /** Freshness lifetime: the safety net behind epoch invalidation. Default 300 000 (5 min). */
  ttlMs?: number;
  /** Serve an expired entry (same epoch only) while one background fill refreshes it. Default 0 (off). */
  staleWhileRevalidateMs?: number;
  /** Serve an expired entry (same epoch only) when the fill throws. Default 0 (off). */
  staleIfErrorMs?: number;
  metrics?: CacheMetrics;
  /** Errors of background refreshes and cache writes (never thrown to a request). */
  onBackgroundError?: (err: unknown) => void;
  now?: () => number;
}

type Filled<U> = { kind: 'entry'; entry: CachedEntry } | { kind: 'uncacheable'; value: U };

export class ResponseCache {
  readonly #o: Required<Omit<ResponseCacheOptions, 'metrics'>> & { metrics: CacheMetrics | undefined };

  constructor(options: ResponseCacheOptions) {
    this.#o = {
      epochs: options.epochs,
      bypass: options.bypass,
      store: options.store,
      localStore: options.localStore,
      singleFlight: options.singleFlight,
      ttlMs: options.ttlMs ?? 300_000,
      staleWhileRevalidateMs: options.staleWhileRevalidateMs ?? 0,
      staleIfErrorMs: options.staleIfErrorMs ?? 0,
      metrics: options.metrics,
      onBackgroundError: options.onBackgroundError ?? (() => undefined),
      now: options.now ?? Date.now,
    };
    for (const name of ['ttlMs', 'staleWhileRevalidateMs', 'staleIfErrorMs'] as const) {
      if (!(this.#o[name] >= 0)) throw new RangeError(`ResponseCache ${name} must not be negative`);
    }
  }

  async lookupOrFill<U = never>(request: LookupRequest<U>): Promise<LookupResult<U>> {
    const o = this.#o;
    const reason = o.bypass.bypassReason(request.tenantId);
    if (reason !== undefined) return this.#bypass(request, reason);

    // The epoch is read before anything else: a fill that races a change is stored under the old
    // epoch, which no request reads any more.
    const { epoch, shared } = await o.epochs.current(request.tenantId);
    const key = cacheKey({
      tenantId: request.tenantId,
      routeId: request.routeId,
      params: request.params,
      epoch,
    });
    const store = shared ? o.store : o.localStore;
    const now = o.now();

    const found = await store.get(key).catch(() => undefined);
    if (found !== undefined && found.epoch === epoch) {
      if (now < found.freshUntilMs) return this.#count(request.routeId, { outcome: 'hit', entry: found });
      if (now < found.freshUntilMs + o.staleWhileRevalidateMs) {
        void o.singleFlight
          .run(key, () => this.#fillAndStore(request, key, epoch, store), shareable)
          .catch((err: unknown) => o.onBackgroundError(err));
        return this.#count(request.routeId, {
          outcome: 'stale',
          entry: found,
          reason: 'revalidating',
        });
      }
    }
    const staleForError =
      found !== undefined && found.epoch === epoch && now < found.freshUntilMs + o.staleIfErrorMs
        ? found
        : undefined;

    let result: { value: Filled<U>; role: string };
    try {
      result = await o.singleFlight.run(key, () => this.#fillAndStore(request, key, epoch, store), shareable);
    } catch (err) {
      if (staleForError !== undefined) {
        return this.#count(request.routeId, {
          outcome: 'stale',
          entry: staleForError,
          reason: 'origin-error',
        });
      }
      throw err;
    }
    const filled = result.value;
    if (filled.kind === 'uncacheable') {
      o.metrics?.lookups.inc({ route: request.routeId, outcome: 'uncacheable' });
      return { outcome: 'miss', uncacheable: filled.value };
    }
    const coalesced = result.role === 'waiter';
    o.metrics?.lookups.inc({ route: request.routeId, outcome: coalesced ? 'coalesced' : 'miss' });
    return { outcome: 'miss', entry: filled.entry, coalesced };
  }

  async #bypass<U>(request: LookupRequest<U>, reason: BypassReason): Promise<LookupResult<U>> {
    const o = this.#o;
    o.metrics?.bypasses.inc({ reason });
    o.metrics?.lookups.inc({ route: request.routeId, outcome: 'bypass' });
    const response = await request.fill();
    if ('uncacheable' in response) return { outcome: 'bypass', uncacheable: response.uncacheable, reason };
    const entry = buildCachedEntry(response, {
      epoch: o.epochs.peek(request.tenantId)?.epoch ?? 0,
      storedAtMs: o.now(),
      ttlMs: 0,
      staleKeepMs: 0,
    });
    return { outcome: 'bypass', entry, reason };
  }

  async #fillAndStore<U>(
    request: LookupRequest<U>,
    key: string,
    epoch: number,
    store: CacheStore,
  ): Promise<Filled<U>> {
    const o = this.#o;
    const started = o.now();
    let response: CacheableResponse | Uncacheable<U>;
    try {
      response = await request.fill();
    } catch (err) {
      o.metrics?.fillSeconds.observe(
        { route: request.routeId, outcome: 'error' },
        (o.now() - started) / 1000,
      );
      throw err;
    }
    const uncacheable = 'uncacheable' in response;
    o.metrics?.fillSeconds.observe(
      { route: request.routeId, outcome: uncacheable ? 'uncacheable' : 'ok' },
      (o.now() - started) / 1000,
    );
    if ('uncacheable' in response) return { kind: 'uncacheable', value: response.uncacheable };
    const entry = buildCachedEntry(response, {
      epoch,
      storedAtMs: o.now(),
      ttlMs: o.ttlMs,
      staleKeepMs: Math.max(o.staleWhileRevalidateMs, o.staleIfErrorMs),
    });
    // Changed while we filled: the callers asked before the change and get this answer, but it is
    // not stored (it could never be read under the new epoch anyway; this saves the write).
    if (o.epochs.peek(request.tenantId)?.epoch === epoch) {
      await store.set(key, entry).catch((err: unknown) => o.onBackgroundError(err));
    }
    return { kind: 'entry', entry };
  }

  #count(
    routeId: string,
    result: Extract<LookupResult<never>, { outcome: 'hit' | 'stale' }>,
  ): LookupResult<never> {
    this.#o.metrics?.lookups.inc({ route: routeId, outcome: result.outcome });
    return result;
  }
}

function shareable<U>(filled: Filled<U>): boolean {
  return filled.kind === 'entry';
}
