// Remembers the V2 list counts of new prescriptions (§6.2) per tenant and type, under the tenant's cache
// epoch, so a list request whose counts are known runs only its page statement (issue #5). It never reads a
// database or bumps an epoch, and it is neither read nor written while the tenant's invalidation feed is down.
//
// Invariants (the same as for cache fills; why a count is never staler than the invalidation bound):
// - The epoch is read at lookup, BEFORE the counting statement starts; a change committed after that read
//   bumps the epoch (its NOTIFY, a forwarded write, a listener reconnect), so the value read may be newer
//   than its epoch but never older.
// - A value is stored only under the epoch read at lookup, and only if that epoch is still current and the
//   feed still up when the count arrives (a value stored under an older epoch could never be used again).
// - A value is used only when its epoch equals the current one AND the feed is up (bypassReason undefined);
//   a feed that comes back bumps the epoch before it reports up, so nothing from before an outage survives.
// - maxAgeMs bounds every value's age (measured from the lookup) as a safety net behind invalidation.
import type { BypassOracle, EpochReader } from '../core/cache-port.js';
import type { Tenant } from '../core/principal.js';
import type { TypeCounts } from './fast-queries.js';
import type { PrescriptionType } from './prescription-types.js';

/** hit: every selected type known; miss: counted in SQL and remembered; bypass: feed down or epoch unknown. */
export type CountMemoOutcome = 'hit' | 'miss' | 'bypass';

export interface CountMemoRequest {
  readonly tenantId: number;
  /** The tenant itself, for a memo front that recounts in the background (count-refresher). */
  readonly tenant?: Tenant;
  /** Only the metric label (counts are shared by every route of the tenant). */
  readonly routeId: string;
  /** The selected types (never empty: no SQL runs then). */
  readonly types: readonly PrescriptionType[];
}

export interface CountMemoLookup {
  readonly outcome: CountMemoOutcome;
  /** On a hit, the count of every selected type: pass it as FastAnswerHints.knownCounts. */
  readonly knownCounts: TypeCounts | undefined;
  /** Call with the counts the query read. Stores them on a miss only (a hit's counts are the memo's own). */
  remember(counts: TypeCounts): void;
}

/** What the executors use (CountMemo implements it). */
export interface CountMemoPort {
  lookup(request: CountMemoRequest): CountMemoLookup;
}

export interface CountMemoOptions {
  /** The tenant's epoch as known right now (TenantEpochs.peek); undefined (unknown) means no memo. */
  readonly epochs: Pick<EpochReader, 'peek'>;
  /** The tenant listener: the memo is used and filled only while `bypassReason` is undefined. */
  readonly bypass: BypassOracle;
  /** Longest time a count is used after the lookup that read it. 0 turns the memo off. */
  readonly maxAgeMs: number;
  /** Tenants remembered (each at most 3 counts); the least recently used beyond this are evicted. Default 10 000. */
  readonly maxTenants?: number;
  /** Monotonic milliseconds. Default performance.now. */
  readonly now?: () => number;
  /** Observes every lookup (metrics). */
  readonly onLookup?: (routeId: string, outcome: CountMemoOutcome) => void;
}

interface RememberedCount {
  readonly count: number;
  /** When the lookup before the counting statement ran. */
  readonly readAtMs: number;
}

interface TenantCounts {
  readonly epoch: number;
  readonly byType: Map<PrescriptionType, RememberedCount>;
}

const ignore = (): void => undefined;

export class CountMemo implements CountMemoPort {
  readonly #epochs: Pick<EpochReader, 'peek'>;
  readonly #bypass: BypassOracle;
  readonly #maxAgeMs: number;
  readonly #maxTenants: number;
  readonly #now: () => number;
  readonly #onLookup: (routeId: string, outcome: CountMemoOutcome) => void;
  /** Insertion order = recency (a hit or a store moves the tenant to the end). */
  readonly #tenants = new Map<number, TenantCounts>();

  constructor(options: CountMemoOptions) {
    if (!(options.maxAgeMs >= 0)) throw new RangeError('CountMemo maxAgeMs must not be negative');
    const maxTenants = options.maxTenants ?? 10_000;
    if (!(Number.isInteger(maxTenants) && maxTenants >= 1))
      throw new RangeError('CountMemo maxTenants must be a positive integer');
    this.#epochs = options.epochs;
    this.#bypass = options.bypass;
    this.#maxAgeMs = options.maxAgeMs;
    this.#maxTenants = maxTenants;
    this.#now = options.now ?? (() => performance.now());
    this.#onLookup = options.onLookup ?? ignore;
  }

  /** Tenants currently remembered. */
  get size(): number {
    return this.#tenants.size;
  }

  lookup(request: CountMemoRequest): CountMemoLookup {
    const { tenantId, routeId, types } = request;
    // Read before the counting statement starts (the caller runs it after this returns).
    const epoch = this.#currentEpoch(tenantId);
    if (epoch === undefined || this.#maxAgeMs === 0 || types.length === 0) {
      this.#onLookup(routeId, 'bypass');
      return { outcome: 'bypass', knownCounts: undefined, remember: ignore };
    }
    const readAtMs = this.#now();
    let remembered = this.#tenants.get(tenantId);
    if (remembered !== undefined && remembered.epoch !== epoch) {
      this.#tenants.delete(tenantId); // an older epoch's counts can never be used again
      remembered = undefined;
    }
    const known = remembered === undefined ? undefined : this.#known(remembered, types, readAtMs);
    if (remembered !== undefined && known !== undefined) {
      this.#touch(tenantId, remembered);
      this.#onLookup(routeId, 'hit');
      return { outcome: 'hit', knownCounts: known, remember: ignore };
    }
    this.#onLookup(routeId, 'miss');
    return {
      outcome: 'miss',
      knownCounts: undefined,
      remember: (counts) => this.#store(tenantId, epoch, readAtMs, types, counts),
    };
  }

  /** The epoch a value may be used or stored under right now; undefined while the feed is not up. */
  #currentEpoch(tenantId: number): number | undefined {
    if (this.#bypass.bypassReason(tenantId) !== undefined) return undefined;
    return this.#epochs.peek(tenantId)?.epoch;
  }

  #known(
    remembered: TenantCounts,
    types: readonly PrescriptionType[],
    nowMs: number,
  ): TypeCounts | undefined {
    const known: Partial<Record<PrescriptionType, number>> = {};
    for (const type of types) {
      const value = remembered.byType.get(type);
      if (value === undefined || nowMs - value.readAtMs >= this.#maxAgeMs) return undefined;
      known[type] = value.count;
    }
    return known;
  }

  #store(
    tenantId: number,
    epoch: number,
    readAtMs: number,
    types: readonly PrescriptionType[],
    counts: TypeCounts,
  ): void {
    // Changed (or the feed went down) while counting: the value is older than the current epoch.
    if (this.#currentEpoch(tenantId) !== epoch) return;
    let remembered = this.#tenants.get(tenantId);
    if (remembered === undefined || remembered.epoch !== epoch) remembered = { epoch, byType: new Map() };
    for (const type of types) {
      const count = counts[type];
      if (count !== undefined && Number.isSafeInteger(count) && count >= 0)
        remembered.byType.set(type, { count, readAtMs });
    }
    this.#touch(tenantId, remembered);
    while (this.#tenants.size > this.#maxTenants) {
      const oldest = this.#tenants.keys().next().value as number;
      this.#tenants.delete(oldest);
    }
  }

  #touch(tenantId: number, remembered: TenantCounts): void {
    this.#tenants.delete(tenantId);
    this.#tenants.set(tenantId, remembered);
  }
}
