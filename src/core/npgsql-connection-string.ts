// Npgsql 8 keyword connection strings (CONTRACT §4.4: arzsw_datenbank.datenbank_connection_string) parsed
// exactly as .NET's DbConnectionStringBuilder + NpgsqlConnectionStringBuilder 8.0.8 do, mapped to a pg pool
// config, and redacted for logs. Pure: reads no files or environment; error messages never echo values.
import type { PoolConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { EdgeError } from '../errors.js';
import { tokenize, trimWhiteSpace } from './db-connection-string-syntax.js';
import {
  convert,
  expected,
  findKeyword,
  INT,
  parseInt32,
  upper,
  type KeywordValue,
} from './npgsql-keywords.js';

export type NpgsqlSslMode = 'Disable' | 'Allow' | 'Prefer' | 'Require' | 'VerifyCA' | 'VerifyFull';

export interface NpgsqlHost {
  readonly host: string;
  readonly port: number;
}

/** The keywords the proxy acts on, with Npgsql's defaults filled in. Holds the password: never log it. */
export interface NpgsqlSettings {
  /** The first entry of `hosts`. Npgsql fails over across all of them; the proxy uses only this one. */
  readonly host: string;
  readonly port: number;
  /** Every host of `Host`/`Server` (`a,b:5433`), each with its own port or `Port`. */
  readonly hosts: readonly NpgsqlHost[];
  readonly database: string | null;
  readonly username: string | null;
  readonly password: string | null;
  readonly passfile: string | null;
  readonly pooling: boolean;
  readonly minPoolSize: number;
  readonly maxPoolSize: number;
  readonly timeoutSeconds: number;
  /** 0 = no timeout. */
  readonly commandTimeoutSeconds: number;
  readonly connectionIdleLifetimeSeconds: number;
  /** 0 = unlimited. */
  readonly connectionLifetimeSeconds: number;
  readonly sslMode: NpgsqlSslMode;
  /** Obsolete in Npgsql 8 and without effect; kept only because it is accepted. */
  readonly trustServerCertificate: boolean;
  readonly rootCertificate: string | null;
  readonly sslCertificate: string | null;
  readonly applicationName: string | null;
  readonly searchPath: string | null;
  readonly options: string | null;
  readonly timezone: string | null;
  readonly encoding: string;
  /** Npgsql's application-level keepalive query interval in seconds; 0 = off. */
  readonly keepAliveSeconds: number;
  readonly tcpKeepAlive: boolean;
  readonly tcpKeepAliveTimeSeconds: number;
  readonly includeErrorDetail: boolean;
  /** Every other keyword given, by canonical name (`SSL Password` is validated, then dropped). */
  readonly other: Readonly<Record<string, string | number | boolean>>;
}

function fail(message: string): never {
  throw new EdgeError('EDGE_AUTH_CONNECTION_STRING', `Npgsql connection string: ${message}`);
}

const SECRET_WORD = /PASSWORD|PWD|PSW/;

// Unknown keywords are named in errors only when they cannot be a piece of a password: a value with
// an unquoted ';' (`Password=a;b=c`) or a forgotten '=' (`Password secret;…`) turns it into a "keyword".
function describeUnknown(key: string, afterSecret: boolean): string {
  const showable = /^[A-Za-z][A-Za-z ]{0,39}$/.test(key) && !SECRET_WORD.test(upper(key));
  return showable && !afterSecret ? `'${key}'` : '(not shown: it may contain part of a password)';
}

const QUOTE_HINT = '; a value containing ; or quotes must be enclosed in quotes';

function splitHostPort(text: string): NpgsqlHost | null {
  const separator = text.lastIndexOf(':');
  if (separator === -1) return null;
  const otherColon = text.slice(0, separator).lastIndexOf(':');
  const ipv6End = text.lastIndexOf(']');
  if (otherColon !== -1 && !(separator > ipv6End && otherColon < ipv6End)) return null; // bare IPv6
  const port = parseInt32(text.slice(separator + 1));
  if (port === null || port < 1) fail(`invalid port in 'Host' (expected an integer from 1 to ${INT.max})`);
  return { host: text.slice(0, separator), port };
}

/** NpgsqlConnectionStringBuilder.PostProcessAndValidate and NpgsqlMultiHostDataSource's host list. */
function parseHosts(hostText: string, port: number): NpgsqlHost[] {
  if (trimWhiteSpace(hostText, true) === '') fail("'Host' is empty");
  const isSocketPath = /^[/\\@]/.test(hostText);
  const hosts = hostText.includes(',')
    ? hostText.split(',').map((entry) => {
        const host = trimWhiteSpace(entry, true);
        return splitHostPort(host) ?? { host, port };
      })
    : [(isSocketPath ? null : splitHostPort(hostText)) ?? { host: hostText, port }];
  if (hosts.some((h) => h.host === '')) fail("'Host' lists an empty host name");
  return hosts;
}

// Keywords with a field of their own in NpgsqlSettings; the rest goes to `other`.
const TYPED = new Set(
  'Host Port Database Username Password Passfile Pooling Timeout Encoding Timezone Keepalive Options'
    .split(' ')
    .concat(['Minimum Pool Size', 'Maximum Pool Size', 'Command Timeout', 'Connection Idle Lifetime'])
    .concat(['Connection Lifetime', 'SSL Mode', 'Trust Server Certificate', 'Root Certificate'])
    .concat(['SSL Certificate', 'Application Name', 'Search Path', 'TCP Keepalive', 'TCP Keepalive Time'])
    .concat(['Include Error Detail']),
);

/**
 * Parses an Npgsql keyword connection string as Npgsql 8.0.8 would: keywords case-insensitive with
 * their synonyms, a later duplicate wins, `key=` resets to the default, unknown keywords and invalid
 * values fail, and the checks Npgsql makes when opening (Host present, pool sizes) are applied.
 * Throws EdgeError EDGE_AUTH_CONNECTION_STRING naming the keyword and position, never a value.
 */
export function parseNpgsqlConnectionString(s: string): NpgsqlSettings {
  const { pairs, error } = tokenize(s);
  if (error !== undefined) {
    const previous = pairs.at(-1);
    const afterSecret = previous !== undefined && findKeyword(previous.key)?.secret === true;
    fail(`syntax error at character ${error.at + 1}: ${error.reason}${afterSecret ? QUOTE_HINT : ''}`);
  }
  const values = new Map<string, KeywordValue>();
  let afterSecret = false;
  for (const pair of pairs) {
    const keyword = findKeyword(pair.key);
    if (keyword === undefined) {
      const hint = afterSecret ? QUOTE_HINT : '';
      fail(`unknown keyword ${describeUnknown(pair.key, afterSecret)} at character ${pair.start + 1}${hint}`);
    }
    afterSecret = keyword.secret === true;
    if (pair.value === null) {
      values.delete(keyword.name);
      continue;
    }
    const value = convert(keyword.kind, pair.value);
    if (value === null) {
      fail(
        `invalid value for '${keyword.name}' at character ${pair.valueStart + 1}: expected ${expected(keyword.kind)}`,
      );
    }
    values.set(keyword.name, value);
  }

  const text = (name: string): string | null => (values.get(name) as string | undefined) ?? null;
  const int = (name: string, fallback: number): number =>
    (values.get(name) as number | undefined) ?? fallback;
  const bool = (name: string, fallback: boolean): boolean =>
    (values.get(name) as boolean | undefined) ?? fallback;

  const hostText = text('Host');
  if (hostText === null) fail("no 'Host' (or 'Server') given");
  const hosts = parseHosts(hostText, int('Port', 5432));
  const pooling = bool('Pooling', true);
  const [minPoolSize, maxPoolSize] = [int('Minimum Pool Size', 0), int('Maximum Pool Size', 100)];
  const idleLifetime = int('Connection Idle Lifetime', 300);
  const pruningInterval = int('Connection Pruning Interval', 10);
  if (bool('Multiplexing', false) && !pooling) fail("'Multiplexing' requires 'Pooling'");
  if (pooling && maxPoolSize < minPoolSize) fail("'Maximum Pool Size' is below 'Minimum Pool Size'");
  if (pooling && pruningInterval === 0) fail("'Connection Pruning Interval' can't be 0");
  if (pooling && idleLifetime < pruningInterval) {
    fail("'Connection Idle Lifetime' is below 'Connection Pruning Interval'");
  }

  const other: Record<string, KeywordValue> = {};
  for (const [name, value] of values) if (!TYPED.has(name) && name !== 'SSL Password') other[name] = value;
  const first = hosts[0]!;
  return {
    host: first.host,
    port: first.port,
    hosts,
    database: text('Database'),
    username: text('Username'),
    password: text('Password'),
    passfile: text('Passfile'),
    pooling,
    minPoolSize,
    maxPoolSize,
    timeoutSeconds: int('Timeout', 15),
    commandTimeoutSeconds: int('Command Timeout', 30),
    connectionIdleLifetimeSeconds: idleLifetime,
    connectionLifetimeSeconds: int('Connection Lifetime', 0),
    sslMode: (text('SSL Mode') ?? 'Prefer') as NpgsqlSslMode,
    trustServerCertificate: bool('Trust Server Certificate', false),
    rootCertificate: text('Root Certificate'),
    sslCertificate: text('SSL Certificate'),
    applicationName: text('Application Name'),
    searchPath: text('Search Path'),
    options: text('Options'),
    timezone: text('Timezone'),
    encoding: text('Encoding') ?? 'UTF8',
    keepAliveSeconds: int('Keepalive', 0),
    tcpKeepAlive: bool('TCP Keepalive', false),
    tcpKeepAliveTimeSeconds: int('TCP Keepalive Time', 0),
    includeErrorDetail: bool('Include Error Detail', false),
    other,
  };
}

/** How toPgPoolConfig obtains PEM files named by the string (core does no I/O itself). */
export interface PgConfigDeps {
  readonly readTextFile?: (path: string) => string;
}

// PostgreSQL's startup `options` split on white space; a backslash escapes the next character.
const optionValue = (v: string) => v.replace(/[\\ \t\n\v\f\r]/g, (ch) => '\\' + ch);

function sslConfig(settings: NpgsqlSettings, deps: PgConfigDeps): boolean | ConnectionOptions {
  if (settings.sslCertificate !== null)
    fail("'SSL Certificate' (client certificates) is not supported by the proxy");
  switch (settings.sslMode) {
    case 'Disable':
    case 'Allow':
    case 'Prefer':
      // pg has no opportunistic TLS: Allow/Prefer connect in plain text, which Npgsql also accepts
      // from a server without TLS. A server that insists on TLS needs `SSL Mode=Require` here.
      return false;
    case 'Require':
      return { rejectUnauthorized: false }; // Npgsql 8: encrypted, certificate not checked
    case 'VerifyCA':
    case 'VerifyFull': {
      const options: ConnectionOptions = { rejectUnauthorized: true };
      if (settings.sslMode === 'VerifyCA') options.checkServerIdentity = () => undefined; // chain only
      if (settings.rootCertificate !== null) {
        if (deps.readTextFile === undefined) fail("'Root Certificate' needs PgConfigDeps.readTextFile");
        options.ca = deps.readTextFile(settings.rootCertificate);
      }
      return options;
    }
  }
}

/**
 * A pg Pool config equivalent to what Npgsql would open. Differences: only the first host is used,
 * `Pooling=false` still pools, `Keepalive` becomes TCP keepalive, and `Passfile`, client
 * certificates and `Encoding`/`Client Encoding` other than UTF-8 are not supported (pg speaks UTF-8).
 */
export function toPgPoolConfig(settings: NpgsqlSettings, deps: PgConfigDeps = {}): PoolConfig {
  if (settings.password === null && settings.passfile !== null) {
    fail("'Passfile' is not supported by the proxy; give 'Password' instead");
  }
  const config: PoolConfig = {
    host: settings.host.replace(/^\[(.*)\]$/, '$1'), // Npgsql keeps [::1]; node's net wants ::1
    port: settings.port,
    max: settings.maxPoolSize,
    min: settings.minPoolSize,
    connectionTimeoutMillis: settings.timeoutSeconds * 1000,
    idleTimeoutMillis: settings.connectionIdleLifetimeSeconds * 1000,
    ssl: sslConfig(settings, deps),
  };
  const database = settings.database ?? settings.username; // Npgsql's default database is the user name
  if (database !== null) config.database = database;
  if (settings.username !== null) config.user = settings.username;
  if (settings.password !== null) config.password = settings.password;
  if (settings.commandTimeoutSeconds > 0) {
    // Npgsql cancels client-side; statement_timeout also stops the server, query_timeout the client.
    config.statement_timeout = settings.commandTimeoutSeconds * 1000;
    config.query_timeout = settings.commandTimeoutSeconds * 1000;
  }
  if (settings.applicationName !== null) config.application_name = settings.applicationName;
  const options = [
    settings.options,
    settings.searchPath === null ? null : `-c search_path=${optionValue(settings.searchPath)}`,
    settings.timezone === null ? null : `-c TimeZone=${optionValue(settings.timezone)}`,
  ].filter((o) => o !== null && o !== '');
  if (options.length > 0) config.options = options.join(' ');
  const keepAliveSeconds = settings.tcpKeepAliveTimeSeconds || settings.keepAliveSeconds;
  if (settings.tcpKeepAlive || keepAliveSeconds > 0) {
    config.keepAlive = true;
    config.keepAliveInitialDelayMillis = keepAliveSeconds * 1000;
  }
  if (settings.connectionLifetimeSeconds > 0) config.maxLifetimeSeconds = settings.connectionLifetimeSeconds;
  return config;
}

const URL_SCHEME = /^\s*postgres(?:ql)?:\/\//i;

/** A database named either by a postgres:// URL (handed to pg as is) or an Npgsql keyword string. */
export function parseDatabaseLocator(s: string, deps: PgConfigDeps = {}): PoolConfig {
  return URL_SCHEME.test(s) ? { connectionString: s } : toPgPoolConfig(parseNpgsqlConnectionString(s), deps);
}

function redactUrl(s: string): string {
  const authority = s.indexOf('://') + 3;
  // The last '@' anywhere ends the user info, so an unencoded '/', '?', '#' or '@' in a password
  // cannot hide it; an '@' in the query over-redacts, which is harmless in a log line.
  const at = s.lastIndexOf('@');
  const colon = s.indexOf(':', authority);
  const redacted =
    at >= authority && colon !== -1 && colon < at ? s.slice(0, colon + 1) + '***' + s.slice(at) : s;
  return redacted.replace(/([?&](?:password|sslpassword)=)[^&#]*/gi, '$1***');
}

// Shown in logs: keywords, and values of known non-secret keywords. Hidden: secret values, values
// of unknown keywords (a misspelt "Pasword"), whole pairs that follow a secret or mention one
// (likely the rest of an unquoted password containing ';'), and everything after a syntax error.
function redactKeywords(s: string): string {
  const { pairs, error } = tokenize(s);
  let out = '';
  let copied = 0;
  let afterSecret = false;
  for (const pair of pairs) {
    const keyword = findKeyword(pair.key);
    const end = pair.value === null ? pair.valueStart : pair.valueEnd;
    if (keyword === undefined && (afterSecret || SECRET_WORD.test(upper(pair.key)))) {
      out += s.slice(copied, pair.start) + '***';
      copied = end;
      continue;
    }
    afterSecret = keyword?.secret === true;
    if ((keyword === undefined || afterSecret) && pair.value !== null) {
      out += s.slice(copied, pair.valueStart) + '***';
      copied = end;
    }
  }
  return error === undefined
    ? out + s.slice(copied)
    : out + s.slice(copied, Math.max(copied, error.at)) + '***';
}

/** The string with its password(s) replaced by `***`, for logs. Handles both syntaxes; never throws. */
export function redactConnectionString(s: string): string {
  try {
    return URL_SCHEME.test(s) ? redactUrl(s) : redactKeywords(s);
  } catch {
    return '***';
  }
}
