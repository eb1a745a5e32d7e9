// Builds the read-only RequestContext from Node's IncomingMessage: request id, timing, the raw request line,
// a frozen snapshot of the headers, a child logger and the body port (read only on demand). Reads `req`,
// never writes it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  createRequestContext,
  normaliseRemoteAddress,
  resolveRequestId,
  type EdgeLogger,
  type HeaderSnapshot,
  type RequestContext,
} from '../../core/request-context.js';
import { createRequestBody } from './request-body-reader.js';

/**
 * A child logger created on first use: most requests log nothing but their one request line (written by
 * the observer with the request id as a field), so the per-request pino child is usually never built.
 */
export function lazyChild(base: EdgeLogger, bindings: Record<string, unknown>): EdgeLogger {
  let real: EdgeLogger | undefined;
  const get = () => (real ??= base.child(bindings));
  return {
    debug: (obj, msg) => get().debug(obj, msg),
    info: (obj, msg) => get().info(obj, msg),
    warn: (obj, msg) => get().warn(obj, msg),
    error: (obj, msg) => get().error(obj, msg),
    child: (more) => get().child(more),
  };
}

export function createContextFactory(
  log: EdgeLogger,
  now: () => number,
  generateId: () => string = randomUUID,
): (req: IncomingMessage) => RequestContext {
  return (req) => {
    // A frozen copy: Node's own headersDistinct object stays untouched.
    const headers: HeaderSnapshot = Object.freeze({ ...req.headersDistinct });
    const requestId = resolveRequestId(headers['x-request-id'], generateId);
    return createRequestContext({
      requestId,
      startedAtMs: now(),
      receivedAt: Date.now(),
      method: req.method ?? 'GET',
      rawUrl: req.url ?? '/',
      headers,
      remoteAddress: normaliseRemoteAddress(req.socket.remoteAddress),
      log: lazyChild(log, { requestId }),
      body: createRequestBody(req),
    });
  };
}
