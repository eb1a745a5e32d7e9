// A response body as ~64 KB chunks of stable bytes plus "splice points" where a UTC-now timestamp
// goes (CONTRACT §7 Q16: per-item deliveryTimestamp, final responseTimestamp). The same chunks serve
// the live stream (rendered with the clock) and the cache (converted to CacheableResponse segments),
// so a cached body is re-emitted with fresh timestamps without re-serialising JSON. ASCII only.
import { Buffer } from 'node:buffer';
import { formatUtcTicks } from '../core/stj-datetime.js';
import { stjEscapedMaxBytes, stjEscapeInto, stjIsLiteral } from '../core/stj-json.js';

/** Stable body bytes with slots: byte offsets into `bytes` (ascending) where a timestamp is inserted. */
export interface SplicedChunk {
  readonly bytes: Buffer;
  readonly slots: readonly number[];
}

export const DEFAULT_CHUNK_BYTES = 64 * 1024;

/** Kept bytes at least this long become chunks of their own instead of being copied (writeBytes). */
const SHARED_CHUNK_MIN_BYTES = 512;

/**
 * Accumulates ASCII text and slots into chunks of about `targetBytes`. Writes go straight into a
 * Buffer (no string concatenation churn); consecutive chunks share one buffer (a chunk is a view of it,
 * immutable once sealed), and a new buffer is taken only when the free space is too small. Kept
 * literals (writeBytes) are not copied at all: they become chunks of their own.
 */
export class SplicedChunkBuilder {
  readonly #targetBytes: number;
  #buf: Buffer;
  /** Where the current (unsealed) chunk starts in #buf. */
  #start = 0;
  #pos = 0;
  /** Slots of the current chunk, relative to #start. */
  #slots: number[] = [];
  #ready: SplicedChunk[] = [];

  constructor(targetBytes: number = DEFAULT_CHUNK_BYTES) {
    if (!(targetBytes >= 256)) throw new RangeError('targetBytes must be at least 256');
    this.#targetBytes = targetBytes;
    this.#buf = Buffer.allocUnsafe(targetBytes);
  }

