// Classifies a failed exchange with the legacy and wraps it in an EdgeError whose message is safe to show a
// client (no internal host names; the cause keeps the details for the log).
import { EdgeError } from '../../errors.js';
import type { UpstreamErrorKind } from '../../core/outcome.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);
const TIMEOUT = new Set(['ECONNECT_TIMEOUT', 'ETIMEDOUT', 'EDGE_UPSTREAM_TIMEOUT']);

export function errorCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function classifyUpstreamError(err: unknown, timedOut: boolean): UpstreamErrorKind {
  const code = errorCodeOf(err);
  if (timedOut || (code !== undefined && TIMEOUT.has(code))) return 'timeout';
  if (code !== undefined && UNREACHABLE.has(code)) return 'unreachable';
  return 'reset';
}

export function upstreamEdgeError(kind: UpstreamErrorKind, cause: unknown): EdgeError {
  switch (kind) {
    case 'unreachable':
      return new EdgeError(
        'EDGE_UPSTREAM_UNREACHABLE',
        'arzti-edge could not reach the legacy application (connection failed)',
        { cause },
      );
    case 'timeout':
      return new EdgeError('EDGE_UPSTREAM_TIMEOUT', 'arzti-edge gave up waiting for the legacy application', {
        cause,
      });
    case 'reset':
      return new EdgeError(
        'EDGE_UPSTREAM_ERROR',
        'the connection between arzti-edge and the legacy application failed before a response arrived',
        { cause },
      );
  }
}

/** The error the response timeout destroys an upstream request with. */
export function responseTimeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`no activity from the legacy for ${timeoutMs} ms`), {
    code: 'EDGE_UPSTREAM_TIMEOUT',
  });
}
