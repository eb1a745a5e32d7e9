import { describe, expect, it } from 'vitest';
import { buildCachedEntry, spliceTimestamps } from '../../../src/core/cache-port.js';
import { entryRenderer, MAX_TIMESTAMP_BYTES } from '../../../src/pipeline/executors/answer-body.js';
import { utcTimestamps } from '../../../src/prescriptions/spliced-body.js';

const entry = buildCachedEntry(
  {
    status: 200,
    contentType: 'application/json; charset=utf-8',
    segments: [
      Buffer.from('{"prescriptions":[{"id":2,"deliveryTimestamp":"'),
      Buffer.from('"},{"id":1,"deliveryTimestamp":"'),
      Buffer.from('"}],"totalCount":2,"responseTimestamp":"'),
      Buffer.from('"}'),
    ],
  },
  { epoch: 1, storedAtMs: 0, ttlMs: 1000, staleKeepMs: 0 },
);

/** A tick clock stepping from a fixed instant: 2025-11-04T09:41:12.3456781Z, then +1234 ticks per read. */
function steppingClock(): () => bigint {
  let ticks = 17622492723456781n;
  return () => (ticks += 1234n) - 1234n;
}

describe('entryRenderer (a cache hit rendered into the writer buffer)', () => {
  it('writes the same bytes as the splice rule with the clock’s timestamps, response timestamp last', () => {
    const target = Buffer.alloc(4096, 0x7e);
    const length = entryRenderer(entry, steppingClock()).renderInto(target);
    const next = utcTimestamps(steppingClock());
    const expected = Buffer.concat(spliceTimestamps(entry, [next(), next(), next()]));
    expect(target.subarray(0, length).toString()).toBe(expected.toString());
    const body = JSON.parse(target.subarray(0, length).toString()) as {
      prescriptions: { deliveryTimestamp: string }[];
      responseTimestamp: string;
    };
    expect(body.prescriptions[0]?.deliveryTimestamp).toBe('2025-11-04T09:41:12.3456781Z');
    expect(body.responseTimestamp).toBe('2025-11-04T09:41:12.3459249Z');
    expect(target[length]).toBe(0x7e); // nothing written past the returned length
  });

  it('maxBytes bounds the body for the longest timestamps', () => {
    const renderer = entryRenderer(entry, () => 17622492723456781n);
    const stable = entry.segments.reduce((n, s) => n + s.length, 0);
    expect(renderer.maxBytes).toBe(stable + 3 * MAX_TIMESTAMP_BYTES);
    expect(renderer.renderInto(Buffer.alloc(renderer.maxBytes))).toBe(renderer.maxBytes);
  });

  it('refuses a target smaller than maxBytes instead of truncating', () => {
    const renderer = entryRenderer(entry, steppingClock());
    expect(() => renderer.renderInto(Buffer.alloc(renderer.maxBytes - 1))).toThrow(RangeError);
  });

  it('reads the clock when rendered, not when created', () => {
    let reads = 0;
    const renderer = entryRenderer(entry, () => {
      reads += 1;
      return 17622492723456781n + BigInt(reads);
    });
    expect(reads).toBe(0);
    renderer.renderInto(Buffer.alloc(renderer.maxBytes));
    expect(reads).toBe(3);
  });
});
