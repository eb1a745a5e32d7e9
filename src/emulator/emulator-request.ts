// A read-only snapshot of one HTTP request in the terms the legacy sees it: PathBase split off,
// path segments decoded, query parsed, raw header pairs kept (Kestrel joins repeated headers, Node
// drops some duplicates from `req.headers`), the body bytes and a W3C trace id.
import type { IncomingMessage } from 'node:http';
import type { RequestBody } from './body-binding.js';
import { newTraceId } from './problem-details.js';
import { parseQuery, unescapeLenient, type QueryValues } from './query-binding.js';

export interface EmulatorRequest {
  readonly method: string;
  /** Decoded Request.Path below the path base ("" or "/…"); null outside the path base. */
  readonly path: string | null;
  /** Its segments for route matching (trailing slash dropped); null outside the path base. */
  readonly segments: readonly string[] | null;
  readonly query: QueryValues;
  readonly rawHeaders: readonly string[];
  readonly body: RequestBody;
  /** Request.Host as sent (used for absolute Location headers). */
  readonly host: string;
  readonly traceId: string;
  /** Every value of a header, in arrival order. */
  headerValues(name: string): string[];
  /** StringValues.ToString(): non-empty values joined with ','; undefined when absent. */
  header(name: string): string | undefined;
}

/** Request.Path below the PathBase (UsePathBase semantics: whole segments, ignoring case), decoded. */
function pathBelowBase(rawPath: string, pathBase: string): string | null {
  const path = rawPath.split('/').map(unescapeLenient).join('/');
  if (pathBase === '') return path;
  const lower = path.toLowerCase();
  const base = pathBase.toLowerCase();
  if (lower === base) return '';
  return lower.startsWith(`${base}/`) ? path.slice(pathBase.length) : null;
}

/** Route matching ignores one trailing slash; "/" has no segments. */
function toSegments(path: string): string[] {
  const segments = path.split('/').slice(1);
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

export function createEmulatorRequest(req: IncomingMessage, body: Buffer, pathBase: string): EmulatorRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawHeaders = req.rawHeaders;
  const headerValues = (name: string): string[] => {
    const lower = name.toLowerCase();
    const values: string[] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if ((rawHeaders[i] as string).toLowerCase() === lower) values.push(rawHeaders[i + 1] as string);
    }
    return values;
  };
  const header = (name: string): string | undefined => {
    const values = headerValues(name);
    return values.length === 0 ? undefined : values.filter((v) => v !== '').join(',');
  };
  const contentLength = Number(header('content-length') ?? '0');
  const path = pathBelowBase(rawPath.startsWith('/') ? rawPath : `/${rawPath}`, pathBase);
  return {
    method: req.method ?? 'GET',
    path,
    segments: path === null ? null : toSegments(path),
    query: parseQuery(q < 0 ? '' : url.slice(q + 1)),
    rawHeaders,
    body: {
      contentType: header('content-type'),
      bytes: body,
      canHaveBody: contentLength > 0 || header('transfer-encoding') !== undefined,
    },
    host: header('host') ?? '',
    traceId: newTraceId(),
    headerValues,
    header,
  };
}
