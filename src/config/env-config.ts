// Environment → one validated, frozen EdgeConfig. Every problem is reported together; nothing here reads
// process.env (main.ts passes the environment in) and nothing else reads the environment at all.
//
// The fast paths (sql/cache route modes), their cache and authentication — defaults in CONFIG_VARIABLES:
//
// | variable                        | default    | meaning                                                          |
// |---------------------------------|------------|------------------------------------------------------------------|
// | ARZSW_DATABASE_URL              | (unset)    | management (ArzSw) DB, URL or Npgsql string; required as soon as |
// |                                 |            | a route is in sql/cache mode (start fails otherwise). Secret.    |
// | EDGE_SQL_STATEMENT_TIMEOUT_MS   | 10000      | statement_timeout of the proxy's tenant connections; a timeout   |
// |                                 |            | forwards the request to the legacy                               |
// | REDIS_URL                       | (unset)    | shared epochs (+ L2 with EDGE_CACHE_KEY); unset: L1 only         |
// | EDGE_CACHE_KEY                  | (unset)    | AES-256 key ring for L2 values (`base64` or `id:b64,id:b64`);    |
// |                                 |            | unset: no L2 (logged at start). Secret.                          |
// | EDGE_CACHE_TTL_MS               | 300000     | freshness of a cache entry (safety net behind invalidation)      |
// | EDGE_CACHE_MAX_BYTES            | 268435456  | L1 (in-process) budget                                           |
// | EDGE_CACHE_MAX_ENTRY_BYTES      | 16777216   | larger bodies are not cached; they stream from SQL               |
// | EDGE_BODY_BUFFER_POOL_BYTES     | 268435456  | most bytes kept for reuse by buffers cache hits are written from |
// | EDGE_COUNT_MEMO_MAX_AGE_MS      | 300000     | longest use of a remembered V2 list count (safety net behind     |
// |                                 |            | invalidation); 0 turns the count memo off                        |
// | EDGE_ITEM_MEMO_BYTES            | 134217728  | encoded V2 list items kept by item version (checked against the  |
// |                                 |            | database on every read); 0 turns the item memo off               |
// | EDGE_AUTH_CACHE_TTL_MS          | 60000      | a successful login is remembered this long                       |
// | EDGE_AUTH_FAILURE_TTL_MS        | 5000       | a failed login is remembered this long                           |
// | EDGE_AUTH_CACHE_MAX             | 10000      | remembered logins                                                |
// | EDGE_AUTH_THROTTLE              | true       | throttle repeated failed logins (per login and per client IP)    |
// | EDGE_AUTH_THROTTLE_MAX_FAILURES | 10         | failures within the window before the cooldown                   |
// | EDGE_AUTH_THROTTLE_WINDOW_MS    | 60000      |                                                                  |
// | EDGE_AUTH_THROTTLE_COOLDOWN_MS  | 30000      |                                                                  |
// | EDGE_AUTH_BCRYPT_CONCURRENCY    | 2          | BCrypt verifications at once (each holds a libuv thread)         |
import { isIP } from 'node:net';
import { parseDatabaseLocator, redactConnectionString } from '../core/npgsql-connection-string.js';
import { EdgeError } from '../errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the legacy lives. `basePath` is prepended to every client path (IIS application `/ArzTi3`). */
export interface LegacyTarget {
  readonly url: string;
  readonly protocol: 'http:' | 'https:';
  /** Bare host name or IP (IPv6 without brackets) for connecting. */
  readonly hostname: string;
  readonly port: number;
  /** '' or '/Segment…' without trailing slash. */
  readonly basePath: string;
  /** Host header value naming the legacy (`host[:port]`, port only when not the default). */
  readonly hostHeader: string;
}

export interface UpstreamSettings {
  readonly connectTimeoutMs: number;
  /** Inactivity limit while waiting for / streaming the legacy's answer. */
  readonly timeoutMs: number;
  /** Idle keep-alive sockets to the legacy are closed after this long (below IIS's 120 s). */
  readonly idleTimeoutMs: number;
  readonly maxSockets: number;
}

