// LISTENs on every tenant database this instance serves and turns each `arzti_edge_cache` NOTIFY into
// an epoch bump. While a tenant's LISTEN connection is not up (or its triggers are not verified), the
// tenant bypasses the cache; when it comes (back) up the epoch is bumped first (notifications may
// have been lost), then bypass ends. Never on the request path except for the cheap `watch` call.
import type { BypassOracle, BypassReason } from '../core/cache-port.js';
import type { Tenant } from '../core/principal.js';
import type { NotificationSource } from '../core/sql-port.js';
import type { EpochMetrics } from './epoch-metrics.js';
import type { TenantEpochs } from './tenant-epochs.js';

export const CACHE_NOTIFY_CHANNEL = 'arzti_edge_cache';

/**
 * True when all 40 triggers of migration 002_cache_notify exist and are enabled. Without them a
 * tenant would never be invalidated (only the TTL would end stale entries), so `verify` should run it.
 */
export const CACHE_TRIGGERS_CHECK_SQL = `SELECT count(*) = 40 AS ok
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'
  AND t.tgname IN ('arzti_edge_cache_ins', 'arzti_edge_cache_upd', 'arzti_edge_cache_del', 'arzti_edge_cache_trunc')
  AND c.relname IN ('er_senderezepte_emuster16', 'er_senderezepte_emuster16_daten', 'er_senderezepte_emuster16_status',
    'er_senderezepte_prezept', 'er_senderezepte_prezept_daten', 'er_senderezepte_prezept_status',
    'er_senderezepte_erezept', 'er_senderezepte_erezept_daten', 'er_senderezepte_erezept_status', 'er_apotheke')
  AND pg_catalog.pg_table_is_visible(c.oid)`;

export type ListenerState = 'connecting' | 'connected' | 'disconnected' | 'unverified';

/** A NotificationSource for one tenant database; `close` frees its connection. */
export interface TenantNotificationSource extends NotificationSource {
  close?(): Promise<void>;
}

export interface TenantListenerOptions {
  /** Opens the LISTEN connection of one tenant database (pg-listener in production). */
  connect: (tenant: Tenant) => TenantNotificationSource;
  epochs: Pick<TenantEpochs, 'bump'>;
  /**
   * Checked after every (re)connect before bypass ends, e.g. by running CACHE_TRIGGERS_CHECK_SQL on
   * the tenant database. false or a rejection keeps the tenant in bypass ('unverified').
   */
  verify?: (tenant: Tenant) => Promise<boolean>;
  metrics?: EpochMetrics;
  /** Wait before retrying a `listen()` call that rejected. Default 1000 ms. */
  retryDelayMs?: number;
  /** Wait before re-checking an unverified tenant. Default 30 000 ms. */
  verifyRetryMs?: number;
  /** Failed connects and verifications (logging). Never receives a connection string. */
  onError?: (tenantId: number, err: unknown) => void;
  /** Observes every listener state change (logs, health view, tests). */
  onStateChange?: (tenantId: number, state: ListenerState) => void;
  now?: () => number;
}

/** Parsed `<table>:<epoch ms>` payload of the 002_cache_notify triggers. */
export interface CacheNotification {
  table: string;
  changedAtMs: number | undefined;
}

export function parseCacheNotification(payload: string): CacheNotification {
  const colon = payload.lastIndexOf(':');
  if (colon === -1) return { table: payload, changedAtMs: undefined };
  const ms = Number(payload.slice(colon + 1));
  return { table: payload.slice(0, colon), changedAtMs: Number.isFinite(ms) ? ms : undefined };
}

interface Watch {
  readonly tenant: Tenant;
  state: ListenerState;
  /** Last state the source reported (it may report before listen() resolves). */
  reported: 'connected' | 'disconnected' | undefined;
  source: TenantNotificationSource | undefined;
  unsubscribe: (() => Promise<void>) | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Increases on every (re)connect, so a slow verification of an older connection is ignored. */
  generation: number;
  stopped: boolean;
}

const BYPASS: Record<Exclude<ListenerState, 'connected'>, BypassReason> = {
  connecting: 'listener-connecting',
  disconnected: 'listener-down',
  unverified: 'triggers-unverified',
};

export class TenantListener implements BypassOracle {
  readonly #o: Required<Omit<TenantListenerOptions, 'metrics' | 'verify'>> &
    Pick<TenantListenerOptions, 'metrics' | 'verify'>;
  readonly #watches = new Map<number, Watch>();

