// A circuit breaker for the shared cache: after `failureThreshold` consecutive failures it opens and
// rejects at once (no I/O, no wait) for `coolDownMs`; then one probe call decides (half-open).
import { EdgeError } from '../../errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitOpenError extends EdgeError {
  constructor() {
    super('EDGE_CACHE_UNAVAILABLE', 'Shared cache skipped: circuit breaker open');
    this.name = 'CircuitOpenError';
  }
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** How long the breaker stays open before a probe. Default 2000 ms. */
  coolDownMs?: number;
  now?: () => number;
}

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<(state: BreakerState) => void>();
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 3;
    this.#coolDownMs = options.coolDownMs ?? 2000;
    this.#now = options.now ?? Date.now;
    if (!(this.#threshold >= 1)) throw new RangeError('failureThreshold must be at least 1');
    if (!(this.#coolDownMs >= 0)) throw new RangeError('coolDownMs must not be negative');
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Notified on every state change (metrics; epoch re-sync when the shared cache is back). */
  onStateChange(listener: (state: BreakerState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    let probe = false;
    if (this.#state === 'open') {
      if (this.#now() - this.#openedAt < this.#coolDownMs || this.#probing) throw new CircuitOpenError();
      this.#transition('half-open');
    }
    if (this.#state === 'half-open') {
      if (this.#probing) throw new CircuitOpenError();
      this.#probing = true;
      probe = true;
    }
    try {
      const result = await operation();
      this.#succeeded();
      return result;
    } catch (err) {
      this.#failed(probe);
      throw err;
    } finally {
      if (probe) this.#probing = false;
    }
  }

  #succeeded(): void {
    this.#failures = 0;
    if (this.#state !== 'closed') this.#transition('closed');
  }

  #failed(probe: boolean): void {
    this.#failures += 1;
    if (probe || (this.#state === 'closed' && this.#failures >= this.#threshold)) {
      this.#openedAt = this.#now();
      this.#transition('open');
    }
  }

  #transition(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}
