// Asp.Versioning 8.1 as configured by the legacy (CONTRACT §2.2): URL segment + X-API-Version header
// readers, default 2.0 assumed when unspecified, no reported versions. Error answers are status-only.
// Pure: decides the outcome of a request for an endpoint family, it does not write responses.

export interface ApiVersion {
  readonly group: string | null;
  readonly major: number | null;
  readonly minor: number | null;
  readonly status: string | null;
}

// [yyyy-MM-dd][.major[.minor]][-status] or major[.minor][-status]
const VERSION =
  /^(?:(\d{4}-\d{2}-\d{2})(?:\.(\d+)(?:\.(\d+))?)?|(\d+)(?:\.(\d+))?)(?:-([A-Za-z][A-Za-z0-9]*))?$/;

export function parseApiVersion(text: string): ApiVersion | null {
  const m = VERSION.exec(text.trim());
  if (!m) return null;
  const group = m[1] ?? null;
  if (group !== null && Number.isNaN(Date.parse(`${group}T00:00:00Z`))) return null;
  const majorText = m[2] ?? m[4];
  const minorText = m[3] ?? m[5];
  const major = majorText === undefined ? null : Number(majorText);
  // A major version without a minor implies minor 0 ("2" equals "2.0").
  const minor = minorText === undefined ? (major === null ? null : 0) : Number(minorText);
  return { group, major, minor, status: m[6] ?? null };
}

export function sameApiVersion(a: ApiVersion, b: ApiVersion): boolean {
  return (
    a.group === b.group &&
    a.major === b.major &&
    a.minor === b.minor &&
    (a.status ?? '').toLowerCase() === (b.status ?? '').toLowerCase()
  );
}

export const V1: ApiVersion = { group: null, major: 1, minor: 0, status: null };
export const V2: ApiVersion = { group: null, major: 2, minor: 0, status: null };

export type VersionDecision = 'serve' | 'badRequest' | 'notFound';

/**
 * @param supported the version the endpoint's controller implements (v1: 1.0, everything else 2.0)
 * @param urlVersion raw `v{version}` route value, or undefined for routes without one
 * @param headerValues the X-API-Version header values (one per header line)
 */
export function decideApiVersion(
  supported: ApiVersion,
  urlVersion: string | undefined,
  headerValues: readonly string[],
): VersionDecision {
  const raw: string[] = [];
  if (urlVersion !== undefined) raw.push(urlVersion);
  for (const v of headerValues) if (v.trim() !== '') raw.push(v);
  if (raw.length === 0) {
    // Unspecified: the default 2.0 is assumed; a controller without 2.0 (v1) cannot serve it → 400.
    return sameApiVersion(supported, V2) ? 'serve' : 'badRequest';
  }
  const parsed = raw.map(parseApiVersion);
  if (parsed.some((v) => v === null)) return 'badRequest'; // malformed
  const versions = parsed as ApiVersion[];
  const first = versions[0] as ApiVersion;
  // Equivalent values ("2" and "2.0") are de-duplicated; different ones are ambiguous.
  if (versions.some((v) => !sameApiVersion(v, first))) return 'badRequest';
  if (sameApiVersion(first, supported)) return 'serve';
  // An unsupported version taken from the URL exits with 404, one from the header with 400.
  return urlVersion !== undefined ? 'notFound' : 'badRequest';
}
