// The RequestBody port over Node's IncomingMessage: reads a body into memory only when an executor asks
// (bounded; a declared Content-Length above the bound is not read at all) and hands the forwarder whatever
// was taken, so the legacy gets exactly the client's bytes (legacy-forwarder replays them). Never touches a
// body nobody asked for.
import type { IncomingMessage } from 'node:http';
import {
  EMPTY_REQUEST_BODY,
  type BodyReadResult,
  type RequestBody,
  type TakenBody,
} from '../../core/request-body.js';

const TOO_LARGE: BodyReadResult = Object.freeze({ kind: 'too-large' });
const ABORTED: BodyReadResult = Object.freeze({ kind: 'unavailable', reason: 'aborted' });
const FORWARDED: BodyReadResult = Object.freeze({ kind: 'unavailable', reason: 'forwarded' });

/** A request has a body when it carries framing for one (RFC 9112 §6.3): Transfer-Encoding or Content-Length > 0. */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

function declaredLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
}

export function createRequestBody(req: IncomingMessage): RequestBody {
  if (!hasBody(req)) return EMPTY_REQUEST_BODY;
  const chunks: Buffer[] = [];
  let complete = false;
  let started = false;
  let forwarded = false;
  let result: Promise<BodyReadResult> | undefined;

  const readInto = (maxBytes: number): Promise<BodyReadResult> =>
    new Promise((resolve) => {
      let bytes = 0;
      const finish = (value: BodyReadResult) => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
        req.off('error', onClose);
        resolve(value);
      };
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        if (bytes > maxBytes) {
          // Stop here; the forwarder sends what we hold, then pipes the rest of the stream.
          req.pause();
          finish(TOO_LARGE);
        }
      };
      const onEnd = () => {
        complete = true;
        finish({ kind: 'complete', bytes: Buffer.concat(chunks, bytes) });
      };
      const onClose = () => {
        if (!req.complete) finish(ABORTED);
      };
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('close', onClose);
      req.once('error', onClose);
    });

  return {
    read(maxBytes) {
      if (result !== undefined) return result;
      if (forwarded) return Promise.resolve(FORWARDED);
      const declared = declaredLength(req);
      if (declared !== undefined && declared > maxBytes) result = Promise.resolve(TOO_LARGE);
      else {
        started = true;
        result = readInto(maxBytes);
      }
      return result;
    },
    takeForForward(): TakenBody | undefined {
      if (forwarded) return undefined;
      forwarded = true;
      return started ? { chunks, complete } : undefined;
    },
  };
}
