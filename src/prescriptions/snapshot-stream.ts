// Turns work that runs inside one database transaction into a pull-based async iterable, so a large
// page can be read in several statements from one REPEATABLE READ snapshot while the consumer (the
// HTTP response) applies backpressure. The transaction stays open until the consumer finishes or
// stops; stopping early rolls it back. Holds at most one produced value at a time.
import type { SqlDatabase, SqlExecutor } from '../core/sql-port.js';

/**
 * Session settings of every fast-path transaction (PERFORMANCE-NOTES): JIT compilation would cost more
 * than the queries (their plan costs exceed jit_above_cost), parallel workers made counts 2.5–7× slower
 * on 2 cores, ISO DateStyle makes date/time text exactly what the writer expects, and prepared statements
 * are planned for their actual parameters (force_custom_plan; they save the parse). Transaction-local,
 * so pooled connections and the legacy are unaffected.
 */
export const FAST_PATH_SETTINGS_SQL =
  "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true), " +
  "set_config('DateStyle', 'ISO, MDY', true), set_config('plan_cache_mode', 'force_custom_plan', true)";

/** Statements run first in the snapshot transaction: one snapshot, read-only, fast-path settings. */
export const SNAPSHOT_SETUP: readonly string[] = Object.freeze([
  'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY',
  FAST_PATH_SETTINGS_SQL,
]);

class ConsumerGone extends Error {
  constructor() {
    super('the consumer stopped reading');
    this.name = 'ConsumerGone';
  }
}

/**
 * Runs `produce(tx, emit)` in a transaction and yields every emitted value. `emit` resolves when the
 * consumer has taken the value (and asks for the next) and rejects once the consumer has stopped.
 * An error of `produce` (or of BEGIN/COMMIT) is thrown to the consumer.
 */
export async function* streamInSnapshot<T>(
  db: SqlDatabase,
  produce: (tx: SqlExecutor, emit: (value: T) => Promise<void>) => Promise<void>,
): AsyncGenerator<T> {
  let slot: { value: T } | undefined;
  let consumerGone = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;

  const signalConsumer = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };

  const emit = (value: T): Promise<void> => {
    if (consumerGone) return Promise.reject(new ConsumerGone());
    slot = { value };
    signalConsumer();
    return new Promise<void>((resolve, reject) => {
      wakeProducer = () => (consumerGone ? reject(new ConsumerGone()) : resolve());
    });
  };

  const work = db
    .transaction(async (tx) => {
      for (const statement of SNAPSHOT_SETUP) await tx.query(statement);
      await produce(tx, emit);
    })
    .then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof ConsumerGone)) failure = { error };
      },
    )
    .finally(() => {
      finished = true;
      signalConsumer();
    });

  try {
    for (;;) {
      if (slot === undefined && !finished) {
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
      }
      if (slot !== undefined) {
        const { value } = slot;
        slot = undefined;
        yield value;
        const wake = wakeProducer;
        wakeProducer = undefined;
        wake?.();
        continue;
      }
      if (failure !== undefined) throw failure.error;
      return;
    }
  } finally {
    consumerGone = true;
    const wake = wakeProducer;
    wakeProducer = undefined;
    wake?.();
    await work;
  }
}
