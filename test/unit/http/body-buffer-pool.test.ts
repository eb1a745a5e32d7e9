import { describe, expect, it } from 'vitest';
import { createBodyBufferPool } from '../../../src/adapters/http/body-buffer-pool.js';

describe('body buffer pool', () => {
  it('hands out buffers of at least the asked size, in power-of-two classes from the smallest class', () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024 });
    expect(pool.acquire(1).length).toBe(1024);
    expect(pool.acquire(1024).length).toBe(1024);
    expect(pool.acquire(1025).length).toBe(2048);
    expect(pool.acquire(5000).length).toBe(8192);
  });

  it('above 1 MiB rounds up to whole MiB instead of the next power of two', () => {
    const pool = createBodyBufferPool();
    const mib = 1024 * 1024;
    expect(pool.acquire(mib).length).toBe(mib);
    expect(pool.acquire(mib + 1).length).toBe(2 * mib);
    expect(pool.acquire(11 * mib + 5).length).toBe(12 * mib);
  });

  it('reuses a released buffer of the same class and never one still lent out', () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024 });
    const a = pool.acquire(1000);
    const b = pool.acquire(1000);
    expect(b.buffer).not.toBe(a.buffer);
    pool.release(a);
    expect(pool.retainedBytes()).toBe(1024);
    const c = pool.acquire(900);
    expect(c.buffer).toBe(a.buffer);
    expect(pool.retainedBytes()).toBe(0);
    expect(pool.acquire(900).buffer).not.toBe(c.buffer);
  });

  it('ignores a double release and buffers it did not lend', () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024 });
    const a = pool.acquire(10);
    pool.release(a);
    pool.release(a);
    pool.release(Buffer.allocUnsafeSlow(1024));
    expect(pool.retainedBytes()).toBe(1024);
    const first = pool.acquire(10);
    const second = pool.acquire(10);
    expect(second.buffer).not.toBe(first.buffer);
  });

  it('retains at most maxRetainedBytes; 0 disables pooling', () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024, maxRetainedBytes: 2048 });
    const lent = [pool.acquire(1), pool.acquire(1), pool.acquire(1)];
    for (const b of lent) pool.release(b);
    expect(pool.retainedBytes()).toBe(2048);
    const off = createBodyBufferPool({ maxRetainedBytes: 0 });
    off.release(off.acquire(1));
    expect(off.retainedBytes()).toBe(0);
  });

  it('never hands out a view into a shared slab', () => {
    const pool = createBodyBufferPool({ minClassBytes: 64 });
    const b = pool.acquire(10);
    expect(b.byteOffset).toBe(0);
    expect(b.buffer.byteLength).toBe(b.length);
  });

  it('rejects nonsense options', () => {
    expect(() => createBodyBufferPool({ maxRetainedBytes: -1 })).toThrow(RangeError);
    expect(() => createBodyBufferPool({ minClassBytes: 0 })).toThrow(RangeError);
  });
});
