import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { buildCachedEntry } from '../../../src/core/cache-port.js';
import { isRenderedBody } from '../../../src/core/outcome.js';
import { answerBody, chunksRenderer, entryRenderer } from '../../../src/pipeline/executors/answer-body.js';
import { MAX_TIMESTAMP_BYTES, toCacheSegments } from '../../../src/prescriptions/spliced-body.js';

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
  it('splices a timestamp into every slot, response timestamp last and read from the clock', () => {
    const target = Buffer.alloc(4096, 0x7e);
    const length = entryRenderer(entry, steppingClock()).renderInto(target);
    // Slot 0 reads the clock, slot 1 continues one tick later, the last slot (response) reads it again.
    expect(target.subarray(0, length).toString()).toBe(
      '{"prescriptions":[{"id":2,"deliveryTimestamp":"2025-11-04T09:41:12.3456781Z"},' +
        '{"id":1,"deliveryTimestamp":"2025-11-04T09:41:12.3456782Z"}],"totalCount":2,' +
        '"responseTimestamp":"2025-11-04T09:41:12.3458015Z"}',
    );
    const body = JSON.parse(target.subarray(0, length).toString()) as {
      prescriptions: { deliveryTimestamp: string }[];
      responseTimestamp: string;
    };
    expect(body.prescriptions[0]?.deliveryTimestamp).toBe('2025-11-04T09:41:12.3456781Z');
    expect(body.responseTimestamp).toBe('2025-11-04T09:41:12.3458015Z');
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
    expect(reads).toBe(2); // the first slot and the response timestamp
  });

  it('reads the clock every 64 slots and for the last; timestamps strictly increase', () => {
    const slots = 200;
    const many = buildCachedEntry(
      {
        status: 200,
        contentType: 'application/json; charset=utf-8',
        segments: Array.from({ length: slots + 1 }, (_, i) =>
          Buffer.from(i === 0 ? '["' : i === slots ? '"]' : '","'),
        ),
      },
      { epoch: 1, storedAtMs: 0, ttlMs: 1000, staleKeepMs: 0 },
    );
    let reads = 0;
    // A clock that barely moves (1 tick per read): the writer must still never repeat or go back.
    const renderer = entryRenderer(many, () => 17622492723456781n + BigInt(reads++));
    const target = Buffer.alloc(renderer.maxBytes);
    const stamps = JSON.parse(target.subarray(0, renderer.renderInto(target)).toString()) as string[];
    expect(reads).toBe(Math.ceil(slots / 64) + 1);
    expect(stamps).toHaveLength(slots);
    const ticks = stamps.map(
      (t) => BigInt(Date.parse(t.slice(0, 19) + 'Z')) * 10_000n + BigInt(t.slice(20, -1).padEnd(7, '0')),
    );
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
  });
});

describe('chunksRenderer (a complete fast answer rendered into the writer buffer)', () => {
  const chunks = [
    { bytes: Buffer.from('{"a":[{"t":""},{"t":'), slots: [12] },
    { bytes: Buffer.from('""}],"r":""}'), slots: [1, 10] },
    { bytes: Buffer.from(''), slots: [] },
  ];

  it('splices the timestamps in slot order across chunk borders, response timestamp from the clock', () => {
    const renderer = chunksRenderer(chunks, steppingClock());
    const target = Buffer.alloc(renderer.maxBytes + 8, 0x7e);
    const length = renderer.renderInto(target);
    expect(target.subarray(0, length).toString()).toBe(
      '{"a":[{"t":"2025-11-04T09:41:12.3456781Z"},{"t":"2025-11-04T09:41:12.3456782Z"}],' +
        '"r":"2025-11-04T09:41:12.3458015Z"}',
    );
    expect(target[length]).toBe(0x7e);
  });

  it('is what the same chunks give as a cache entry, and refuses a short target', () => {
    const stable = chunks.reduce((n, c) => n + c.bytes.length, 0);
    const renderer = chunksRenderer(chunks, () => 17622492723456781n);
    expect(renderer.maxBytes).toBe(stable + 3 * MAX_TIMESTAMP_BYTES);
    const viaEntry = entryRenderer(
      buildCachedEntry(
        { status: 200, contentType: 'application/json', segments: toCacheSegments(chunks) },
        { epoch: 1, storedAtMs: 0, ttlMs: 1000, staleKeepMs: 0 },
      ),
      steppingClock(),
    );
    const a = Buffer.alloc(renderer.maxBytes);
    const b = Buffer.alloc(viaEntry.maxBytes);
    const n = chunksRenderer(chunks, steppingClock()).renderInto(a);
    expect(a.subarray(0, n)).toEqual(b.subarray(0, viaEntry.renderInto(b)));
    expect(() => renderer.renderInto(Buffer.alloc(renderer.maxBytes - 1))).toThrow(RangeError);
  });

  it('answerBody renders a complete answer this way and streams only a chunk stream', () => {
    expect(isRenderedBody(answerBody(chunks, steppingClock()))).toBe(true);
    async function* stream() {
      yield* chunks;
    }
    expect(answerBody(stream(), steppingClock())).toBeInstanceOf(Readable);
  });
});
