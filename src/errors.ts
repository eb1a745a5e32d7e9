// The one catalogue of error codes the proxy itself produces (EDGE_<AREA>_<WHAT>). Codes are compared
// by `err.code`, never renamed or reused. Legacy answers never pass through here.

export const ERROR_CODES = {
  EDGE_CONFIG_INVALID: 'A setting in the environment is missing or malformed',
  EDGE_ROUTES_INVALID: 'routes.yaml is malformed or names an unknown key, mode or pattern',
  EDGE_UPSTREAM_UNREACHABLE: 'The legacy application could not be reached',
  EDGE_UPSTREAM_TIMEOUT: 'The legacy application did not answer in time',
  EDGE_UPSTREAM_ERROR: 'The connection to the legacy application failed mid-response',
  EDGE_PROTOCOL_INVALID: 'The request violates HTTP framing rules and was not forwarded',
  EDGE_AUTH_UNAVAILABLE: 'The management database could not be queried',
  EDGE_AUTH_CONNECTION_STRING: 'A tenant connection string could not be parsed',
  EDGE_SQL_UNAVAILABLE: 'The tenant database could not be queried',
  EDGE_SQL_TIMEOUT: 'A tenant database statement exceeded its timeout',
  EDGE_CACHE_UNAVAILABLE: 'The shared cache (Redis) is unavailable',
  EDGE_NOTIFY_DISCONNECTED: 'The LISTEN connection of a tenant database is down',
  EDGE_ADMIN_UNAUTHORIZED: 'The admin endpoint needs a valid bearer token',
  EDGE_INTERNAL: 'An unexpected error inside the proxy',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class EdgeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = ERROR_CODES[code], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EdgeError';
    this.code = code;
  }
}

export function isEdgeError(err: unknown, code?: ErrorCode): err is EdgeError {
  return err instanceof EdgeError && (code === undefined || err.code === code);
}
