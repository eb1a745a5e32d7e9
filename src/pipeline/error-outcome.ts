// The one place where errors become outcomes: an EdgeError keeps its code (status from the table below),
// anything else is EDGE_INTERNAL 500 with a generic message (details go to the log, never to the client).
import { ERROR_CODES, isEdgeError, type ErrorCode } from '../errors.js';
import type { EdgePath, ErrorOutcome } from '../core/outcome.js';

const STATUS: Readonly<Record<ErrorCode, number>> = {
  EDGE_CONFIG_INVALID: 500,
  EDGE_ROUTES_INVALID: 500,
  EDGE_UPSTREAM_UNREACHABLE: 502,
  EDGE_UPSTREAM_TIMEOUT: 504,
  EDGE_UPSTREAM_ERROR: 502,
  EDGE_PROTOCOL_INVALID: 400,
  EDGE_AUTH_UNAVAILABLE: 503,
  EDGE_AUTH_CONNECTION_STRING: 500,
  EDGE_SQL_UNAVAILABLE: 503,
  EDGE_SQL_TIMEOUT: 504,
  EDGE_CACHE_UNAVAILABLE: 503,
  EDGE_NOTIFY_DISCONNECTED: 503,
  EDGE_ADMIN_UNAUTHORIZED: 401,
  EDGE_INTERNAL: 500,
};

export function statusForCode(code: ErrorCode): number {
  return STATUS[code];
}

export function toErrorOutcome(err: unknown, edge?: EdgePath): ErrorOutcome {
  const code: ErrorCode = isEdgeError(err) ? err.code : 'EDGE_INTERNAL';
  // Internal failures never leak their text; EdgeError messages are written to be shown to clients.
  const message = isEdgeError(err) && code !== 'EDGE_INTERNAL' ? err.message : ERROR_CODES.EDGE_INTERNAL;
  return { kind: 'error', code, status: STATUS[code], message, ...(edge ? { edge } : {}) };
}
