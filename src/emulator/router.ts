// Endpoint selection as ASP.NET Core routing does it for the legacy (CONTRACT §2.1, §2.2): templates
// matched case-insensitively with a tolerated trailing slash, route constraints, then the HTTP-method
// policy (405 + Allow) and the API-versioning policy (status-only 400/404). Pure; no handlers here.
import { decideApiVersion, V1, V2, type ApiVersion } from './api-versioning.js';

export type EndpointId =
  | 'v2.list'
  | 'v2.status'
  | 'v2.statusuuid'
  | 'v2.bulkUpdate'
  | 'v1.new'
  | 'v1.markAsRead'
  | 'v1.setAbgerechnet'
  | 'apotheken.list'
  | 'apotheken.get'
  | 'apotheken.byIk'
  | 'apotheken.create'
  | 'apotheken.update'
  | 'apotheken.delete'
  | 'health.arzsw'
  | 'health.checks';

export type RouteResult =
  | { kind: 'endpoint'; id: EndpointId; routeValues: Readonly<Record<string, string>>; requiresAuth: boolean }
  | { kind: 'empty'; status: 400 | 404 | 405; allow?: string };

type SegmentPattern =
  | { kind: 'literal'; text: string }
  | { kind: 'version' } // v{version:apiVersion}
  | { kind: 'int' | 'long'; name: string };

interface RouteTemplate {
  readonly segments: readonly SegmentPattern[];
  /** null: the API-versioning policy is not involved (health checks). */
  readonly supported: ApiVersion | null;
  readonly actions: readonly { method: string; id: EndpointId }[];
  readonly requiresAuth: boolean;
}

function template(
  path: string,
  supported: ApiVersion | null,
  actions: RouteTemplate['actions'],
  requiresAuth = true,
): RouteTemplate {
  const segments = path.split('/').map((s): SegmentPattern => {
    if (s === 'v{version}') return { kind: 'version' };
    const constrained = /^\{(\w+):(int|long)\}$/.exec(s);
    if (constrained) return { kind: constrained[2] as 'int' | 'long', name: constrained[1] as string };
    return { kind: 'literal', text: s.toLowerCase() };
  });
  return { segments, supported, actions, requiresAuth };
}

const ANY = '*';

/** The catalogue of §2.1 (Swagger is handled before routing). */
const ROUTES: readonly RouteTemplate[] = [
  template('v{version}/rezept', V2, [{ method: 'GET', id: 'v2.list' }]),
  template('v{version}/rezept/status', V2, [
    { method: 'GET', id: 'v2.status' },
    { method: 'PATCH', id: 'v2.bulkUpdate' },
  ]),
  template('v{version}/rezept/statusuuid', V2, [{ method: 'PATCH', id: 'v2.statusuuid' }]),
  ...['api/Prescriptions', 'api/v{version}/Prescriptions'].flatMap((prefix) => [
    template(`${prefix}/new`, V1, [{ method: 'GET', id: 'v1.new' }]),
    template(`${prefix}/mark-as-read`, V1, [{ method: 'POST', id: 'v1.markAsRead' }]),
    template(`${prefix}/set-abgerechnet`, V1, [{ method: 'POST', id: 'v1.setAbgerechnet' }]),
  ]),
  template('api/Apotheken', V2, [
    { method: 'GET', id: 'apotheken.list' },
    { method: 'POST', id: 'apotheken.create' },
  ]),
  template('api/Apotheken/{id:int}', V2, [
    { method: 'GET', id: 'apotheken.get' },
    { method: 'PUT', id: 'apotheken.update' },
    { method: 'DELETE', id: 'apotheken.delete' },
  ]),
  template('api/Apotheken/by-ik/{ikNr:long}', V2, [{ method: 'GET', id: 'apotheken.byIk' }]),
  template('api/Health/arzsw', V2, [{ method: 'GET', id: 'health.arzsw' }], false),
  ...['health/live', 'health/ready', 'health/system'].map((p) =>
    template(p, null, [{ method: ANY, id: 'health.checks' }], false),
  ),
];

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
// NumberStyles.Integer: leading/trailing white (U+0009–U+000D, U+0020) and a leading sign.
const INTEGER_TEXT = /^[\t\n\v\f\r ]*([+-]?)(\d+)[\t\n\v\f\r ]*$/;

/** int.TryParse / long.TryParse with NumberStyles.Integer and the invariant culture. */
export function parseDotNetInteger(text: string, bits: 32 | 64): bigint | null {
  const m = INTEGER_TEXT.exec(text);
  if (!m) return null;
  const value = BigInt(`${m[1]}${m[2]}`);
  const range = bits === 32 ? INT32 : INT64;
  return value < range.min || value > range.max ? null : value;
}

function matchTemplate(t: RouteTemplate, segments: readonly string[]): Record<string, string> | null {
  if (t.segments.length !== segments.length) return null;
  const values: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = t.segments[i] as SegmentPattern;
    const seg = segments[i] as string;
    if (pattern.kind === 'literal') {
      if (seg.toLowerCase() !== pattern.text) return null;
    } else if (pattern.kind === 'version') {
      // "v" literal prefix + a non-empty parameter; its parse-ability is the versioning policy's business.
      if (seg.length < 2 || (seg[0] !== 'v' && seg[0] !== 'V')) return null;
      values.version = seg.slice(1);
    } else {
      if (parseDotNetInteger(seg, pattern.kind === 'int' ? 32 : 64) === null) return null;
      values[pattern.name] = seg;
    }
  }
  return values;
}

/**
 * @param segments decoded path segments below the path base (trailing slash already removed)
 * @param xApiVersion the X-API-Version header values
 */
export function selectEndpoint(
  method: string,
  segments: readonly string[],
  xApiVersion: readonly string[],
): RouteResult {
  const candidates = ROUTES.map((t) => ({ t, values: matchTemplate(t, segments) })).filter(
    (c): c is { t: RouteTemplate; values: Record<string, string> } => c.values !== null,
  );
  if (candidates.length === 0) return { kind: 'empty', status: 404 };
  const upper = method.toUpperCase();
  for (const { t, values } of candidates) {
    const action = t.actions.find((a) => a.method === ANY || a.method === upper);
    if (!action) continue;
    if (t.supported !== null) {
      const decision = decideApiVersion(t.supported, values.version, xApiVersion);
      if (decision === 'badRequest') return { kind: 'empty', status: 400 };
      if (decision === 'notFound') return { kind: 'empty', status: 404 };
    }
    return { kind: 'endpoint', id: action.id, routeValues: values, requiresAuth: t.requiresAuth };
  }
  // The method policy runs before versioning; HEAD is not implied by GET.
  const allow = [...new Set(candidates.flatMap((c) => c.t.actions.map((a) => a.method)))].sort();
  return { kind: 'empty', status: 405, allow: allow.join(', ') };
}
