import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../../src/adapters/cache/circuit-breaker.js';
import { CircuitBreakerStore } from '../../../src/adapters/cache/circuit-breaker-store.js';
import { FakeCacheStore } from '../../fakes/fake-cache-store.js';
import { contractKey } from './cache-store-contract.js';

const fail = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then rejects without calling', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, now: () => now });
    const states: string[] = [];
    breaker.onStateChange((s) => states.push(s));
    for (let i = 0; i < 3; i += 1) await expect(breaker.run(fail)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    let called = false;
    await expect(
      breaker.run(async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    now += 999;
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(states).toEqual(['open']);
  });

  it('a success resets the failure count', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2 });
    await expect(breaker.run(fail)).rejects.toThrow();
    await breaker.run(ok);
    await expect(breaker.run(fail)).rejects.toThrow();
    expect(breaker.state).toBe('closed');
  });

  it('half-open: one probe at a time; success closes, failure reopens', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 100, now: () => now });
    await expect(breaker.run(fail)).rejects.toThrow();
    now += 100;
    let release!: () => void;
    const probe = breaker.run(() => new Promise<string>((r) => (release = () => r('probe'))));
    expect(breaker.state).toBe('half-open');
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    expect(await probe).toBe('probe');
    expect(breaker.state).toBe('closed');

    await expect(breaker.run(fail)).rejects.toThrow();
    now += 100;
    await expect(breaker.run(fail)).rejects.toThrow('boom'); // the probe fails
    expect(breaker.state).toBe('open');
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('CircuitBreakerStore rejects at once while open', async () => {
    const inner = new FakeCacheStore();
    inner.mode = 'fail';
    const store = new CircuitBreakerStore(
      inner,
      new CircuitBreaker({ failureThreshold: 2, coolDownMs: 60_000 }),
    );
    const key = contractKey('breaker');
    await expect(store.get(key)).rejects.toThrow('fake store failure');
    await expect(store.get(key)).rejects.toThrow('fake store failure');
    inner.calls.length = 0;
    await expect(store.get(key)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(inner.calls).toEqual([]);
  });
});
