// Header rules for the hop to the legacy and back (RFC 9110 §7.6.1): hop-by-hop fields and every field named
// in Connection are dropped, X-Forwarded-* and X-Request-Id are set, Host is chosen. Always builds new
// objects/arrays: neither the client's header snapshot nor the legacy's response is modified.
import type { OutgoingHttpHeaders } from 'node:http';
import type { HeaderSnapshot } from '../../core/request-context.js';

/** Never forwarded in either direction (this hop owns connection management and framing). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
]);

/**
 * Request fields this hop replaces: `expect` (Node already answered `100 Continue` to the client — as Envoy
 * does by default — so the legacy must not be asked again), and the fields set explicitly below.
 */
const REQUEST_REPLACED = new Set([
  'expect',
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
]);

/** Never dropped even when named in Connection: they frame the message. */
const PROTECTED = new Set(['content-length', 'transfer-encoding', 'host']);

/** Response fields the edge sets itself. */
const RESPONSE_REPLACED = new Set(['x-edge', 'x-request-id']);

function connectionTokens(values: readonly string[] | undefined): Set<string> {
  const tokens = new Set<string>();
  if (!values) return tokens;
  for (const value of values) {
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name && !PROTECTED.has(name)) tokens.add(name);
    }
  }
  return tokens;
}

export interface UpstreamRequestHeaderOptions {
  readonly requestId: string;
  readonly remoteAddress: string;
  /** Host header naming the legacy, used unless preserveHost. */
  readonly legacyHost: string;
  readonly preserveHost: boolean;
  /** Scheme the client used to reach the edge. */
  readonly proto: 'http' | 'https';
}

export function buildUpstreamRequestHeaders(
  headers: HeaderSnapshot,
  options: UpstreamRequestHeaderOptions,
): OutgoingHttpHeaders {
  const nominated = connectionTokens(headers['connection']);
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    if (HOP_BY_HOP.has(name) || REQUEST_REPLACED.has(name) || nominated.has(name)) continue;
    const values = headers[name] as readonly string[];
    out[name] = values.length === 1 ? (values[0] as string) : [...values];
  }
  // The edge only admits `Transfer-Encoding: chunked` (see edge-server); the hop is re-framed the same way.
  if (headers['transfer-encoding']) out['transfer-encoding'] = 'chunked';

  const clientHost = headers['host']?.[0];
  out['host'] = options.preserveHost && clientHost ? clientHost : options.legacyHost;
  const forwardedFor = headers['x-forwarded-for'];
  out['x-forwarded-for'] = forwardedFor
    ? `${forwardedFor.join(', ')}, ${options.remoteAddress}`
    : options.remoteAddress;
  out['x-forwarded-proto'] = options.proto;
  if (clientHost) out['x-forwarded-host'] = clientHost;
  out['x-request-id'] = options.requestId;
  return out;
}

/**
 * The legacy's raw response headers (Node `rawHeaders`: name, value, name, value…) minus hop-by-hop fields,
 * in their original order, case and multiplicity (repeated Set-Cookie / WWW-Authenticate stay separate lines),
 * followed by the edge's own fields.
 */
export function buildClientResponseHeaders(
  rawHeaders: readonly string[],
  extra: readonly string[],
): string[] {
  const connection: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'connection')
      connection.push(rawHeaders[i + 1] as string);
  }
  const nominated = connectionTokens(connection);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || RESPONSE_REPLACED.has(lower) || nominated.has(lower)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  out.push(...extra);
  return out;
}