/** The response cache (cache mode). */
export interface CacheSettings {
  /** REDIS_URL: shared epochs and, with `key`, the shared L2. A secret (may carry a password). */
  readonly redisUrl: string | undefined;
  /** EDGE_CACHE_KEY: the L2 key ring spec (syntax-checked here, parsed by adapters/cache/key-ring). Secret. */
  readonly key: string | undefined;
  readonly ttlMs: number;
  /** L1 budget. */
  readonly maxBytes: number;
  /** Bodies above this are neither stored in L1 nor in L2. */
  readonly maxEntryBytes: number;
  /** Most bytes the response writer keeps for reuse (buffers cache hits are rendered into). */
  readonly bodyBufferPoolBytes: number;
}

/** Authentication of sql/cache-mode requests against the management DB (adapters/auth). */
export interface AuthSettings {
  readonly successTtlMs: number;
  readonly failureTtlMs: number;
  readonly maxCacheEntries: number;
  readonly throttle: boolean;
  readonly throttleMaxFailures: number;
  readonly throttleWindowMs: number;
  readonly throttleCooldownMs: number;
  readonly bcryptConcurrency: number;
}

export interface EdgeConfig {
  /** Undefined when LEGACY_URL is unset (the demo mode of a later issue). */
  readonly legacy: LegacyTarget | undefined;
  /** Bind address; undefined = Node's default (all interfaces). */
  readonly host: string | undefined;
  readonly port: number;
  readonly adminPort: number;
  readonly routesFile: string;
  readonly logLevel: LogLevel;
  readonly upstream: UpstreamSettings;
  readonly drainMs: number;
  /** Forward the client's Host header instead of the legacy's own host name. */
  readonly preserveHost: boolean;
  /** Idle time a client keep-alive connection is kept open (mirrors IIS's 120 s default). */
  readonly clientKeepAliveMs: number;
  /** EDGE_KILL_SWITCH: start with every request routed to the legacy (cleared by DELETE /_edge/rollback). */
  readonly killSwitch: boolean;
  /** EDGE_ADMIN_TOKEN: bearer token for the admin port's /_edge/* endpoints; unset = loopback callers only. */
  readonly adminToken: string | undefined;
  /** EDGE_ROUTES_WATCH: reload routes.yaml when it changes (SIGHUP reloads either way). */
  readonly watchRoutes: boolean;
  /** ARZSW_DATABASE_URL: the management (ArzSw) DB; unset = no fast modes. A secret: never logged. */
  readonly managementDatabaseUrl: string | undefined;
  /** EDGE_SQL_STATEMENT_TIMEOUT_MS: statement_timeout of the proxy's tenant DB connections. */
  readonly sqlStatementTimeoutMs: number;
  /**
   * EDGE_COUNT_MEMO_MAX_AGE_MS: longest a V2 list count remembered per tenant epoch is used (the safety net
   * behind invalidation, like cache.ttlMs); 0 = no count memo.
   */
  readonly countMemoMaxAgeMs: number;
  /**
   * EDGE_ITEM_MEMO_BYTES: budget of the encoded V2 list items kept by item version (prescriptions/item-memo;
   * every use is checked against the version read with the page); 0 = none kept.
   */
  readonly itemMemoBytes: number;
  readonly cache: CacheSettings;
  readonly auth: AuthSettings;
}

export type ProxyConfig = EdgeConfig & { readonly legacy: LegacyTarget };

