import { describe, expect, it } from 'vitest';
import { buildCachedEntry, entryEtag, slotCount } from '../../../src/core/cache-port.js';

const ct = 'application/json; charset=utf-8';
const segments = [
  Buffer.from('{"prescriptions":[{"id":2,"deliveryTimestamp":"'),
  Buffer.from('"},{"id":1,"deliveryTimestamp":"'),
  Buffer.from('"}],"totalCount":2,"responseTimestamp":"'),
  Buffer.from('"}'),
];

describe('cached entry splice design', () => {
  const entry = buildCachedEntry(
    { status: 200, contentType: ct, segments },
    { epoch: 5, storedAtMs: 1000, ttlMs: 300_000, staleKeepMs: 10_000 },
  );

  it('stores the segments in one exact-size allocation, detached from the filler buffers', () => {
    const big = Buffer.alloc(64 * 1024, 'x');
    big.write('{"a":"', 0, 'latin1');
    const views = [big.subarray(0, 6), big.subarray(6, 9)];
    const e = buildCachedEntry(
      { status: 200, contentType: ct, segments: views },
      { epoch: 1, storedAtMs: 0, ttlMs: 1, staleKeepMs: 0 },
    );
    expect(e.segments.map((seg) => seg.toString())).toEqual(['{"a":"', 'xxx']);
    expect(e.segments[0]?.buffer.byteLength).toBe(9);
    big.fill('y');
    expect(e.segments[1]?.toString()).toBe('xxx');
  });

  it('has one timestamp slot between each two segments', () => {
    expect(slotCount(entry)).toBe(3);
  });

  it('computes times from ttl and stale bound', () => {
    expect(entry.freshUntilMs).toBe(301_000);
    expect(entry.keepUntilMs).toBe(311_000);
    expect(entry.epoch).toBe(5);
    expect(Object.isFrozen(entry)).toBe(true);
  });

  it('has a strong ETag over the stable bytes that ignores timestamps but not splice positions', () => {
    expect(entry.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(entryEtag(ct, segments)).toBe(entry.etag);
    const moved = [
      Buffer.from('{"prescriptions":[{"id":2,"deliveryTimestamp"'),
      Buffer.from(':"'),
      ...segments.slice(1),
    ];
    expect(entryEtag(ct, moved)).not.toBe(entry.etag);
    expect(entryEtag('text/json; charset=utf-8', segments)).not.toBe(entry.etag);
  });

  it('accepts only 200 responses with a body', () => {
    const times = { epoch: 1, storedAtMs: 0, ttlMs: 1, staleKeepMs: 0 };
    expect(() => buildCachedEntry({ status: 500 as 200, contentType: ct, segments }, times)).toThrow(
      RangeError,
    );
    expect(() => buildCachedEntry({ status: 200, contentType: ct, segments: [] }, times)).toThrow(RangeError);
  });
});
