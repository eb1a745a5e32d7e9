// Read-your-writes for writes the proxy forwards (PATCH /v2/rezept/status, the v1 POSTs, Apotheken
// POST/PUT/DELETE — in fact every unsafe method except the read-only PATCH …/statusuuid): while the write
// travels to the legacy, the caller's tenant is resolved through the authenticator (never blocking or
// changing the write); when the legacy answers 2xx, the tenant's cache epoch is bumped *before* the
// response head goes to the client. A tenant that cannot be resolved in time (auth unavailable or failed,
// or too slow) costs a bump of every tenant this instance serves from the cache: coarse but never stale.
import type { BeforeResponseHead } from '../../core/outcome.js';
import type { RequestContext } from '../../core/request-context.js';
import type { RequestAuthenticator } from '../authenticate.js';

/** Why a write bumped every known tenant instead of its own (a bounded metric label). */
export type UnresolvedReason = 'no-authenticator' | 'auth-unavailable' | 'auth-failed' | 'timeout';

export interface WriteInvalidationDeps {
  /** Undefined: no management database; every successful write bumps all known tenants. */
  readonly authenticator: RequestAuthenticator | undefined;
  readonly epochs: { bumpAfterWrite(tenantId: number): Promise<unknown> };
  /** Tenants whose entries this instance may serve (the tenant listener's watched ids). */
  readonly knownTenants: () => Iterable<number>;
  /** Longest the client's response head waits for resolution and bump (then: all tenants). Default 2000. */
  readonly maxWaitMs?: number;
  readonly onInvalidated?: (scope: 'tenant' | 'all-tenants', reason: UnresolvedReason | 'resolved') => void;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT']);
/** The one unsafe-method endpoint that writes nothing (CONTRACT §2.6). */
const READ_ONLY_PATCH = /^\/v2(?:\.0)?\/rezept\/statusuuid\/?$/i;

export function isWriteRequest(method: string, path: string): boolean {
  if (SAFE_METHODS.has(method)) return false;
  return !(method === 'PATCH' && READ_ONLY_PATCH.test(path));
}

type Resolution = { readonly tenantId: number } | { readonly unresolved: UnresolvedReason };

const never = () => undefined;

/** A factory for the forwarder's `beforeResponseHead` hook; undefined for requests that write nothing. */
export function createWriteInvalidation(
  deps: WriteInvalidationDeps,
): (ctx: RequestContext) => BeforeResponseHead | undefined {
  const maxWaitMs = deps.maxWaitMs ?? 2000;
  const onInvalidated = deps.onInvalidated ?? never;

  const resolve = (ctx: RequestContext): Promise<Resolution> => {
    if (ctx.principal !== undefined) return Promise.resolve({ tenantId: ctx.principal.tenant.datenbankId });
    const { authenticator } = deps;
    if (authenticator === undefined) return Promise.resolve({ unresolved: 'no-authenticator' });
    return authenticator
      .authenticate({ authorization: ctx.headers['authorization'] ?? [], clientIp: ctx.remoteAddress })
      .then(
        (result): Resolution =>
          result.ok
            ? { tenantId: result.principal.tenant.datenbankId }
            : { unresolved: result.reason === 'unavailable' ? 'auth-unavailable' : 'auth-failed' },
        (): Resolution => ({ unresolved: 'auth-unavailable' }),
      );
  };

  const bumpAll = async (ctx: RequestContext, reason: UnresolvedReason): Promise<void> => {
    const tenants = [...deps.knownTenants()];
    onInvalidated('all-tenants', reason);
    ctx.log.warn(
      { reason, tenants: tenants.length },
      'tenant of a successful write not resolved; invalidating every cached tenant',
    );
    // The local epochs move synchronously inside bumpAfterWrite; the awaited part tells the peers.
    await Promise.all(tenants.map((id) => deps.epochs.bumpAfterWrite(id).catch(never)));
  };

  return (ctx) => {
    if (!isWriteRequest(ctx.method, ctx.path)) return undefined;
    // Started now, in parallel with the write's round trip to the legacy.
    const resolution = resolve(ctx);
    return (status) => {
      if (status < 200 || status > 299) return undefined;
      return new Promise<void>((done) => {
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          done();
        };
        const timer = setTimeout(() => {
          if (finished) return;
          // The bumps are local first (synchronous), so the answer may go out right after this call.
          void bumpAll(ctx, 'timeout');
          finish();
        }, maxWaitMs);
        void resolution
          .then(async (resolved) => {
            if ('tenantId' in resolved) {
              // Even after a timeout: the peers may hold this tenant although this instance does not.
              if (!finished) onInvalidated('tenant', 'resolved');
              await deps.epochs.bumpAfterWrite(resolved.tenantId).catch(never);
            } else if (!finished) await bumpAll(ctx, resolved.unresolved);
          })
          .finally(finish);
      });
    };
  };
}