export function hasLegacy(config: EdgeConfig): config is ProxyConfig {
  return config.legacy !== undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Every variable this module reads, with its default (documentation and the config log share it). */
export const CONFIG_VARIABLES = {
  LEGACY_URL: '(unset: demo mode, later issue)',
  EDGE_HOST: '(all interfaces)',
  EDGE_PORT: '8080',
  EDGE_ADMIN_PORT: '9090',
  ROUTES_FILE: './routes.yaml',
  LOG_LEVEL: 'info',
  EDGE_UPSTREAM_CONNECT_TIMEOUT_MS: '3000',
  EDGE_UPSTREAM_TIMEOUT_MS: '120000',
  EDGE_UPSTREAM_IDLE_MS: '30000',
  EDGE_UPSTREAM_MAX_SOCKETS: '256',
  EDGE_DRAIN_MS: '10000',
  EDGE_PRESERVE_HOST: 'false',
  EDGE_CLIENT_KEEPALIVE_MS: '120000',
  EDGE_KILL_SWITCH: 'false',
  EDGE_ADMIN_TOKEN: '(unset: /_edge/* only from loopback)',
  EDGE_ROUTES_WATCH: 'true',
  ARZSW_DATABASE_URL: '(unset: sql/cache routes cannot start)',
  EDGE_SQL_STATEMENT_TIMEOUT_MS: '10000',
  REDIS_URL: '(unset: L1 only, epochs local to this instance)',
  EDGE_CACHE_KEY: '(unset: no L2)',
  EDGE_CACHE_TTL_MS: '300000',
  EDGE_CACHE_MAX_BYTES: '268435456',
  EDGE_CACHE_MAX_ENTRY_BYTES: '16777216',
  EDGE_BODY_BUFFER_POOL_BYTES: '268435456',
  EDGE_COUNT_MEMO_MAX_AGE_MS: '300000',
  EDGE_ITEM_MEMO_BYTES: '134217728',
  EDGE_AUTH_CACHE_TTL_MS: '60000',
  EDGE_AUTH_FAILURE_TTL_MS: '5000',
  EDGE_AUTH_CACHE_MAX: '10000',
  EDGE_AUTH_THROTTLE: 'true',
  EDGE_AUTH_THROTTLE_MAX_FAILURES: '10',
  EDGE_AUTH_THROTTLE_WINDOW_MS: '60000',
  EDGE_AUTH_THROTTLE_COOLDOWN_MS: '30000',
  EDGE_AUTH_BCRYPT_CONCURRENCY: '2',
} as const;

type Variable = keyof typeof CONFIG_VARIABLES;

class Problems {
  readonly list: string[] = [];
  add(variable: Variable, message: string): void {
    this.list.push(`${variable}: ${message}`);
  }
}

function raw(env: Env, name: Variable): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(
  env: Env,
  name: Variable,
  fallback: number,
  min: number,
  max: number,
  problems: Problems,
): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    problems.add(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return Number(value);
}

function boolean(env: Env, name: Variable, fallback: boolean, problems: Problems): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  problems.add(name, `must be true or false, got ${JSON.stringify(value)}`);
  return fallback;
}

function adminToken(env: Env, problems: Problems): string | undefined {
  const value = raw(env, 'EDGE_ADMIN_TOKEN');
  if (value !== undefined && (value.length < 16 || !/^[\x21-\x7e]+$/.test(value))) {
    problems.add('EDGE_ADMIN_TOKEN', 'must be at least 16 visible ASCII characters without spaces');
    return undefined;
  }
  return value;
}

/** A URL or Npgsql string pg can use; the value itself is never echoed (it may hold a password). */
function databaseLocator(env: Env, name: Variable, problems: Problems): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  try {
    parseDatabaseLocator(value);
  } catch {
    problems.add(name, 'is neither a postgres:// URL nor a valid Npgsql connection string');
    return undefined;
  }
  return value;
}

function redisUrl(env: Env, problems: Problems): string | undefined {
  const value = raw(env, 'REDIS_URL');
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    problems.add('REDIS_URL', 'must be a redis:// or rediss:// URL with a host');
    return undefined;
  }
  return value;
}

const CACHE_KEY_ENTRY = /^(?:[A-Za-z0-9_-]{1,16}:)?[A-Za-z0-9+/]{43}=$/;

/** Syntax only (a ring of 32-byte base64 keys, optional ids, unique); never echoes key material. */
function cacheKey(env: Env, problems: Problems): string | undefined {
  const value = raw(env, 'EDGE_CACHE_KEY');
  if (value === undefined) return undefined;
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const ids = entries.map((e, i) =>
    e.includes(':') ? e.slice(0, e.indexOf(':')) : entries.length === 1 ? '0' : `#${i}`,
  );
  const bad = entries.findIndex((e) => !CACHE_KEY_ENTRY.test(e) || (entries.length > 1 && !e.includes(':')));
  if (entries.length === 0 || bad !== -1 || new Set(ids).size !== ids.length) {
    problems.add(
      'EDGE_CACHE_KEY',
      'must be one 32-byte key in base64, or a ring `id:base64,id:base64` (ids [A-Za-z0-9_-]{1,16}, unique; last = newest)',
    );
    return undefined;
  }
  return value;
}

