// What the pipeline decided for a request (Outcome), what happened when it was carried out (ForwardResult,
// WriteResult, RequestRecord) and the ports that carry it out. Types only; the adapters implement the ports.
import type { Readable } from 'node:stream';
import type { EdgeError, ErrorCode } from '../errors.js';
import type { RequestContext } from './request-context.js';
import type { ResponseCapture } from './response-capture.js';
import type { RouteMode } from './route-mode.js';

/** Value of the `X-Edge` response header: which path produced the answer. */
export type EdgePath = 'legacy' | 'sql' | 'cache-hit' | 'cache-miss' | 'stale' | 'shadow';

export type ResponseHeaders = Readonly<Record<string, string | readonly string[]>>;

/** Hand the request to the legacy (the one sanctioned hand-over of req/res). */
export interface ForwardOutcome {
  readonly kind: 'forward';
  /** Why, when it is not simply the route's mode (e.g. `mode-not-implemented`); logged. */
  readonly reason?: string;
  /** The X-Edge path named for the relayed answer; default `legacy` (`shadow` in shadow mode). */
  readonly edge?: EdgePath;
  /** Shadow mode: copy the exchange while relaying it (bounded); never changes what the client gets. */
  readonly capture?: ResponseCapture;
  /** Read-your-writes (a forwarded write): runs once the legacy's head arrived, before it is relayed. */
  readonly beforeResponseHead?: BeforeResponseHead;
}

/**
 * Called with the legacy's status before its response head goes to the client. Returns a promise the
 * forwarder awaits (bounded by whoever made it; it never rejects) or undefined when there is nothing to do.
 */
export type BeforeResponseHead = (status: number) => Promise<void> | undefined;

/**
 * A body the response writer renders into a buffer it owns, right before writing it as one chunk (no
 * Content-Length, like the legacy). A cache hit renders its fresh timestamps this way: one copy into a
 * reused buffer instead of a stream of freshly allocated pieces per response.
 */
export interface RenderedBody {
  readonly kind: 'rendered';
  /** Upper bound of the rendered size in bytes; the writer's buffer is at least this long. */
  readonly maxBytes: number;
  /** Writes the body from offset 0 of `target` and returns the number of bytes written. */
  renderInto(target: Buffer): number;
}

export type RespondBody = Buffer | Readable | RenderedBody;

export function isRenderedBody(body: RespondBody): body is RenderedBody {
  return (body as Partial<RenderedBody>).kind === 'rendered';
}

/** The edge answers itself. */
export interface RespondOutcome {
  readonly kind: 'respond';
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: RespondBody;
  readonly edge: EdgePath;
}

/** The edge answers with its own error body `{"error":{"code","message"},"traceId"}`. */
export interface ErrorOutcome {
  readonly kind: 'error';
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly edge?: EdgePath;
}

export type Outcome = ForwardOutcome | RespondOutcome | ErrorOutcome;

export type UpstreamErrorKind = 'unreachable' | 'timeout' | 'reset';

export type ForwardResult =
  /** The legacy's status line went to the client; `interrupted` when its body broke off (client socket destroyed). */
  | {
      readonly kind: 'responded';
      readonly status: number;
      readonly upstreamMs: number;
      readonly interrupted?: UpstreamErrorKind | 'client';
    }
  /** Nothing was sent to the client yet; the caller turns `error` into an ErrorOutcome. */
  | {
      readonly kind: 'failed';
      readonly error: EdgeError;
      readonly upstreamError: UpstreamErrorKind;
      readonly upstreamMs: number;
    }
  /** The client went away before the legacy answered. */
  | { readonly kind: 'client-gone'; readonly upstreamMs: number };

export interface WriteResult {
  readonly status: number;
  /** False when the body could not be delivered completely (the socket was destroyed). */
  readonly complete: boolean;
}

/** What a forward outcome asks of the forwarder beyond relaying. */
export interface ForwardOptions {
  readonly edge?: EdgePath;
  readonly capture?: ResponseCapture;
  readonly beforeResponseHead?: BeforeResponseHead;
}

/** Port: forwards to the legacy; Req/Res stay opaque so core imports no HTTP library. */
export interface LegacyForwarder<Req, Res> {
  forward(ctx: RequestContext, req: Req, res: Res, options?: ForwardOptions): Promise<ForwardResult>;
}

/** Port: the single response writer for answers the edge produces itself. */
export interface OutcomeWriter<Res> {
  write(ctx: RequestContext, res: Res, outcome: RespondOutcome | ErrorOutcome): Promise<WriteResult>;
}

/** One finished request, as logged (one line) and counted. */
export interface RequestRecord {
  readonly routeId: string;
  readonly mode: RouteMode | 'refused';
  readonly edge: EdgePath | 'refused';
  /** HTTP status sent; 499 when the client left before an answer. */
  readonly status: number;
  readonly durationMs: number;
  readonly upstreamMs?: number;
  readonly errorCode?: ErrorCode;
  readonly upstreamError?: UpstreamErrorKind;
  readonly interrupted?: UpstreamErrorKind | 'client';
  readonly reason?: string;
}

export interface RequestObserver {
  observe(ctx: RequestContext, record: RequestRecord): void;
}