  /** Appends text whose characters are all < U+0080 (escaped JSON; not checked). */
  write(ascii: string): void {
    const n = ascii.length;
    this.#reserve(n);
    this.#buf.write(ascii, this.#pos, n, 'latin1');
    this.#pos += n;
    if (this.#pos - this.#start >= this.#targetBytes) this.#seal();
  }

  /**
   * Appends bytes that are ASCII already (not checked) and never change, e.g. a JSON literal kept from an
   * earlier answer: short ones are copied, longer ones become a chunk of their own, shared, not copied.
   */
  writeBytes(bytes: Buffer): void {
    const n = bytes.length;
    if (n < SHARED_CHUNK_MIN_BYTES) {
      this.#reserve(n);
      bytes.copy(this.#buf, this.#pos);
      this.#pos += n;
      if (this.#pos - this.#start >= this.#targetBytes) this.#seal();
      return;
    }
    this.#seal();
    this.#ready.push({ bytes, slots: [] });
  }

  /**
   * Appends `s` as a JSON string literal as System.Text.Json writes it (or `null`), escaped straight into
   * the chunk: a page of 3000 items carries ~11 MB of XML, and an escaped copy plus the quoted
   * concatenation of each were the largest garbage of a list answer.
   */
  writeJsonString(s: string | null | undefined): void {
    if (s === null || s === undefined) {
      this.write('null');
      return;
    }
    if (stjIsLiteral(s)) {
      this.write('"' + s + '"');
      return;
    }
    this.#reserve(stjEscapedMaxBytes(s) + 2);
    const buf = this.#buf;
    buf[this.#pos] = 0x22;
    const end = stjEscapeInto(s, buf, this.#pos + 1);
    buf[end] = 0x22;
    this.#pos = end + 1;
    if (this.#pos - this.#start >= this.#targetBytes) this.#seal();
  }

  /** Marks a timestamp slot at the current position. */
  slot(): void {
    this.#slots.push(this.#pos - this.#start);
  }

  /** Chunks completed since the last call (the current partial chunk stays). */
  drain(): SplicedChunk[] {
    const out = this.#ready;
    this.#ready = [];
    return out;
  }

  /** Seals the partial chunk and returns every remaining chunk. */
  finish(): SplicedChunk[] {
    this.#seal();
    return this.drain();
  }

  /** Room for `n` more bytes of the current chunk: sealed and moved to a new buffer when they do not fit. */
  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    // An empty current chunk keeps its slots (all at its start) and moves along to the new buffer.
    if (this.#pos > this.#start) this.#seal();
    this.#buf = Buffer.allocUnsafe(Math.max(this.#targetBytes, n));
    this.#start = 0;
    this.#pos = 0;
  }

  #seal(): void {
    if (this.#pos === this.#start && this.#slots.length === 0) return;
    this.#ready.push({ bytes: this.#buf.subarray(this.#start, this.#pos), slots: this.#slots });
    this.#start = this.#pos;
    this.#slots = [];
  }
}

/** The chunk's bytes with `nextTimestamp()` inserted at each slot, in slot order. */
export function renderSplicedChunk(chunk: SplicedChunk, nextTimestamp: () => string): Buffer {
  const { bytes, slots } = chunk;
  if (slots.length === 0) return bytes;
  const stamps = slots.map(() => nextTimestamp());
  let total = bytes.length;
  for (const s of stamps) total += s.length;
  const out = Buffer.allocUnsafe(total);
  let from = 0;
  let at = 0;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    at += bytes.copy(out, at, from, slot);
    at += out.write(stamps[i]!, at, 'latin1');
    from = slot;
  }
  bytes.copy(out, at, from);
  return out;
}

const TICKS_PER_SECOND = 10_000_000n;

/** Longest UTC "now" text: `yyyy-MM-ddTHH:mm:ss.fffffffZ`. */
export const MAX_TIMESTAMP_BYTES = 28;

/**
 * Writes a tick value as bytes into `target` at `at`, exactly as formatUtcTicks writes it (returns the
 * byte count, at most MAX_TIMESTAMP_BYTES), but the `yyyy-MM-ddTHH:mm:ss` part is formatted once per
 * second: a 3000-item page has 3001 timestamps within a few milliseconds, and a full BigInt/Date
 * formatting (or a string) per timestamp cost more than the splice. One formatter per writer (its cache).
 */
function utcTicksFormatter(): (target: Buffer, at: number, ticks: bigint) => number {
  let second = -1n;
  const prefix = new Uint8Array(19);
  return (target, at, ticks) => {
    if (ticks < 0n) return target.write(formatUtcTicks(ticks), at, 'latin1');
    const s = ticks / TICKS_PER_SECOND;
    if (s !== second) {
      const text = formatUtcTicks(s * TICKS_PER_SECOND); // validates the range too
      for (let i = 0; i < 19; i++) prefix[i] = text.charCodeAt(i);
      second = s;
    }
    for (let i = 0; i < 19; i++) target[at + i] = prefix[i]!;
    let p = at + 19;
    let fraction = Number(ticks - s * TICKS_PER_SECOND);
    if (fraction !== 0) {
      let digits = 7;
      while (fraction % 10 === 0) {
        fraction /= 10;
        digits -= 1;
      }
      target[p] = 0x2e; // '.'
      for (let i = digits; i >= 1; i--) {
        target[p + i] = 0x30 + (fraction % 10);
        fraction = (fraction - (fraction % 10)) / 10;
      }
      p += digits + 1;
    }
    target[p] = 0x5a; // 'Z'
    return p + 1 - at;
  };
}

/** UTC-now texts from a tick clock (createUtcClock), one clock read each, as formatUtcTicks writes them. */
export function utcTimestamps(clock: () => bigint): () => string {
  const format = utcTicksFormatter();
  const scratch = Buffer.allocUnsafe(MAX_TIMESTAMP_BYTES);
  return () => scratch.toString('latin1', 0, format(scratch, 0, clock()));
}

/**
 * UTC-now texts written as bytes straight into `target` at `at` (a cache hit writes up to 3001 of them).
 * `fresh = false` lets the writer continue one tick after its previous value instead of reading the clock
 * (a clock read was a sixth of a hit's cost at 3001 slots); values stay strictly increasing within the
 * writer either way, and the caller reads the clock at least every few slots and for the last one (the
 * response timestamp), so no text is more than microseconds away from "now".
 */
export function utcTimestampWriter(
  clock: () => bigint,
): (target: Buffer, at: number, fresh?: boolean) => number {
  const format = utcTicksFormatter();
  let previous = -1n;
  return (target, at, fresh = true) => {
    let ticks = fresh || previous < 0n ? clock() : previous + 1n;
    if (ticks <= previous) ticks = previous + 1n;
    previous = ticks;
    return format(target, at, ticks);
  };
}

/** Renders chunks as they come; every slot takes the next clock value, so timestamps increase. */
export async function* renderSplicedChunks(
  chunks: AsyncIterable<SplicedChunk> | Iterable<SplicedChunk>,
  nextTimestamp: () => string,
): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield renderSplicedChunk(chunk, nextTimestamp);
}

/**
 * The cache's representation (core/cache-port CacheableResponse.segments): the stable bytes cut at
 * every slot, so `segments.length === slots + 1`. Segments are views into the chunks where possible;
 * only a segment that spans a chunk boundary is copied.
 */
export function toCacheSegments(chunks: Iterable<SplicedChunk>): Buffer[] {
  const segments: Buffer[] = [];
  let pending: Buffer[] = [];
  const close = () => {
    segments.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
    pending = [];
  };
  for (const { bytes, slots } of chunks) {
    let from = 0;
    for (const slot of slots) {
      pending.push(bytes.subarray(from, slot));
      close();
      from = slot;
    }
    if (from < bytes.length) pending.push(bytes.subarray(from));
  }
  if (pending.length === 0) pending.push(Buffer.alloc(0));
  close();
  return segments;
}

/** Collects an async chunk stream (for a cache fill, which needs the whole body). */
export async function collectChunks(chunks: AsyncIterable<SplicedChunk>): Promise<SplicedChunk[]> {
  const all: SplicedChunk[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}
