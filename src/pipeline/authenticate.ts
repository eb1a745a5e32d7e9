// Stage 2: authentication, before any cache or SQL read. For a route executing in a fast mode it
// establishes the caller exactly as the legacy's Basic handler would (CONTRACT §4.1) and either puts the
// principal on the context, answers the legacy's own 401, or forwards when it cannot decide like the legacy.
import type { Principal } from '../core/principal.js';
import { extendContext, type RequestContext } from '../core/request-context.js';
import type { ModeState } from '../core/route-mode.js';
import { done, next, type Stage } from './stage.js';

/** The authenticator port (src/adapters/auth/authenticator.ts implements it). */
export interface RequestAuthenticator {
  authenticate(request: {
    /** Every Authorization value in arrival order; [] when absent. */
    readonly authorization: readonly string[];
    readonly clientIp: string;
  }): Promise<
    { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: string }
  >;
}

/**
 * `{}` is the unwired stage (a plain pass-through, for tests of the other stages). The composition root
 * always passes `modes`; with `modes` but no `authenticator` (no management DB configured) fast-mode
 * routes are forwarded, never answered.
 */
export interface AuthenticateDeps {
  readonly authenticator?: RequestAuthenticator;
  /** The runtime mode switch (kill switch, unimplemented modes → legacy). */
  readonly modes?: ModeState;
}

/** The legacy's challenge header, byte for byte (CONTRACT §2.3). */
export const LEGACY_CHALLENGE = 'Basic realm="ArzTi3 API", charset="UTF-8"';

const EMPTY = Buffer.alloc(0);
const VISIBLE_ASCII = /^[\t\x20-\x7e]*$/;
const DEFAULT_VERSION = /^2(?:\.0)?$/;
const WARN_EVERY_MS = 10_000;

/**
 * The legacy decides routing and API version before authorization (404/405/400 win over 401). The route
 * table already vets path and method; the version header and the byte range of the credentials are
 * vetted here. Anything else — forward rather than risk a 401 the legacy would not send.
 */
function answerableLikeLegacy(ctx: RequestContext): boolean {
  const version = ctx.headers['x-api-version'];
  if (version !== undefined && (version.length !== 1 || !DEFAULT_VERSION.test(version[0] as string)))
    return false;
  // Kestrel may reject non-ASCII header bytes with 400 before any handler runs.
  return (ctx.headers['authorization'] ?? []).every((v) => VISIBLE_ASCII.test(v));
}

/**
 * - `legacy` (also via the kill switch or an unimplemented mode) and the catch-all: skipped entirely —
 *   the legacy authenticates those itself, the proxy never blocks them.
 * - `sql` / `cache`: success → principal on the context; failure → the legacy's exact 401 (empty body,
 *   `Content-Length: 0`, the Basic challenge); management DB unavailable → forward (`auth-unavailable`).
 * - `shadow`: the legacy answers anyway; a principal is attached when one can be established, nothing blocks.
 */
export function createAuthenticateStage(deps: AuthenticateDeps): Stage {
  let lastWarnMs = -Infinity;
  let suppressedWarnings = 0;

  return async (ctx) => {
    const route = ctx.route;
    if (!route || (!deps.modes && !deps.authenticator)) return next(ctx);
    const mode = deps.modes ? deps.modes.effectiveMode(route) : route.mode;
    if (mode === 'legacy') return next(ctx);
    const { authenticator } = deps;
    const blocking = mode !== 'shadow';
    if (!authenticator)
      return blocking ? done(ctx, { kind: 'forward', reason: 'auth-not-configured' }) : next(ctx);
    if (blocking && !answerableLikeLegacy(ctx))
      return done(ctx, { kind: 'forward', reason: 'auth-unverifiable' });

    const result = await authenticator.authenticate({
      authorization: ctx.headers['authorization'] ?? [],
      clientIp: ctx.remoteAddress,
    });
    if (result.ok) return next(extendContext(ctx, { principal: result.principal }));
    if (!blocking) return next(ctx);

    if (result.reason === 'unavailable') {
      if (ctx.startedAtMs - lastWarnMs >= WARN_EVERY_MS) {
        ctx.log.warn(
          { code: 'EDGE_AUTH_UNAVAILABLE', suppressed: suppressedWarnings },
          'management database unavailable; forwarding to the legacy',
        );
        lastWarnMs = ctx.startedAtMs;
        suppressedWarnings = 0;
      } else {
        suppressedWarnings += 1;
      }
      return done(ctx, { kind: 'forward', reason: 'auth-unavailable' });
    }
    ctx.log.debug({ authFailure: result.reason }, 'authentication failed');
    return done(ctx, {
      kind: 'respond',
      status: 401,
      headers: { 'Content-Length': '0', 'WWW-Authenticate': LEGACY_CHALLENGE },
      body: EMPTY,
      edge: mode === 'sql' ? 'sql' : 'cache-miss',
    });
  };
}
