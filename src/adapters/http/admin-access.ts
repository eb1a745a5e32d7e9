// Who may use the admin port's control endpoints (`/_edge/*`): with EDGE_ADMIN_TOKEN set, a caller sending
// `Authorization: Bearer <token>` (compared in constant time); without a token, loopback callers only.
// The probes (/healthz, /readyz, /metrics) stay open: load balancers and Prometheus rarely send tokens.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface AdminAccessOptions {
  /** EDGE_ADMIN_TOKEN; undefined = loopback callers only. */
  readonly token: string | undefined;
  /** Who may call without a configured token (default: loopback addresses). Injectable for tests. */
  readonly allowWithoutToken?: (remoteAddress: string) => boolean;
}

export type AccessVerdict =
  { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

export function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Same-length digests, so neither the token's length nor its content leaks through timing. */
function sameToken(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(presented), expected);
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function createAdminAccess(options: AdminAccessOptions): {
  check(authorization: string | readonly string[] | undefined, remoteAddress: string): AccessVerdict;
} {
  const expected = options.token === undefined ? undefined : digest(options.token);
  const allowWithoutToken = options.allowWithoutToken ?? isLoopback;
  return {
    check(authorization, remoteAddress) {
      if (expected === undefined) {
        return allowWithoutToken(remoteAddress)
          ? { ok: true }
          : {
              ok: false,
              status: 403,
              message: 'admin endpoints accept loopback callers only while EDGE_ADMIN_TOKEN is not set',
            };
      }
      const values =
        authorization === undefined
          ? []
          : typeof authorization === 'string'
            ? [authorization]
            : authorization;
      const match = values.length === 1 ? BEARER.exec(values[0] as string) : null;
      if (!match || !sameToken(match[1] as string, expected))
        return {
          ok: false,
          status: 401,
          message: 'admin endpoints need Authorization: Bearer <EDGE_ADMIN_TOKEN>',
        };
      return { ok: true };
    },
  };
}
