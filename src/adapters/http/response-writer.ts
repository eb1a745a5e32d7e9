// The single writer of responses the edge produces itself: edge answers (`respond`), edge errors (JSON
// `{"error":{"code","message"},"traceId"}`) and protocol refusals (minimal 400, no body). Forwarded legacy
// responses are written by the forwarder (the one sanctioned hand-over), nowhere else.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { formatEdgeHeader } from '../../core/edge-header.js';
import {
  isRenderedBody,
  type ErrorOutcome,
  type OutcomeWriter,
  type RenderedBody,
  type RespondOutcome,
  type WriteResult,
} from '../../core/outcome.js';
import type { RequestContext } from '../../core/request-context.js';
import { createBodyBufferPool, type BodyBufferPool } from './body-buffer-pool.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** JSON error body the edge sends; `traceId` is the request id (also in `X-Request-Id`). */
export function errorBody(outcome: ErrorOutcome, requestId: string): Buffer {
  return Buffer.from(
    JSON.stringify({ error: { code: outcome.code, message: outcome.message }, traceId: requestId }),
    'utf8',
  );
}

function writeError(ctx: RequestContext, res: ServerResponse, outcome: ErrorOutcome): Promise<WriteResult> {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return Promise.resolve({ status: outcome.status, complete: false });
  }
  const body = errorBody(outcome, ctx.requestId);
  res.writeHead(outcome.status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'X-Edge': formatEdgeHeader(outcome.edge ?? 'legacy', ctx.edgeTags),
    'X-Request-Id': ctx.requestId,
  });
  return new Promise((resolve) => res.end(body, () => resolve({ status: outcome.status, complete: true })));
}

/**
 * Renders into a pooled buffer and sends it as one chunk (chunked framing, as the legacy). The buffer goes
 * back to the pool only after 'finish' (all bytes handed to the kernel); if the response is torn down
 * first, the buffer is dropped, because a cancelled socket write may still reference it.
 */
function writeRendered(
  ctx: RequestContext,
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: RenderedBody,
  pool: BodyBufferPool,
): Promise<WriteResult> {
  const buffer = pool.acquire(body.maxBytes);
  let length: number;
  try {
    length = body.renderInto(buffer);
  } catch (err) {
    pool.release(buffer);
    // Nothing is sent yet: a body that cannot be rendered becomes the edge's own 500, never a torn answer.
    const message = `response body could not be rendered: ${err instanceof Error ? err.message : String(err)}`;
    return writeError(ctx, res, { kind: 'error', code: 'EDGE_INTERNAL', status: 500, message });
  }
  res.writeHead(status, headers);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (complete: boolean) => {
      if (settled) return;
      settled = true;
      res.off('close', onClose);
      if (complete) pool.release(buffer);
      resolve({ status, complete });
    };
    const onClose = () => settle(res.writableFinished);
    res.once('close', onClose);
    res.end(buffer.subarray(0, length), (err?: Error | null) => settle(!err));
  });
}

function writeRespond(
  ctx: RequestContext,
  res: ServerResponse,
  outcome: RespondOutcome,
  pool: BodyBufferPool,
): Promise<WriteResult> {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    // A body stream may hold resources (a tenant DB transaction): release it although it was never read.
    if (!Buffer.isBuffer(outcome.body) && !isRenderedBody(outcome.body)) outcome.body.destroy();
    return Promise.resolve({ status: outcome.status, complete: false });
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(outcome.headers))
    headers[name] = typeof value === 'string' ? value : [...value];
  headers['X-Edge'] = formatEdgeHeader(outcome.edge, ctx.edgeTags);
  headers['X-Request-Id'] = ctx.requestId;
  const { body } = outcome;
  if (isRenderedBody(body)) return writeRendered(ctx, res, outcome.status, headers, body, pool);
  if (Buffer.isBuffer(body)) {
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
      headers['Content-Length'] = String(body.length);
    }
    res.writeHead(outcome.status, headers);
    return new Promise((resolve) => res.end(body, () => resolve({ status: outcome.status, complete: true })));
  }
  res.writeHead(outcome.status, headers);
  return new Promise((resolve) =>
    pipeline(body, res, (err) => {
      if (err) res.destroy();
      resolve({ status: outcome.status, complete: !err });
    }),
  );
}

/** `bodyBuffers`: where rendered bodies (cache hits) are written; one pool per server. */
export function createResponseWriter(
  bodyBuffers: BodyBufferPool = createBodyBufferPool(),
): OutcomeWriter<ServerResponse> {
  return {
    write(ctx, res, outcome) {
      return outcome.kind === 'error'
        ? writeError(ctx, res, outcome)
        : writeRespond(ctx, res, outcome, bodyBuffers);
    },
  };
}

/** Minimal refusal for a parsed request whose framing the edge will not forward; closes the connection. */
export function writeRefusal(res: ServerResponse, requestId: string): void {
  res.writeHead(400, {
    'Content-Length': '0',
    Connection: 'close',
    'X-Edge': 'refused',
    'X-Request-Id': requestId,
  });
  res.end();
}

/**
 * Minimal refusal on a raw socket when Node's strict parser rejected the request (no request object exists).
 * 400 also for an oversized header block (Node's default would be 431): HTTP.sys in front of the legacy answers 400.
 */
export function refuseOnSocket(socket: Socket, status: 400 | 408, requestId: string): void {
  const reason = status === 408 ? 'Request Timeout' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\nX-Edge: refused\r\nX-Request-Id: ${requestId}\r\n\r\n`,
  );
}
