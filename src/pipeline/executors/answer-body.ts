// Turns a fast answer (spliced chunks) or a cached entry (segments) into the response body stream, with
// fresh UTC "now" timestamps in every slot (item deliveryTimestamps first, responseTimestamp last). Always a
// stream, never a Buffer: the legacy sends its bodies chunked, without Content-Length, and so do we.
import { Readable } from 'node:stream';
import { slotCount, spliceTimestamps, type CacheableResponse } from '../../core/cache-port.js';
import {
  DEFAULT_CHUNK_BYTES,
  renderSplicedChunk,
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

/** A stored entry with fresh timestamps, written in pieces of about 64 KiB (one copy, no re-serialising). */
export function entryBody(entry: CacheableResponse, clock: TickClock): Readable {
  const next = utcTimestamps(clock);
  const stamps = Array.from({ length: slotCount(entry) }, () => next());
  const pieces = spliceTimestamps(entry, stamps);
  const out: Buffer[] = [];
  let group: Buffer[] = [];
  let size = 0;
  for (const piece of pieces) {
    group.push(piece);
    size += piece.length;
    if (size >= DEFAULT_CHUNK_BYTES) {
      out.push(Buffer.concat(group, size));
      group = [];
      size = 0;
    }
  }
  if (size > 0 || out.length === 0) out.push(Buffer.concat(group, size));
  return Readable.from(out, { objectMode: false });
}
