// snapshot-stream: values flow one at a time (backpressure), early stop rolls the transaction back
// and waits for it, producer errors reach the consumer, and the setup statements run first.
import { describe, expect, it } from 'vitest';
import type { SqlDatabase, SqlExecutor } from '../../../src/core/sql-port.js';
import { SNAPSHOT_SETUP, streamInSnapshot } from '../../../src/prescriptions/snapshot-stream.js';

function fakeDatabase() {
  const log: string[] = [];
  const db: SqlDatabase = {
    query: () => Promise.reject(new Error('use a transaction')),
    close: () => Promise.resolve(),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      log.push('BEGIN');
      const tx: SqlExecutor = {
        query: async (text) => {
          log.push(text);
          return { rows: [], rowCount: 0 };
        },
      };
      try {
        const result = await fn(tx);
        log.push('COMMIT');
        return result;
      } catch (err) {
        log.push('ROLLBACK');
        throw err;
      }
    },
  };
  return { db, log };
}

describe('streamInSnapshot', () => {
  it('runs the setup first, yields every value in order and commits', async () => {
    const { db, log } = fakeDatabase();
    const got: number[] = [];
    for await (const v of streamInSnapshot<number>(db, async (tx, emit) => {
      await tx.query('SELECT 1');
      for (const n of [1, 2, 3]) await emit(n);
    })) {
      got.push(v);
    }
    expect(got).toEqual([1, 2, 3]);
    expect(log).toEqual(['BEGIN', ...SNAPSHOT_SETUP, 'SELECT 1', 'COMMIT']);
  });

  it('lets the producer run ahead by one value at most', async () => {
    const { db } = fakeDatabase();
    let emitted = 0;
    const stream = streamInSnapshot<number>(db, async (_tx, emit) => {
      for (let n = 0; n < 5; n++) {
        emitted += 1;
        await emit(n);
      }
    });
    expect((await stream.next()).value).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(emitted).toBe(1);
    expect((await stream.next()).value).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(emitted).toBe(2);
    await stream.return(undefined);
  });

  it('rolls back and waits for the transaction when the consumer stops early', async () => {
    const { db, log } = fakeDatabase();
    let producerSawStop = false;
    const stream = streamInSnapshot<number>(db, async (_tx, emit) => {
      try {
        for (let n = 0; ; n++) await emit(n);
      } catch (err) {
        producerSawStop = true;
        throw err;
      }
    });
    for await (const v of stream) if (v === 1) break;
    expect(producerSawStop).toBe(true);
    expect(log.at(-1)).toBe('ROLLBACK');
  });

  it('hands a producer error to the consumer after the values before it', async () => {
    const { db, log } = fakeDatabase();
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of streamInSnapshot<number>(db, async (_tx, emit) => {
          await emit(7);
          throw new Error('boom');
        })) {
          got.push(v);
        }
      })(),
    ).rejects.toThrow('boom');
    expect(got).toEqual([7]);
    expect(log.at(-1)).toBe('ROLLBACK');
  });

  it('ends cleanly when nothing is emitted', async () => {
    const { db } = fakeDatabase();
    const got: unknown[] = [];
    for await (const v of streamInSnapshot(db, async () => undefined)) got.push(v);
    expect(got).toEqual([]);
  });
});
