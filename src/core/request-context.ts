// The read-only context one request carries through the pipeline: identity, timing, the request line exactly
// as received, a frozen header snapshot and a child logger. Pure data; it never holds Node's req/res objects.
import type { Principal } from './principal.js';
import type { RequestBody } from './request-body.js';
import type { RouteMode } from './route-mode.js';
import type { CompiledRoute } from './route-table.js';

/** The logging surface stages use; pino's Logger satisfies it. */
export interface EdgeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): EdgeLogger;
}

/** Lower-case header name → every value in arrival order (Node's `headersDistinct`). */
export type HeaderSnapshot = { readonly [name: string]: readonly string[] | undefined };

export interface RequestContext {
  /** From a valid `X-Request-Id` or generated; echoed to the client, forwarded upstream, logged. */
  readonly requestId: string;
  /** Monotonic start (performance.now(), ms). */
  readonly startedAtMs: number;
  /** Wall-clock arrival (epoch ms). */
  readonly receivedAt: number;
  readonly method: string;
  /** The request-target exactly as received (origin-form, absolute-form or `*`). */
  readonly rawUrl: string;
  /** Raw path of the target (no query), never decoded or normalised. */
  readonly path: string;
  /** Raw origin-form target (`path` plus `?query` when present), byte-exact; what goes upstream. */
  readonly target: string;
  readonly headers: HeaderSnapshot;
  /** Peer address of the client connection (IPv4-mapped IPv6 unwrapped). */
  readonly remoteAddress: string;
  readonly log: EdgeLogger;
  /** The body, read only by an executor that must see it to decide; absent = no body (see request-body). */
  readonly body?: RequestBody;
  /** Set by matchRoute. */
  readonly route?: CompiledRoute;
  /** Set by decide. */
  readonly mode?: RouteMode;
  /** Set by decide: annotations after the path in `X-Edge` (e.g. `kill-switch`); see core/edge-header. */
  readonly edgeTags?: readonly string[];
  /** Set by authenticate (once it authenticates). */
  readonly principal?: Principal;
}

export interface RequestContextInit {
  readonly requestId: string;
  readonly startedAtMs: number;
  readonly receivedAt: number;
  readonly method: string;
  readonly rawUrl: string;
  readonly headers: HeaderSnapshot;
  readonly remoteAddress: string;
  readonly log: EdgeLogger;
  readonly body?: RequestBody;
}

export function createRequestContext(init: RequestContextInit): RequestContext {
  const { path, target } = splitRequestTarget(init.rawUrl);
  return Object.freeze({ ...init, path, target });
}

/** A stage's way to add facts: a new frozen context, never a mutation. */
export function extendContext(
  ctx: RequestContext,
  patch: Partial<Pick<RequestContext, 'route' | 'mode' | 'principal' | 'edgeTags' | 'body'>>,
): RequestContext {
  return Object.freeze({ ...ctx, ...patch });
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** A client-supplied id is kept when it is exactly one value of 1–128 visible ASCII characters. */
export function isValidRequestId(value: string): boolean {
  return REQUEST_ID.test(value);
}

export function resolveRequestId(values: readonly string[] | undefined, generate: () => string): string {
  if (values && values.length === 1) {
    const [value] = values;
    if (value !== undefined && isValidRequestId(value)) return value;
  }
  return generate();
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * Splits a request-target into its raw path and origin-form target without decoding anything.
 * Absolute-form (`http://host/p?q`) is reduced to its origin-form; `*` stays `*`.
 */
export function splitRequestTarget(rawUrl: string): { path: string; target: string } {
  let target = rawUrl;
  const absolute = ABSOLUTE_FORM.exec(rawUrl);
  if (absolute) {
    target = rawUrl.slice(absolute[0].length);
    if (!target.startsWith('/')) target = `/${target}`;
  }
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  return { path, target };
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; other addresses unchanged. */
export function normaliseRemoteAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
