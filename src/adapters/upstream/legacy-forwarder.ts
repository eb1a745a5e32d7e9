// Forwards one request to the legacy through http-proxy-3 and streams the answer back untouched: the one
// sanctioned hand-over of req/res besides the response writer. Request and response bodies are piped with
// backpressure, never buffered here (a body an executor had to read first is replayed from its bytes). A
// forward outcome's `beforeResponseHead` hook (read-your-writes) runs between the legacy's head and ours.
//
// How http-proxy-3's rough edges are kept out (tested in test/e2e/proxy-*.test.ts):
// * It mutates `req.headers` (deleteLength, XHeaders passes) and reads headers only from `req`. So it never
//   sees `req`: it gets a RequestView whose `headers` we built (hop-by-hop removed, X-Forwarded-* set) and
//   whose `url` is base path + the raw target (`toProxy` keeps it verbatim, no WHATWG re-encoding). The body
//   is piped from the real `req` through the `buffer` option.
// * Its deleteLength pass would rewrite a DELETE/OPTIONS body's framing to `Content-Length: 0` (a request
//   smuggling vector). It keys on `req.method`, so the view has no `method`; the method travels in
//   `options.method`, which is what http-proxy-3 sends.
// * Its outgoing passes copy hop-by-hop response headers and fold repeated ones: `selfHandleResponse` is on
//   and the response head is written here from `rawHeaders`.
// * Its errors carry no edge code: they are classified in upstream-errors.ts.
import type { Agent, ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { createProxyServer, type ServerOptions } from 'http-proxy-3';
import { formatEdgeHeader } from '../../core/edge-header.js';
import type { ForwardOptions, ForwardResult, LegacyForwarder } from '../../core/outcome.js';
import type { TakenBody } from '../../core/request-body.js';
import type { RequestContext } from '../../core/request-context.js';
import { createCaptureTap } from '../../core/response-capture.js';
import { buildClientResponseHeaders, buildUpstreamRequestHeaders } from './upstream-headers.js';
import { classifyUpstreamError, responseTimeoutError, upstreamEdgeError } from './upstream-errors.js';

/** Where the legacy lives (config's LegacyTarget satisfies it). */
export interface ForwardTarget {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
  /** '' or '/Segment…', prepended to every raw target. */
  readonly basePath: string;
  /** Host header naming the legacy. */
  readonly hostHeader: string;
}

export interface LegacyForwarderSettings {
  readonly target: ForwardTarget;
  readonly agent: Agent;
  readonly connectTimeoutMs: number;
  /** Inactivity limit on the upstream socket once the request is dispatched (waiting or streaming). */
  readonly timeoutMs: number;
  readonly preserveHost: boolean;
  readonly now: () => number;
}

const kAttempt = Symbol('arzti-edge.attempt');

/** What http-proxy-3 reads from its `req` argument, and nothing more (see the module comment). */
interface RequestView {
  readonly url: string;
  readonly headers: OutgoingHttpHeaders;
  readonly httpVersion: '1.1';
  readonly httpVersionMajor: 1;
  readonly socket: Socket;
  readonly connection: Socket;
  on(event: string, listener: (...args: unknown[]) => void): RequestView;
  readonly [kAttempt]: AttemptHooks;
}

interface AttemptHooks {
  onUpstreamRequest(proxyReq: ClientRequest): void;
  onUpstreamResponse(proxyRes: IncomingMessage): void;
}

function attemptOf(view: unknown): AttemptHooks | undefined {
  return (view as Partial<RequestView> | null)?.[kAttempt];
}

/** Bodyless GET/HEAD may be retried once when a reused keep-alive socket turned out to be closed. */
function retryable(req: IncomingMessage): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.headers['content-length'] === undefined &&
    req.headers['transfer-encoding'] === undefined
  );
}

/**
 * Pipes the legacy's body to the client with backpressure (plain `pipe`: stream.pipeline costs an
 * AbortController and a DOMException per request). Reports once: undefined when the body was delivered,
 * otherwise who broke off first. Never fakes a complete body: an upstream failure destroys the client
 * socket, a client failure destroys the upstream response.
 */
