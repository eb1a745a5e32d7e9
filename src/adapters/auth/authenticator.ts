// Decides, exactly as the legacy's BasicAuthenticationHandler would (CONTRACT §4.1), who is calling and
// which tenant database they see — with a credential cache, failed-login throttling and single-flight
// in front of the management query and BCrypt. Never logs or stores a password or raw header.
import type { Registry } from 'prom-client';
import type { Principal } from '../../core/principal.js';
import type { SqlExecutor } from '../../core/sql-port.js';
import { EdgeError } from '../../errors.js';
import { createAuthMetrics, type AuthMetrics, type AuthOutcome } from './auth-metrics.js';
import { effectiveAuthorization, parseBasicCredentials } from './basic-header.js';
import type { CachedOutcome, CredentialCache } from './credential-cache.js';
import { lookupUser } from './management-lookup.js';
import { createPasswordChecker, type PasswordChecker } from './password-check.js';
import { createAuthThrottle, type AuthThrottle, type AuthThrottleOptions } from './throttle.js';

export type AuthFailureReason =
  'missing' | 'invalid-header' | 'unknown-user' | 'wrong-password' | 'error' | 'throttled';

export interface AuthSuccess {
  readonly ok: true;
  readonly principal: Principal;
}

/** The legacy would answer 401 (empty body, WWW-Authenticate challenge). */
export interface AuthFailure {
  readonly ok: false;
  readonly reason: AuthFailureReason;
}

/**
 * The management database could not be queried, so the decision is unknown: forward to the legacy.
 * Shaped as a failure on purpose — code that only checks `ok` fails closed (401, the legacy's own
 * answer to an outage) instead of letting the request through.
 */
export interface AuthUnavailable {
  readonly ok: false;
  readonly reason: 'unavailable';
  readonly error: EdgeError;
}

export type AuthResult = AuthSuccess | AuthFailure | AuthUnavailable;

export interface AuthRequest {
  /**
   * Every Authorization header value in arrival order (Node's `headersDistinct` / `rawHeaders`; an empty
   * list when absent). Several are joined the way ASP.NET does (see effectiveAuthorization).
   */
  readonly authorization: readonly string[];
  /** Remote address of the client connection, for throttling. */
  readonly clientIp: string;
}

export interface Authenticator {
  authenticate(request: AuthRequest): Promise<AuthResult>;
}

export interface AuthenticatorOptions {
  /** BCrypt verifications running at once (each holds a libuv thread). */
  maxConcurrentBcrypt: number;
  throttle: AuthThrottleOptions;
}

export const AUTH_DEFAULTS = Object.freeze({
  successTtlMs: 60_000,
  failureTtlMs: 5_000,
  maxCacheEntries: 10_000,
  maxConcurrentBcrypt: 2,
  throttle: Object.freeze({
    enabled: true,
    maxFailuresPerLogin: 10,
    maxFailuresPerIp: 10,
    windowMs: 60_000,
    cooldownMs: 30_000,
    maxTrackedKeys: 10_000,
  }),
});

export interface AuthenticatorDeps {
  /** The management (ArzSw) database; a pool with short connect/statement timeouts. */
  readonly management: SqlExecutor;
  readonly cache: CredentialCache;
  /** Metrics are registered here; alternatively pass ready-made `metrics`. */
  readonly registry?: Registry;
  readonly metrics?: AuthMetrics;
  readonly options?: Partial<AuthenticatorOptions>;
  /** Replaceable for tests. */
  readonly throttle?: AuthThrottle;
  readonly passwords?: PasswordChecker;
}

const FAILURES = new Map<AuthFailureReason, AuthFailure>(
  (['missing', 'invalid-header', 'unknown-user', 'wrong-password', 'error', 'throttled'] as const).map(
    (reason) => [reason, Object.freeze({ ok: false as const, reason })],
  ),
);