  constructor(options: TenantListenerOptions) {
    this.#o = {
      connect: options.connect,
      epochs: options.epochs,
      verify: options.verify,
      metrics: options.metrics,
      retryDelayMs: options.retryDelayMs ?? 1000,
      verifyRetryMs: options.verifyRetryMs ?? 30_000,
      onError: options.onError ?? (() => undefined),
      onStateChange: options.onStateChange ?? (() => undefined),
      now: options.now ?? Date.now,
    };
  }

  /**
   * Starts listening on the tenant's database unless already watched. Cheap and idempotent: the
   * pipeline calls it for every authenticated cache-mode request. Until the LISTEN is established
   * the tenant is in bypass. A changed connection string for the same datenbank id restarts it.
   */
  watch(tenant: Tenant): void {
    const existing = this.#watches.get(tenant.datenbankId);
    if (existing !== undefined) {
      if (existing.tenant.connectionString === tenant.connectionString) return;
      void this.unwatch(tenant.datenbankId).then(() => this.watch(tenant));
      return;
    }
    const watch: Watch = {
      tenant,
      state: 'connecting',
      reported: undefined,
      source: undefined,
      unsubscribe: undefined,
      timer: undefined,
      generation: 0,
      stopped: false,
    };
    this.#watches.set(tenant.datenbankId, watch);
    this.#updateGauge();
    try {
      watch.source = this.#o.connect(tenant);
    } catch (err) {
      // E.g. an unparsable connection string: stays in bypass until unwatched (not retried).
      this.#o.onError(tenant.datenbankId, err);
      this.#setState(watch, 'disconnected');
      return;
    }
    this.#subscribe(watch, watch.source);
  }

  bypassReason(tenantId: number): BypassReason | undefined {
    const watch = this.#watches.get(tenantId);
    if (watch === undefined) return 'not-watched';
    return watch.state === 'connected' ? undefined : BYPASS[watch.state];
  }

  state(tenantId: number): ListenerState | undefined {
    return this.#watches.get(tenantId)?.state;
  }

  /** Listener state per tenant id (for the admin/health view). */
  states(): ReadonlyMap<number, ListenerState> {
    return new Map([...this.#watches].map(([id, w]) => [id, w.state]));
  }

  async unwatch(tenantId: number): Promise<void> {
    const watch = this.#watches.get(tenantId);
    if (watch === undefined) return;
    this.#watches.delete(tenantId);
    this.#updateGauge();
    watch.stopped = true;
    if (watch.timer !== undefined) clearTimeout(watch.timer);
    await watch.unsubscribe?.().catch(() => undefined);
    await watch.source?.close?.().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#watches.keys()].map((id) => this.unwatch(id)));
  }

  #subscribe(watch: Watch, source: TenantNotificationSource): void {
    source
      .listen(
        CACHE_NOTIFY_CHANNEL,
        (payload) => this.#onPayload(watch, payload),
        (state) => this.#onState(watch, state),
      )
      .then(
        (unsubscribe) => {
          if (watch.stopped) {
            void unsubscribe().catch(() => undefined);
            return;
          }
          watch.unsubscribe = unsubscribe;
          // A source may resolve listen() while still disconnected (pg-listener keeps retrying and
          // reports 'connected' later); otherwise the LISTEN is in place now.
          if (watch.reported === 'disconnected') this.#setState(watch, 'disconnected');
          else this.#up(watch);
        },
        (err: unknown) => {
          if (watch.stopped) return;
          this.#o.onError(watch.tenant.datenbankId, err);
          this.#setState(watch, 'disconnected');
          this.#later(watch, this.#o.retryDelayMs, () => this.#subscribe(watch, source));
        },
      );
  }

  #onState(watch: Watch, state: 'connected' | 'disconnected'): void {
    if (watch.stopped) return;
    watch.reported = state;
    if (state === 'disconnected') {
      watch.generation += 1;
      this.#setState(watch, 'disconnected');
    }
    // A (re)connect is reported after LISTEN is re-established (NotificationSource contract).
    // Before listen() has resolved, the resolution handler takes over.
    else if (watch.unsubscribe !== undefined) this.#up(watch);
  }

  /** LISTEN is in place: anything cached before now may predate changes we never heard of. */
  #up(watch: Watch): void {
    const generation = ++watch.generation;
    const verify = this.#o.verify;
    if (verify === undefined) {
      this.#open(watch);
      return;
    }
    verify(watch.tenant).then(
      (ok) => {
        if (watch.stopped || watch.generation !== generation) return;
        if (ok) this.#open(watch);
        else
          this.#unverified(watch, generation, new Error('cache invalidation triggers missing or disabled'));
      },
      (err: unknown) => {
        if (!watch.stopped && watch.generation === generation) this.#unverified(watch, generation, err);
      },
    );
  }

  #open(watch: Watch): void {
    // bump() changes the local epoch synchronously, so bypass ends only after the old keys are dead.
    void this.#o.epochs.bump(watch.tenant.datenbankId, 'reconnect');
    this.#setState(watch, 'connected');
  }

  #unverified(watch: Watch, generation: number, err: unknown): void {
    this.#o.onError(watch.tenant.datenbankId, err);
    this.#setState(watch, 'unverified');
    this.#later(watch, this.#o.verifyRetryMs, () => {
      if (watch.generation === generation && watch.reported !== 'disconnected') this.#up(watch);
    });
  }

  #onPayload(watch: Watch, payload: string): void {
    if (watch.stopped) return;
    void this.#o.epochs.bump(watch.tenant.datenbankId, 'notify');
    const { changedAtMs } = parseCacheNotification(payload);
    if (changedAtMs !== undefined) {
      // Clocks of DB host and proxy may differ slightly; never record a negative lag.
      this.#o.metrics?.lagSeconds.observe(Math.max(0, this.#o.now() - changedAtMs) / 1000);
    }
  }

  #later(watch: Watch, delayMs: number, fn: () => void): void {
    if (watch.timer !== undefined) clearTimeout(watch.timer);
    watch.timer = setTimeout(() => {
      watch.timer = undefined;
      if (!watch.stopped) fn();
    }, delayMs);
    watch.timer.unref();
  }

  #setState(watch: Watch, state: ListenerState): void {
    if (watch.state === state) return;
    watch.state = state;
    this.#updateGauge();
    this.#o.onStateChange(watch.tenant.datenbankId, state);
  }

  #updateGauge(): void {
    const metrics = this.#o.metrics;
    if (metrics === undefined) return;
    const counts: Record<ListenerState, number> = {
      connecting: 0,
      connected: 0,
      disconnected: 0,
      unverified: 0,
    };
    for (const w of this.#watches.values()) counts[w.state] += 1;
    for (const [state, count] of Object.entries(counts)) metrics.listeners.set({ state }, count);
  }
}