function relay(
  source: IncomingMessage,
  target: ServerResponse,
  done: (failure: 'reset' | 'client' | undefined) => void,
): void {
  let reported = false;
  const report = (failure: 'reset' | 'client' | undefined) => {
    if (reported) return;
    reported = true;
    done(failure);
  };
  const upstreamBroke = () => {
    if (source.complete && !source.destroyed) return;
    report('reset');
    target.destroy();
  };
  source.once('aborted', upstreamBroke);
  source.once('error', upstreamBroke);
  source.once('close', () => {
    if (!source.complete) upstreamBroke();
  });
  target.once('finish', () => report(undefined));
  target.once('close', () => {
    if (target.writableFinished) return;
    report('client');
    source.destroy();
  });
  source.pipe(target);
}

/**
 * The stream sent upstream in place of `req` when an executor already read (part of) the body: the taken
 * chunks, then — when the body was not read to its end — the rest of `req`. Framing is unchanged: the same
 * bytes go out under the client's Content-Length, or re-chunked exactly like an untouched chunked body.
 */
function replayBody(taken: TakenBody, req: IncomingMessage): Readable {
  if (taken.complete) return Readable.from(taken.chunks, { objectMode: false });
  const out = new PassThrough();
  for (const chunk of taken.chunks) out.write(chunk);
  req.once('error', (err) => out.destroy(err));
  req.pipe(out);
  return out;
}

