// Recounts a tenant's V2 list counts in the background right after its epoch changed, so that the read
// following a write finds its count in the memo instead of paying for the count itself. At 1M prescriptions
// counting one type enumerates every untransferred daten row (~144k for E-Rezept in the benchmark data:
// 40–90 ms), and pharmacy software reads right after it reports a status.
//
// It only ever goes through the memo's own lookup/remember, so every memo invariant holds unchanged: the
// epoch is read before the counting statement, the result is stored only under that epoch and only if it is
// still current and the feed still up. Coalesced per tenant (one recount at a time; a change during a
// recount schedules exactly one more), at most `maxConcurrent` recounts in the whole process, and only for
// tenants whose lists were read recently (as long as a memo value lives). A failure is reported and
// forgotten: the next read counts itself, as without the refresher.
import type { Tenant } from '../core/principal.js';
import type { CountMemoLookup, CountMemoPort, CountMemoRequest } from './count-memo.js';
import type { TypeCounts } from './fast-queries.js';
import { PRESCRIPTION_TYPES, type PrescriptionType } from './prescription-types.js';

/** The metric label of the refresher's own memo lookups. */
export const REFRESH_ROUTE_ID = '(refresh)';

export interface CountRefresherOptions {
  readonly memo: CountMemoPort;
  /** Counts the given types in the tenant's database. */
  readonly count: (tenant: Tenant, types: readonly PrescriptionType[]) => Promise<TypeCounts>;
  /** A tenant whose lists were not read for this long is not recounted (the memo's max age). */
  readonly activeForMs: number;
  /** Wait after a change before recounting, so a burst of writes costs one recount. Default 25 ms. */
  readonly delayMs?: number;
  /** Recounts running at once in the whole process. Default 2. */
  readonly maxConcurrent?: number;
  /** Tenants remembered; the least recently read beyond this are forgotten. Default 10 000. */
  readonly maxTenants?: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown, tenantId: number) => void;
  /** Every recount's outcome (metrics): counted (handed to the memo), skipped (memo did not need it), failed. */
  readonly onRecount?: (outcome: 'counted' | 'skipped' | 'failed') => void;
}

interface KnownTenant {
  tenant: Tenant;
  types: Set<PrescriptionType>;
  lastReadMs: number;
  state: 'idle' | 'scheduled' | 'running' | 'running-dirty';
}

/**
 * A CountMemoPort that notes which tenants and types are read, in front of the memo; `epochChanged` is
 * wired to TenantEpochs.onChange.
 */
export class CountRefresher implements CountMemoPort {
  readonly #o: Required<Omit<CountRefresherOptions, 'onError' | 'onRecount'>> &
    Pick<CountRefresherOptions, 'onError' | 'onRecount'>;
  readonly #known = new Map<number, KnownTenant>();
  readonly #queue: number[] = [];
  #running = 0;
  #closed = false;

  constructor(options: CountRefresherOptions) {
    this.#o = {
      delayMs: 25,
      maxConcurrent: 2,
      maxTenants: 10_000,
      now: () => performance.now(),
      ...options,
    };
    if (!(this.#o.maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be at least 1');
  }

  lookup(request: CountMemoRequest): CountMemoLookup {
    const lookup = this.#o.memo.lookup(request);
    if (request.tenant !== undefined) this.#note(request.tenant, request.types);
    return lookup;
  }

  /** Stops scheduling recounts (shutdown); running ones finish. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  /** The tenant's epoch changed (a NOTIFY, a forwarded write, a reconnect, a peer's bump). */
  epochChanged(tenantId: number): void {
    if (this.#closed) return;
    const known = this.#known.get(tenantId);
    if (known === undefined || this.#o.now() - known.lastReadMs > this.#o.activeForMs) return;
    if (known.state === 'running') known.state = 'running-dirty';
    if (known.state !== 'idle') return;
    known.state = 'scheduled';
    setTimeout(() => this.#enqueue(tenantId), this.#o.delayMs).unref();
  }

  #note(tenant: Tenant, types: readonly PrescriptionType[]): void {
    const id = tenant.datenbankId;
    let known = this.#known.get(id);
    if (known === undefined) {
      known = { tenant, types: new Set(), lastReadMs: 0, state: 'idle' };
    } else {
      this.#known.delete(id); // re-inserted below: Map order is recency order
      known.tenant = tenant;
    }
    for (const t of types) known.types.add(t);
    known.lastReadMs = this.#o.now();
    this.#known.set(id, known);
    while (this.#known.size > this.#o.maxTenants) {
      const oldest = this.#known.keys().next().value as number;
      this.#known.delete(oldest);
    }
  }

  #enqueue(tenantId: number): void {
    if (this.#closed) return;
    this.#queue.push(tenantId);
    this.#drain();
  }

  #drain(): void {
    while (this.#running < this.#o.maxConcurrent && this.#queue.length > 0) {
      const tenantId = this.#queue.shift() as number;
      const known = this.#known.get(tenantId);
      if (known === undefined) continue;
      known.state = 'running';
      this.#running += 1;
      void this.#recount(tenantId, known).finally(() => {
        this.#running -= 1;
        if (known.state === 'running-dirty') {
          known.state = 'scheduled';
          this.#enqueue(tenantId);
        } else {
          known.state = 'idle';
        }
        this.#drain();
      });
    }
  }

  async #recount(tenantId: number, known: KnownTenant): Promise<void> {
    const types = PRESCRIPTION_TYPES.filter((t) => known.types.has(t));
    // The memo reads the epoch now, before the statement; it says `miss` only when it would store.
    const lookup = this.#o.memo.lookup({ tenantId, routeId: REFRESH_ROUTE_ID, types });
    if (lookup.outcome !== 'miss') {
      this.#o.onRecount?.('skipped');
      return;
    }
    try {
      lookup.remember(await this.#o.count(known.tenant, types));
      this.#o.onRecount?.('counted');
    } catch (err) {
      this.#o.onError?.(err, tenantId);
      this.#o.onRecount?.('failed');
    }
  }
}