export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const options: AuthenticatorOptions = {
    maxConcurrentBcrypt: deps.options?.maxConcurrentBcrypt ?? AUTH_DEFAULTS.maxConcurrentBcrypt,
    throttle: deps.options?.throttle ?? AUTH_DEFAULTS.throttle,
  };
  const { cache, management } = deps;
  if (!deps.metrics && !deps.registry) throw new Error('createAuthenticator needs `registry` or `metrics`');
  const metrics = deps.metrics ?? createAuthMetrics(deps.registry as Registry, () => cache.size());
  const throttle = deps.throttle ?? createAuthThrottle(options.throttle);
  const passwords =
    deps.passwords ??
    createPasswordChecker({
      maxConcurrentBcrypt: options.maxConcurrentBcrypt,
      onBcrypt: (seconds) => {
        metrics.bcryptVerifies.inc();
        metrics.bcryptSeconds.observe(seconds);
      },
    });
  // One management query + BCrypt per distinct header at a time; concurrent duplicates share it.
  const inFlight = new Map<string, Promise<CachedOutcome>>();

  const result = (outcome: AuthOutcome): void => metrics.results.inc({ outcome });
  const fail = (reason: AuthFailureReason): AuthFailure => {
    result(reason);
    return FAILURES.get(reason) as AuthFailure;
  };

  const verify = async (key: string, username: string, password: string): Promise<CachedOutcome> => {
    const generation = cache.generation();
    let outcome: CachedOutcome;
    if (username.includes('\u0000')) {
      // PostgreSQL rejects NUL in text; the legacy's query throws and the handler fails the login.
      outcome = { ok: false, reason: 'error', loginName: username };
    } else {
      const started = process.hrtime.bigint();
      let lookup;
      try {
        lookup = await lookupUser(management, username);
        metrics.managementQueries.inc({ outcome: 'ok' });
      } catch (err) {
        metrics.managementQueries.inc({ outcome: 'error' });
        throw new EdgeError('EDGE_AUTH_UNAVAILABLE', undefined, { cause: err });
      } finally {
        metrics.managementQuerySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
      if (!lookup.found) outcome = { ok: false, reason: 'unknown-user', loginName: username };
      else if (!lookup.usable) outcome = { ok: false, reason: 'error', loginName: username };
      else {
        const check = await passwords.check(password, lookup.password);
        outcome =
          check === 'match'
            ? { ok: true, principal: lookup.principal }
            : { ok: false, reason: check === 'mismatch' ? 'wrong-password' : 'error', loginName: username };
      }
    }
    cache.set(key, outcome, generation);
    return outcome;
  };

  return {
    async authenticate(request) {
      const { clientIp } = request;
      const authorization = effectiveAuthorization(request.authorization);
      if (authorization === undefined) return fail('missing');

      const key = cache.keyFor(authorization);
      const cached = cache.get(key);
      if (cached) {
        if (cached.ok) {
          metrics.cacheLookups.inc({ result: 'hit' });
          result('authenticated');
          return { ok: true, principal: cached.principal };
        }
        metrics.cacheLookups.inc({ result: 'negative-hit' });
        throttle.recordFailure(cached.loginName, clientIp);
        return fail(cached.reason);
      }

      // Malformed headers are decided without I/O and are neither cached nor counted.
      const credentials = parseBasicCredentials(authorization);
      if (!credentials.ok) return fail(credentials.reason);
      metrics.cacheLookups.inc({ result: 'miss' });

      const scope = throttle.blockedBy(credentials.username, clientIp);
      if (scope) {
        metrics.throttled.inc({ scope });
        return fail('throttled');
      }

      let pending = inFlight.get(key);
      if (!pending) {
        pending = verify(key, credentials.username, credentials.password).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      let outcome: CachedOutcome;
      try {
        outcome = await pending;
      } catch (err) {
        result('unavailable');
        const error =
          err instanceof EdgeError ? err : new EdgeError('EDGE_AUTH_UNAVAILABLE', undefined, { cause: err });
        return { ok: false, reason: 'unavailable', error };
      }
      if (outcome.ok) {
        result('authenticated');
        return { ok: true, principal: outcome.principal };
      }
      throttle.recordFailure(credentials.username, clientIp);
      return fail(outcome.reason);
    },
  };
}
