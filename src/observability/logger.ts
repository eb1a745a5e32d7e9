// pino logger factory with the redaction every log line gets: any property named like a credential, a
// password or a connection string is masked at any depth up to 4 in log objects, and at the usual paths
// in child-logger bindings.
// Bodies are never logged anywhere; this module only guarantees the masking, not what callers pass.
//
// Why a key scrubber instead of pino's `redact` paths: wildcard paths (`*.password`, `*.*.password`) cost
// ~50 µs per line on the request path (measured, see BENCHMARKS.md); the scrubber costs a few µs and does
// not depend on knowing where a secret sits.
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

/** Property names (case-insensitive) whose values are never written to a log. */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwort',
  'login_passwort',
  'connectionstring',
  'connection_string',
  'datenbank_connection_string',
]);

export const REDACTED = '[redacted]';
const MAX_DEPTH = 4;

/**
 * pino `redact` paths (exact, no wildcards, so they stay cheap). They matter for child-logger bindings,
 * which pino does not pass through the parent's formatters; log objects are covered by scrubSecrets.
 */
const BINDING_PATHS = [
  'authorization',
  'Authorization',
  'password',
  'connectionString',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'tenant.connectionString',
  'principal.tenant.connectionString',
];

function isPlainContainer(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Copy-on-write: returns `value` itself when nothing had to be masked. */
export function scrubSecrets<T>(value: T, depth = 0): T {
  if (depth >= MAX_DEPTH || !isPlainContainer(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const current = value[key];
    const next = REDACTED_KEYS.has(key.toLowerCase()) ? REDACTED : scrubSecrets(current, depth + 1);
    if (next !== current) {
      copy ??= { ...value };
      copy[key] = next;
    }
  }
  return (copy ?? value) as T;
}

export type EdgeAppLogger = Logger;

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'arzti-edge' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: BINDING_PATHS, censor: REDACTED },
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => scrubSecrets(object),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
