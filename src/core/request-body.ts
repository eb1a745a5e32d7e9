// The request body as a port on the request context: an executor that must see the body before it decides
// (PATCH /v2/rezept/statusuuid) reads it, bounded, through `read`; the forwarder then sends exactly the bytes
// that were taken before the rest of the stream. Untouched bodies stay streams (writes are never buffered).
// Pure types and in-memory helpers; the adapter over Node's request lives in adapters/http.

export type BodyReadResult =
  /** The whole body, at most `maxBytes`. */
  | { readonly kind: 'complete'; readonly bytes: Buffer }
  /** Declared or streamed beyond `maxBytes`; whatever was read is still sent first when forwarding. */
  | { readonly kind: 'too-large' }
  /** The client went away mid-body, or the body already went to the legacy (cannot be read any more). */
  | { readonly kind: 'unavailable'; readonly reason: 'aborted' | 'forwarded' };

/** What was taken from the request stream before a forward. */
export interface TakenBody {
  readonly chunks: readonly Buffer[];
  /** True when the stream has ended (the chunks are the whole body). */
  readonly complete: boolean;
}

export interface RequestBody {
  /** Reads the body up to `maxBytes`. Idempotent: later calls get the first call's result. */
  read(maxBytes: number): Promise<BodyReadResult>;
  /**
   * For the forwarder, once: what was already consumed (undefined: nothing, pipe the request itself).
   * Afterwards `read` reports `unavailable: forwarded`.
   */
  takeForForward(): TakenBody | undefined;
}

const EMPTY_BYTES = Buffer.alloc(0);
const EMPTY_RESULT: BodyReadResult = Object.freeze({ kind: 'complete', bytes: EMPTY_BYTES });

/** A request without body framing (no Content-Length, no Transfer-Encoding): nothing to read or replay. */
export const EMPTY_REQUEST_BODY: RequestBody = Object.freeze({
  read: () => Promise.resolve(EMPTY_RESULT),
  takeForForward: () => undefined,
});

/**
 * A body that is already in memory, e.g. the request body a shadow comparison captured: `read` answers from
 * it (bounded like the live reader), nothing is ever replayed.
 */
export function bufferedRequestBody(bytes: Buffer): RequestBody {
  return Object.freeze({
    read: (maxBytes: number): Promise<BodyReadResult> =>
      Promise.resolve(bytes.length > maxBytes ? { kind: 'too-large' } : { kind: 'complete', bytes }),
    takeForForward: () => undefined,
  });
}
