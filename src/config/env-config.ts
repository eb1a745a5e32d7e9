// Environment → one validated, frozen EdgeConfig. Every problem is reported together; nothing here reads
// process.env (main.ts passes the environment in) and nothing else reads the environment at all.
import { isIP } from 'node:net';
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
  });

  if (problems.list.length > 0) {
    throw new EdgeError(
      'EDGE_CONFIG_INVALID',
      `invalid configuration (${problems.list.length} problem${problems.list.length === 1 ? '' : 's'}):\n` +
        problems.list.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return config;
}

/** The effective config as logged once at start. Holds no secrets today; new secret fields must be masked here. */
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
  };
}
