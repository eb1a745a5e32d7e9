// Turns a fast answer (spliced chunks) or a cached entry (segments) into a body the response writer renders
// into its reused buffer (a large, streamed page: into a body stream), with fresh UTC "now" timestamps in
// every slot (item deliveryTimestamps first, responseTimestamp last). Never a plain Buffer: the legacy sends
// its bodies chunked, without Content-Length, and so do we (a Buffer body gets a Content-Length).
import { Readable } from 'node:stream';
import { slotCount, type CacheableResponse } from '../../core/cache-port.js';
import type { RenderedBody } from '../../core/outcome.js';
import {
  MAX_TIMESTAMP_BYTES,
  renderSplicedChunk,
  utcTimestampWriter,
  utcTimestamps,
  type SplicedChunk,
} from '../../prescriptions/spliced-body.js';

/** One value per clock read, strictly increasing (core/stj-datetime createUtcClock). */
export type TickClock = () => bigint;

/**
 * The body of a fast answer. A complete one (an array: pages up to one statement, statusuuid, string
 * errors) is rendered by the response writer into its reused buffer (chunksRenderer), like a cache hit: a
 * 1000-item page is ~3.8 MB, and allocating it twice per response (chunks, then rendered copies) made
 * the garbage collector a sixth of the answer's cost. A stream (a larger page) is rendered chunk by chunk
 * as it comes; that single-use stream (holding a REPEATABLE READ transaction) is closed whenever the body
 * is destroyed — also before its first read, which a generator wrapper would not do (a never-started
 * generator's return() skips its body).
 */
export function answerBody(
  chunks: readonly SplicedChunk[] | AsyncIterable<SplicedChunk>,
  clock: TickClock,
): Readable | RenderedBody {
  if (Array.isArray(chunks)) return chunksRenderer(chunks as readonly SplicedChunk[], clock);
  const next = utcTimestamps(clock);
  const source = (chunks as AsyncIterable<SplicedChunk>)[Symbol.asyncIterator]();
  const iterator: AsyncIterableIterator<Buffer> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const result = await source.next();
      return result.done
        ? { done: true, value: undefined }
        : { done: false, value: renderSplicedChunk(result.value, next) };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
  return Readable.from(iterator, { objectMode: false });
}

/**
 * Slots between two clock reads of a rendered hit; in between, timestamps advance one tick (100 ns) each.
 * Writing 64 timestamps takes ~10–20 µs, so no item timestamp is further than that from its clock value.
 */
const CLOCK_READ_EVERY = 64;

/**
 * Writes the timestamp of slot `i` of `slots`: the clock is read for every CLOCK_READ_EVERY-th slot and for
 * the response timestamp (the last); in between, each continues one tick after the previous one.
 */
function slotStamper(clock: TickClock, slots: number): (target: Buffer, at: number, i: number) => number {
  const writeTimestamp = utcTimestampWriter(clock);
  return (target, at, i) => writeTimestamp(target, at, i % CLOCK_READ_EVERY === 0 || i === slots - 1);
}

/**
 * A body of `stableBytes` plus `slots` timestamps, rendered by the response writer straight into its
 * (reused) buffer; `render` copies the stable bytes and calls `stamp(target, at, slot)` in slot order. The
 * clock is read when the writer renders, i.e. right before the bytes are sent.
 */
function slottedBody(
  stableBytes: number,
  slots: number,
  clock: TickClock,
  render: (target: Buffer, stamp: (target: Buffer, at: number, slot: number) => number) => number,
): RenderedBody {
  const maxBytes = stableBytes + slots * MAX_TIMESTAMP_BYTES;
  return {
    kind: 'rendered',
    maxBytes,
    renderInto(target: Buffer): number {
      if (target.length < maxBytes)
        throw new RangeError('rendered body: target buffer is smaller than maxBytes');
      return render(target, slotStamper(clock, slots));
    },
  };
}

/**
 * A stored entry with fresh timestamps: one copy of the stable segments, timestamps written in place,
 * nothing re-serialised, no per-response allocation of the body.
 */
export function entryRenderer(entry: CacheableResponse, clock: TickClock): RenderedBody {
  const { segments } = entry;
  const slots = slotCount(entry);
  let stableBytes = 0;
  for (const segment of segments) stableBytes += segment.length;
  return slottedBody(stableBytes, slots, clock, (target, stamp) => {
    let at = 0;
    for (let i = 0; i < segments.length; i++) {
      at += (segments[i] as Buffer).copy(target, at);
      if (i < slots) at += stamp(target, at, i);
    }
    return at;
  });
}

/** Freshly produced chunks rendered like a stored entry (see entryRenderer), timestamps in slot order. */
export function chunksRenderer(chunks: readonly SplicedChunk[], clock: TickClock): RenderedBody {
  let stableBytes = 0;
  let slots = 0;
  for (const chunk of chunks) {
    stableBytes += chunk.bytes.length;
    slots += chunk.slots.length;
  }
  return slottedBody(stableBytes, slots, clock, (target, stamp) => {
    let at = 0;
    let slot = 0;
    for (const { bytes, slots: offsets } of chunks) {
      let from = 0;
      for (const offset of offsets) {
        at += bytes.copy(target, at, from, offset);
        at += stamp(target, at, slot++);
        from = offset;
      }
      at += bytes.copy(target, at, from);
    }
    return at;
  });
}
