// The cache port: what a cached response is, the store interface every tier implements, and the
// read-only views of invalidation state (epochs, bypass) the cache facade consumes. No I/O here.
import { createHash } from 'node:crypto';

/**
 * A cacheable answer as a filler produces it. The body is stored as *stable* segments; between two
 * consecutive segments exactly one "now" timestamp is spliced in when the body is written
 * (CONTRACT §7 Q16: every V2 item has its own `deliveryTimestamp`, every response a
 * `responseTimestamp`). So `segments.length === slots + 1`; a body without volatile bytes is one
 * segment. Splice rule: the per-item timestamps come first, in increasing order, and the response
 * timestamp is the last slot; the splicer (pipeline/executors/answer-body entryRenderer) never
 * re-serialises JSON.
 */
export interface CacheableResponse {
  readonly status: 200;
  /** The Content-Type the origin would send, e.g. `application/json; charset=utf-8`. */
  readonly contentType: string;
  readonly segments: readonly Buffer[];
}

/** A stored response. Immutable by contract: stores may hand the same object to several readers. */
export interface CachedEntry extends CacheableResponse {
  /** Strong validator over contentType + stable segments (see `entryEtag`); quoted. */
  readonly etag: string;
  /** Epoch of the tenant read *before* the fill started (it is part of the key too). */
  readonly epoch: number;
  /** Wall-clock ms when the fill completed. */
  readonly storedAtMs: number;
  /** Served as fresh until this instant (storedAtMs + ttl). */
  readonly freshUntilMs: number;
  /** Kept (for bounded stale serving) until this instant; stores expire the entry here. */
  readonly keepUntilMs: number;
}

/**
 * Every cache tier (LRU, Redis, tiered, breaker, instrumentation, fakes) implements this. Stores
 * take the lifetime from `entry.keepUntilMs` (as undici's cache stores take `deleteAt` from the
 * value), so a backfill from L2 into L1 keeps the original expiry instead of restarting a TTL.
 * `get` never returns an entry past its `keepUntilMs`. Errors are allowed to reject; the tiered
 * store and the facade decide what an error means.
 */
export interface CacheStore {
  get(key: string): Promise<CachedEntry | undefined>;
  set(key: string, entry: CachedEntry): Promise<void>;
  delete(key: string): Promise<void>;
}

/** What the facade needs to know about a tenant's epoch. */
export interface EpochSnapshot {
  readonly epoch: number;
  /**
   * True when the epoch is the one all proxy instances agree on (read from / confirmed by Redis).
   * False while this instance has bumps Redis has not confirmed (Redis down, or a bump in flight):
   * then only the process-local tier may be used, because the shared tier could hold entries that
   * other instances wrote under the same number with a different history.
   */
  readonly shared: boolean;
}

export interface EpochReader {
  /** The tenant's current epoch; the first call for a tenant may load it (bounded wait). */
  current(tenantId: number): Promise<EpochSnapshot>;
  /** The epoch as known right now without waiting; undefined if never loaded. */
  peek(tenantId: number): EpochSnapshot | undefined;
}

/** Why a tenant must not be served from (or written to) the cache right now. */
export type BypassReason = 'not-watched' | 'listener-connecting' | 'listener-down' | 'triggers-unverified';

export interface BypassOracle {
  bypassReason(tenantId: number): BypassReason | undefined;
}

export function slotCount(entry: CacheableResponse): number {
  return Math.max(0, entry.segments.length - 1);
}

/**
 * Strong validator of the stable bytes: sha-256 over the content type and every segment with its
 * length (so the same bytes with the splice points elsewhere give a different tag), truncated to
 * 128 bits. Two responses with equal tags differ only in their "now" timestamps. If it is ever sent
 * on the wire it must be sent weak (`W/"…"`), because the full representation changes per response.
 */
export function entryEtag(contentType: string, segments: readonly Buffer[]): string {
  const hash = createHash('sha256');
  const u32 = Buffer.alloc(4);
  const ct = Buffer.from(contentType, 'utf8');
  u32.writeUInt32BE(ct.length);
  hash.update(u32).update(ct);
  u32.writeUInt32BE(segments.length);
  hash.update(u32);
  for (const segment of segments) {
    u32.writeUInt32BE(segment.length);
    hash.update(u32).update(segment);
  }
  return `"${hash.digest('base64url').slice(0, 22)}"`;
}

export interface EntryTimes {
  epoch: number;
  storedAtMs: number;
  ttlMs: number;
  /** Extra lifetime beyond ttlMs during which a stale copy may still be served (0 = none). */
  staleKeepMs: number;
}

/**
 * Completes a filler's response into an entry (computes the ETag; never re-serialises the body).
 * The segments are copied once into one exact-size allocation: the filler's buffers may be views
 * into larger (e.g. 64 KiB builder) buffers, which would make byte accounting of the LRU lie and
 * keep them alive; and a cached entry must not change if the filler reuses its buffers.
 */
export function buildCachedEntry(response: CacheableResponse, times: EntryTimes): CachedEntry {
  if (response.status !== 200) throw new RangeError('only 200 responses are cacheable');
  if (response.segments.length === 0) throw new RangeError('a cached body has at least one segment');
  const freshUntilMs = times.storedAtMs + times.ttlMs;
  return Object.freeze({
    status: 200,
    contentType: response.contentType,
    segments: Object.freeze(compactSegments(response.segments)),
    etag: entryEtag(response.contentType, response.segments),
    epoch: times.epoch,
    storedAtMs: times.storedAtMs,
    freshUntilMs,
    keepUntilMs: freshUntilMs + Math.max(0, times.staleKeepMs),
  });
}

function compactSegments(segments: readonly Buffer[]): Buffer[] {
  let total = 0;
  for (const segment of segments) total += segment.length;
  const backing = Buffer.allocUnsafeSlow(total); // unpooled: no shared slab kept alive
  const out: Buffer[] = [];
  let offset = 0;
  for (const segment of segments) {
    segment.copy(backing, offset);
    out.push(backing.subarray(offset, offset + segment.length));
    offset += segment.length;
  }
  return out;
}

/** Approximate memory footprint, for byte-bounded stores. */
export function entryByteSize(entry: CachedEntry): number {
  let total = 160 + entry.contentType.length + entry.etag.length;
  for (const s of entry.segments) total += s.length + 48;
  return total;
}
