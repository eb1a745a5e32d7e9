import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../../src/adapters/cache/single-flight.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SingleFlight', () => {
  it('runs one fill for 50 concurrent misses of one key', async () => {
    const flight = new SingleFlight({ maxWaitMs: 5000 });
    let fills = 0;
    const fill = async () => {
      fills += 1;
      await sleep(20);
      return 'body';
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => flight.run('k', fill)));
    expect(fills).toBe(1);
    expect(results.every((r) => r.value === 'body')).toBe(true);
    expect(results.filter((r) => r.role === 'filler')).toHaveLength(1);
    expect(results.filter((r) => r.role === 'waiter')).toHaveLength(49);
    expect(flight.inFlight).toBe(0);
  });

  it('does not coalesce different keys', async () => {
    const flight = new SingleFlight({ maxWaitMs: 5000 });
    let fills = 0;
    const fill = async () => {
      fills += 1;
      await sleep(5);
      return fills;
    };
    await Promise.all([flight.run('a', fill), flight.run('b', fill)]);
    expect(fills).toBe(2);
  });

  it('a filler error rejects only the filler; waiters fill themselves at once; nothing is cached', async () => {
    const flight = new SingleFlight({ maxWaitMs: 10_000, errorBackoffMs: 0 });
    let calls = 0;
    const failing = async () => {
      calls += 1;
      await sleep(20);
      throw new Error('origin down');
    };
    const own = async () => {
      calls += 1;
      return 'own';
    };
    const started = Date.now();
    const filler = flight.run('k', failing);
    const waiters = Array.from({ length: 5 }, () => flight.run('k', own));
    await expect(filler).rejects.toThrow('origin down');
    const results = await Promise.all(waiters);
    expect(Date.now() - started).toBeLessThan(1000); // not stalled until maxWaitMs
    expect(results.every((r) => r.value === 'own' && r.role === 'solo')).toBe(true);
    expect(calls).toBe(6);
    // the error is not remembered as a value: the next call fills again
    expect((await flight.run('k', async () => 'fresh')).value).toBe('fresh');
  });

  it('skips coalescing for a key in error backoff (hit-for-miss)', async () => {
    const flight = new SingleFlight({ maxWaitMs: 10_000, errorBackoffMs: 60_000 });
    await expect(flight.run('k', () => Promise.reject(new Error('x')))).rejects.toThrow();
    let fills = 0;
    const fill = async () => {
      fills += 1;
      await sleep(5);
      return 'v';
    };
    const results = await Promise.all([flight.run('k', fill), flight.run('k', fill)]);
    expect(fills).toBe(2);
    expect(results.map((r) => r.role)).toEqual(['solo', 'solo']);
  });

  it('an unshareable result goes only to its filler; waiters fill themselves', async () => {
    const flight = new SingleFlight({ maxWaitMs: 10_000 });
    const filler = flight.run(
      'k',
      async () => {
        await sleep(10);
        return 'private-500';
      },
      (v) => v !== 'private-500',
    );
    const waiter = flight.run(
      'k',
      async () => 'mine',
      (v) => v !== 'private-500',
    );
    expect((await filler).value).toBe('private-500');
    expect(await waiter).toEqual({ value: 'mine', role: 'solo' });
  });

  it('bounds the wait: after maxWaitMs a waiter fills by itself', async () => {
    const flight = new SingleFlight({ maxWaitMs: 50 });
    let release!: (v: string) => void;
    const stuck = flight.run('k', () => new Promise<string>((resolve) => (release = resolve)));
    const started = Date.now();
    // Would never settle if the wait were unbounded: the filler only finishes when released below.
    const waiter = await flight.run('k', async () => 'impatient');
    expect(waiter).toEqual({ value: 'impatient', role: 'solo' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    release('slow');
    expect((await stuck).value).toBe('slow');
  });
});
