// Turns a fast answer (spliced chunks) into the response body stream, or a cached entry (segments) into a
// body the writer renders, with fresh UTC "now" timestamps in every slot (item deliveryTimestamps first,
// responseTimestamp last). Never a plain Buffer: the legacy sends its bodies chunked, without
// Content-Length, and so do we (a Buffer body gets a Content-Length from the writer).
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
 * The chunks rendered as they come. A single-use chunk stream (a large page holding a REPEATABLE READ
 * transaction) is closed whenever the body is destroyed — also before its first read, which a generator
 * wrapper would not do (a never-started generator's return() skips its body).
 */
export function answerBody(
  chunks: readonly SplicedChunk[] | AsyncIterable<SplicedChunk>,
  clock: TickClock,
): Readable {
  const next = utcTimestamps(clock);
  if (Array.isArray(chunks)) {
    const rendered = (chunks as readonly SplicedChunk[]).map((chunk) => renderSplicedChunk(chunk, next));
    return Readable.from(rendered, { objectMode: false });
  }
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
 * A stored entry with fresh timestamps, rendered by the response writer straight into its (reused) buffer:
 * one copy of the stable segments, timestamps written in place, nothing re-serialised, no per-response
 * allocation of the body. The clock is read when the writer renders, i.e. right before the bytes are sent.
 */
export function entryRenderer(entry: CacheableResponse, clock: TickClock): RenderedBody {
  const { segments } = entry;
  const slots = slotCount(entry);
  let stableBytes = 0;
  for (const segment of segments) stableBytes += segment.length;
  return {
    kind: 'rendered',
    maxBytes: stableBytes + slots * MAX_TIMESTAMP_BYTES,
    renderInto(target: Buffer): number {
      if (target.length < stableBytes + slots * MAX_TIMESTAMP_BYTES) {
        throw new RangeError('entryRenderer: target buffer is smaller than maxBytes');
      }
      const writeTimestamp = utcTimestampWriter(clock);
      let at = 0;
      for (let i = 0; i < segments.length; i++) {
        at += (segments[i] as Buffer).copy(target, at);
        // The clock is read for every CLOCK_READ_EVERY-th slot and for the response timestamp (last).
        if (i < slots) at += writeTimestamp(target, at, i % CLOCK_READ_EVERY === 0 || i === slots - 1);
      }
      return at;
    },
  };
}
