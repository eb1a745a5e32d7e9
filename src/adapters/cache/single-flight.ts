// Request coalescing: concurrent misses for one key run one fill; the others wait for its result,
// but only up to `maxWaitMs`, after which each fills by itself. A failed or unshareable fill rejects
// only its own caller: the waiters are released at once and fill by themselves (never serialised
// behind a failing origin), and for `errorBackoffMs` the key is not coalesced at all (hit-for-miss).

export type FlightRole =
  /** Ran the fill that others could join. */
  | 'filler'
  /** Got the filler's result. */
  | 'waiter'
  /** Filled by itself: the wait timed out, the filler failed, or the key is in error backoff. */
  | 'solo';

export interface FlightResult<T> {
  value: T;
  role: FlightRole;
}

export interface SingleFlightOptions {
  /** Longest a waiter waits for the filler before filling by itself. */
  maxWaitMs: number;
  /** After a failed/unshareable fill, calls for the key skip coalescing this long. Default 1000. */
  errorBackoffMs?: number;
  now?: () => number;
}

type Settled<T> = { ok: true; value: T } | { ok: false };

interface Flight<T> {
  readonly waiters: Set<(settled: Settled<T>) => void>;
}

export class SingleFlight {
  readonly #maxWaitMs: number;
  readonly #errorBackoffMs: number;
  readonly #now: () => number;
  readonly #flights = new Map<string, Flight<unknown>>();
  readonly #backoffUntil = new Map<string, number>();

  constructor(options: SingleFlightOptions) {
    if (!(options.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must not be negative');
    this.#maxWaitMs = options.maxWaitMs;
    this.#errorBackoffMs = options.errorBackoffMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Number of keys with a fill in flight (for tests and metrics). */
  get inFlight(): number {
    return this.#flights.size;
  }

  /**
   * Runs `fill` once for all concurrent callers of `key`. `shareable(value)` says whether waiters may
   * take the value (e.g. false for an uncacheable upstream answer that only its caller can use).
   */
  async run<T>(
    key: string,
    fill: () => Promise<T>,
    shareable: (value: T) => boolean = () => true,
  ): Promise<FlightResult<T>> {
    if (this.#inBackoff(key)) return { value: await fill(), role: 'solo' };
    const existing = this.#flights.get(key) as Flight<T> | undefined;
    if (existing !== undefined) return this.#wait(existing, fill);

    const flight: Flight<T> = { waiters: new Set() };
    this.#flights.set(key, flight as Flight<unknown>);
    const release = (settled: Settled<T>) => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
      if (!settled.ok) this.#startBackoff(key);
      for (const waiter of flight.waiters) waiter(settled);
      flight.waiters.clear();
    };
    let value: T;
    try {
      value = await fill();
    } catch (err) {
      release({ ok: false });
      throw err;
    }
    release(shareable(value) ? { ok: true, value } : { ok: false });
    return { value, role: 'filler' };
  }

  #wait<T>(flight: Flight<T>, fill: () => Promise<T>): Promise<FlightResult<T>> {
    return new Promise<Settled<T>>((resolve) => {
      const timer = setTimeout(() => {
        flight.waiters.delete(done);
        resolve({ ok: false });
      }, this.#maxWaitMs);
      const done = (settled: Settled<T>) => {
        clearTimeout(timer);
        resolve(settled);
      };
      flight.waiters.add(done);
    }).then(async (settled) =>
      settled.ok
        ? { value: settled.value, role: 'waiter' as const }
        : { value: await fill(), role: 'solo' as const },
    );
  }

  #inBackoff(key: string): boolean {
    const until = this.#backoffUntil.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#backoffUntil.delete(key);
    return false;
  }

  #startBackoff(key: string): void {
    if (this.#errorBackoffMs <= 0) return;
    const now = this.#now();
    // Bounded: expired marks are dropped whenever the map grows large.
    if (this.#backoffUntil.size >= 10_000) {
      for (const [k, until] of this.#backoffUntil) if (until <= now) this.#backoffUntil.delete(k);
    }
    this.#backoffUntil.set(key, now + this.#errorBackoffMs);
  }
}