function legacyTarget(env: Env, problems: Problems): LegacyTarget | undefined {
  const value = raw(env, 'LEGACY_URL');
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add('LEGACY_URL', `is not an absolute URL: ${JSON.stringify(value)}`);
    return undefined;
  }
  const before = problems.list.length;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.add('LEGACY_URL', `must use http: or https:, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    problems.add('LEGACY_URL', 'must not carry credentials (clients send their own Authorization)');
  }
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    problems.add('LEGACY_URL', 'must not have a query or fragment (only a path base such as /ArzTi3)');
  }
  if (problems.list.length > before) return undefined;
  const protocol = url.protocol as 'http:' | 'https:';
  const defaultPort = protocol === 'https:' ? 443 : 80;
  const port = url.port === '' ? defaultPort : Number(url.port);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const basePath = url.pathname.replace(/\/+$/, '');
  return Object.freeze({
    url: `${protocol}//${url.host}${basePath}`,
    protocol,
    hostname,
    port,
    basePath,
    hostHeader: url.host,
  });
}

/** Validates the environment; throws EdgeError EDGE_CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env): EdgeConfig {
  const problems = new Problems();
  const legacy = legacyTarget(env, problems);

  const host = raw(env, 'EDGE_HOST');
  if (host !== undefined && isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host)) {
    problems.add('EDGE_HOST', `must be an IP address or host name, got ${JSON.stringify(host)}`);
  }
  const port = integer(env, 'EDGE_PORT', 8080, 0, 65535, problems);
  const adminPort = integer(env, 'EDGE_ADMIN_PORT', 9090, 0, 65535, problems);
  if (port !== 0 && port === adminPort) {
    problems.add('EDGE_ADMIN_PORT', `must differ from EDGE_PORT (${port})`);
  }

  const logLevel = raw(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.add('LOG_LEVEL', `must be one of ${LOG_LEVELS.join('|')}, got ${JSON.stringify(logLevel)}`);
  }

  const upstream: UpstreamSettings = Object.freeze({
    connectTimeoutMs: integer(env, 'EDGE_UPSTREAM_CONNECT_TIMEOUT_MS', 3000, 1, 600_000, problems),
    timeoutMs: integer(env, 'EDGE_UPSTREAM_TIMEOUT_MS', 120_000, 1, 3_600_000, problems),
    idleTimeoutMs: integer(env, 'EDGE_UPSTREAM_IDLE_MS', 30_000, 1000, 115_000, problems),
    maxSockets: integer(env, 'EDGE_UPSTREAM_MAX_SOCKETS', 256, 1, 65535, problems),
  });

  const config: EdgeConfig = Object.freeze({
    legacy,
    host,
    port,
    adminPort,
    routesFile: raw(env, 'ROUTES_FILE') ?? './routes.yaml',
    logLevel: logLevel as LogLevel,
    upstream,
    drainMs: integer(env, 'EDGE_DRAIN_MS', 10_000, 0, 600_000, problems),
    preserveHost: boolean(env, 'EDGE_PRESERVE_HOST', false, problems),
    clientKeepAliveMs: integer(env, 'EDGE_CLIENT_KEEPALIVE_MS', 120_000, 1000, 3_600_000, problems),
    killSwitch: boolean(env, 'EDGE_KILL_SWITCH', false, problems),
    adminToken: adminToken(env, problems),
    watchRoutes: boolean(env, 'EDGE_ROUTES_WATCH', true, problems),
    managementDatabaseUrl: databaseLocator(env, 'ARZSW_DATABASE_URL', problems),
    sqlStatementTimeoutMs: integer(env, 'EDGE_SQL_STATEMENT_TIMEOUT_MS', 10_000, 1, 600_000, problems),
    countMemoMaxAgeMs: integer(env, 'EDGE_COUNT_MEMO_MAX_AGE_MS', 300_000, 0, 86_400_000, problems),
    itemMemoBytes: integer(env, 'EDGE_ITEM_MEMO_BYTES', 134_217_728, 0, 2 ** 36, problems),
    cache: Object.freeze({
      redisUrl: redisUrl(env, problems),
      key: cacheKey(env, problems),
      ttlMs: integer(env, 'EDGE_CACHE_TTL_MS', 300_000, 1000, 86_400_000, problems),
      maxBytes: integer(env, 'EDGE_CACHE_MAX_BYTES', 268_435_456, 1_048_576, 68_719_476_736, problems),
      maxEntryBytes: integer(env, 'EDGE_CACHE_MAX_ENTRY_BYTES', 16_777_216, 1024, 536_870_912, problems),
      bodyBufferPoolBytes: integer(env, 'EDGE_BODY_BUFFER_POOL_BYTES', 268_435_456, 0, 2 ** 36, problems),
    }),
    auth: Object.freeze({
      successTtlMs: integer(env, 'EDGE_AUTH_CACHE_TTL_MS', 60_000, 0, 3_600_000, problems),
      failureTtlMs: integer(env, 'EDGE_AUTH_FAILURE_TTL_MS', 5_000, 0, 3_600_000, problems),
      maxCacheEntries: integer(env, 'EDGE_AUTH_CACHE_MAX', 10_000, 1, 10_000_000, problems),
      throttle: boolean(env, 'EDGE_AUTH_THROTTLE', true, problems),
      throttleMaxFailures: integer(env, 'EDGE_AUTH_THROTTLE_MAX_FAILURES', 10, 1, 1_000_000, problems),
      throttleWindowMs: integer(env, 'EDGE_AUTH_THROTTLE_WINDOW_MS', 60_000, 1000, 86_400_000, problems),
      throttleCooldownMs: integer(env, 'EDGE_AUTH_THROTTLE_COOLDOWN_MS', 30_000, 0, 86_400_000, problems),
      bcryptConcurrency: integer(env, 'EDGE_AUTH_BCRYPT_CONCURRENCY', 2, 1, 64, problems),
    }),
  });

  if (config.cache.maxEntryBytes > config.cache.maxBytes) {
    problems.add(
      'EDGE_CACHE_MAX_ENTRY_BYTES',
      `must not exceed EDGE_CACHE_MAX_BYTES (${config.cache.maxBytes})`,
    );
  }
  if (problems.list.length > 0) {
    throw new EdgeError(
      'EDGE_CONFIG_INVALID',
      `invalid configuration (${problems.list.length} problem${problems.list.length === 1 ? '' : 's'}):\n` +
        problems.list.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return config;
}

function redactRedisUrl(value: string): string {
  const url = new URL(value);
  if (url.password !== '') url.password = '***';
  return url.toString();
}

/** The effective config as logged once at start; secrets (admin token, DB/Redis passwords, cache key) are masked here. */
export function describeConfig(config: EdgeConfig): Record<string, unknown> {
  return {
    legacyUrl: config.legacy?.url ?? null,
    host: config.host ?? null,
    port: config.port,
    adminPort: config.adminPort,
    routesFile: config.routesFile,
    logLevel: config.logLevel,
    upstream: { ...config.upstream },
    drainMs: config.drainMs,
    preserveHost: config.preserveHost,
    clientKeepAliveMs: config.clientKeepAliveMs,
    killSwitch: config.killSwitch,
    adminToken: config.adminToken === undefined ? null : '[redacted]',
    watchRoutes: config.watchRoutes,
    managementDatabase:
      config.managementDatabaseUrl === undefined
        ? null
        : redactConnectionString(config.managementDatabaseUrl),
    sqlStatementTimeoutMs: config.sqlStatementTimeoutMs,
    countMemoMaxAgeMs: config.countMemoMaxAgeMs,
    itemMemoBytes: config.itemMemoBytes,
    cache: {
      ...config.cache,
      redisUrl: config.cache.redisUrl === undefined ? null : redactRedisUrl(config.cache.redisUrl),
      key: config.cache.key === undefined ? null : '[redacted]',
    },
    auth: { ...config.auth },
  };
}