export function createLegacyForwarder(
  settings: LegacyForwarderSettings,
): LegacyForwarder<IncomingMessage, ServerResponse> {
  const { target, now } = settings;
  const proxy = createProxyServer({});
  proxy.on('proxyReq', (proxyReq, view) => attemptOf(view)?.onUpstreamRequest(proxyReq));
  proxy.on('proxyRes', (proxyRes, view) => attemptOf(view)?.onUpstreamResponse(proxyRes));
  // http-proxy-3 reports a reset caused by the client leaving as `econnreset`; the `close` listener in
  // forward() already settles that case.
  proxy.on('econnreset', () => {});

  const baseOptions: ServerOptions = {
    target: {
      protocol: target.protocol,
      host: target.hostname,
      hostname: target.hostname,
      port: target.port,
    },
    agent: settings.agent,
    prependPath: false,
    toProxy: true,
    selfHandleResponse: true,
    connectTimeout: settings.connectTimeoutMs,
    // SNI must name the legacy even when the client's Host is preserved.
    ...(target.protocol === 'https:' && isIP(target.hostname) === 0
      ? { ssl: { servername: target.hostname } }
      : {}),
  };

  function forward(
    ctx: RequestContext,
    req: IncomingMessage,
    res: ServerResponse,
    forwardOptions: ForwardOptions = {},
  ): Promise<ForwardResult> {
    // Shadow mode: a bounded copy of the exchange, reported once when the forward settles (never throws).
    const tap = forwardOptions.capture ? createCaptureTap(forwardOptions.capture) : undefined;
    // The client may have left while earlier stages ran (e.g. an auth lookup): its `close` is already past.
    if (res.destroyed || req.socket.destroyed) {
      tap?.finish(false);
      return Promise.resolve({ kind: 'client-gone', upstreamMs: 0 });
    }
    const edgeHeader = formatEdgeHeader(forwardOptions.edge ?? 'legacy', ctx.edgeTags);
    return new Promise<ForwardResult>((resolve) => {
      const dispatchedAt = now();
      const headers = buildUpstreamRequestHeaders(ctx.headers, {
        requestId: ctx.requestId,
        remoteAddress: ctx.remoteAddress,
        legacyHost: target.hostHeader,
        preserveHost: settings.preserveHost,
        proto: 'http',
      });
      // The asterisk form (`OPTIONS *`) addresses the server, not a resource: no base path in front.
      const url = ctx.target === '*' ? '*' : target.basePath + ctx.target;
      const taken = ctx.body?.takeForForward();
      const source = taken === undefined ? req : replayBody(taken, req);
      const options: ServerOptions = { ...baseOptions, buffer: source, method: ctx.method };
      let settled = false;
      let responseStarted = false;
      let attempts = 0;

      const settle = (result: ForwardResult) => {
        if (settled) return;
        settled = true;
        tap?.finish(result.kind === 'responded' && result.interrupted === undefined);
        resolve(result);
      };

      res.once('close', () => {
        if (!responseStarted) settle({ kind: 'client-gone', upstreamMs: now() - dispatchedAt });
      });

      const dispatch = () => {
        attempts += 1;
        const attempt = attempts;
        let proxyReq: ClientRequest | undefined;
        let timedOut = false;
        const current = () => attempt === attempts && !settled;

        const hooks: AttemptHooks = {
          onUpstreamRequest(request) {
            proxyReq = request;
            if (!current() && !responseStarted) {
              request.destroy();
              return;
            }
            // http-proxy-3's URL join drops an empty query (`/a?` → `/a`); the request line is not
            // written yet, so the target goes out exactly as the client sent it.
            if (request.path !== url) request.path = url;
            request.setTimeout(settings.timeoutMs, () => {
              timedOut = true;
              request.destroy(responseTimeoutError(settings.timeoutMs));
            });
          },
          onUpstreamResponse(proxyRes) {
            if (!current() || res.destroyed) {
              proxyRes.destroy();
              return;
            }
            const upstreamMs = now() - dispatchedAt;
            // Read-your-writes: e.g. a cache epoch bump that must land before the client sees the answer.
            const pending = forwardOptions.beforeResponseHead?.(proxyRes.statusCode ?? 502);
            if (pending === undefined) relayHead(proxyRes, upstreamMs);
            else
              void pending.then(() => {
                if (!current() || res.destroyed) proxyRes.destroy();
                else relayHead(proxyRes, upstreamMs);
              });
          },
        };

        const relayHead = (proxyRes: IncomingMessage, upstreamMs: number) => {
          responseStarted = true;
          const extra = ['X-Edge', edgeHeader, 'X-Request-Id', ctx.requestId];
          // The legacy answered before reading the whole request body: close afterwards instead of
          // leaving unread bytes on a keep-alive connection.
          if (!req.complete) extra.push('Connection', 'close');
          const status = proxyRes.statusCode ?? 502;
          try {
            // Transparent Date: only what the legacy sent.
            res.sendDate = false;
            res.writeHead(
              status,
              proxyRes.statusMessage,
              buildClientResponseHeaders(proxyRes.rawHeaders, extra),
            );
          } catch (err) {
            ctx.log.warn({ err }, 'legacy response head could not be relayed');
            proxyRes.destroy();
            responseStarted = false;
            settle({
              kind: 'failed',
              error: upstreamEdgeError('reset', err),
              upstreamError: 'reset',
              upstreamMs,
            });
            return;
          }
          if (tap) {
            tap.responseStarted(status, proxyRes.headers['content-type']);
            proxyRes.on('data', tap.responseChunk);
          }
          relay(proxyRes, res, (failure) => {
            if (failure === undefined) settle({ kind: 'responded', status, upstreamMs });
            else
              settle({
                kind: 'responded',
                status,
                upstreamMs,
                interrupted: timedOut ? 'timeout' : failure,
              });
          });
        };

        const view: RequestView = {
          url,
          // http-proxy-3 copies this object before use; with no `method` and no `xfwd` none of its passes write to it.
          headers,
          httpVersion: '1.1',
          httpVersionMajor: 1,
          socket: req.socket,
          connection: req.socket,
          on(event, listener) {
            req.on(event, listener);
            return view;
          },
          [kAttempt]: hooks,
        };

        // Same tick as proxy.web's pipe: no request chunk can flow before both consumers are attached.
        if (tap && attempt === 1 && forwardOptions.capture?.requestBody) source.on('data', tap.requestChunk);
        proxy.web(view as unknown as IncomingMessage, res, options, (err) => {
          if (!current() || responseStarted) return;
          const kind = classifyUpstreamError(err, timedOut);
          if (kind === 'reset' && attempt === 1 && proxyReq?.reusedSocket && retryable(req)) {
            ctx.log.debug({ err }, 'reused legacy connection was closed; retrying once');
            dispatch();
            return;
          }
          ctx.log.warn({ err, upstreamError: kind }, 'legacy request failed');
          settle({
            kind: 'failed',
            error: upstreamEdgeError(kind, err),
            upstreamError: kind,
            upstreamMs: now() - dispatchedAt,
          });
        });
      };

      dispatch();
    });
  }

  return { forward };
}
