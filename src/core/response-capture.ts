// A bounded copy of one legacy exchange, taken while the forwarder streams it to the client, for shadow
// comparison. The tap never blocks, throws or changes what the client gets: it only keeps references to
// chunks up to a byte cap and reports exactly once.

/** What a shadow comparison gets of the legacy's exchange. */
export interface CapturedExchange {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** The request body as it went to the legacy (empty unless the capture asked for it). */
  readonly requestBody: Buffer;
}

/**
 * - `too-large`: a body exceeded maxBytes (the copy was dropped, the client got everything).
 * - `interrupted`: the legacy's body or the client broke off mid-response.
 * - `not-answered`: no response head was relayed (legacy unreachable, client gone first).
 */
export type CaptureSkipReason = 'too-large' | 'interrupted' | 'not-answered';

/** Handed to the forwarder with a forward outcome; exactly one of complete/skip is called. */
export interface ResponseCapture {
  readonly maxBytes: number;
  /** Also copy the request body (read-only PATCH routes). */
  readonly requestBody: boolean;
  complete(exchange: CapturedExchange): void;
  skip(reason: CaptureSkipReason): void;
}

export interface CaptureTap {
  requestChunk(chunk: Buffer): void;
  responseStarted(status: number, contentType: string | undefined): void;
  responseChunk(chunk: Buffer): void;
  /** `delivered`: the whole legacy body reached the client. Reports once; later calls do nothing. */
  finish(delivered: boolean): void;
}

class ChunkCopy {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  overflow = false;
  constructor(private readonly maxBytes: number) {}
  push(chunk: Buffer): void {
    if (this.overflow) return;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.overflow = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(chunk);
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks, this.bytes);
  }
}

export function createCaptureTap(capture: ResponseCapture): CaptureTap {
  const request = new ChunkCopy(capture.maxBytes);
  const response = new ChunkCopy(capture.maxBytes);
  let head: { status: number; contentType: string | undefined } | undefined;
  let finished = false;
  return {
    requestChunk: (chunk) => request.push(chunk),
    responseStarted(status, contentType) {
      head = { status, contentType };
    },
    responseChunk: (chunk) => response.push(chunk),
    finish(delivered) {
      if (finished) return;
      finished = true;
      try {
        if (!head) capture.skip('not-answered');
        else if (!delivered) capture.skip('interrupted');
        else if (request.overflow || response.overflow) capture.skip('too-large');
        else
          capture.complete({
            status: head.status,
            contentType: head.contentType,
            body: response.buffer(),
            requestBody: request.buffer(),
          });
      } catch {
        // A comparison must never affect the request that fed it.
      }
    },
  };
}
