// MVC output-formatter selection for the legacy's three result kinds (CONTRACT §2.3), following
// DefaultOutputFormatterSelector with RespectBrowserAcceptHeader=false and the formatter list
// [StringOutputFormatter (text/plain), SystemTextJsonOutputFormatter (application/json, text/json,
// application/*+json)]. Pure.

export type ResultKind = 'object' | 'string' | 'problem';

export interface Negotiated {
  /** Media type without charset, e.g. application/json. */
  readonly mediaType: string;
  /** Body written by the JSON formatter (a string becomes a JSON string literal). */
  readonly json: boolean;
  /** Response encoding: TextOutputFormatter supports UTF-8 (default) and UTF-16 (little endian). */
  readonly charset: 'utf-8' | 'utf-16';
}

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  /** Parameters before q; they must all be present in a supported type, which has none. */
  readonly hasMatchingParams: boolean;
  readonly quality: number;
  readonly order: number;
}

function splitHeader(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function parseQuality(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const q = Number(raw.trim());
  return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 1;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  splitHeader(header).forEach((entry, order) => {
    const [range = '', ...params] = entry.split(';');
    const slash = range.indexOf('/');
    if (slash < 0) return;
    const type = range.slice(0, slash).trim().toLowerCase();
    const subtype = range
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    if (!TOKEN.test(type) || !TOKEN.test(subtype)) return;
    let hasMatchingParams = false;
    let q: string | undefined;
    for (const param of params) {
      const [name = '', value] = param.split('=');
      const n = name.trim().toLowerCase();
      if (n === 'q') {
        q = value;
        break; // "q and later parameters are not involved in media type matching"
      }
      if (n !== '*' && n !== '') hasMatchingParams = true;
    }
    ranges.push({ type, subtype, hasMatchingParams, quality: parseQuality(q), order });
  });
  // Highest quality first; equal qualities keep their order.
  return ranges.sort((a, b) => b.quality - a.quality || a.order - b.order);
}

/** The supported media type a formatter would pick for an Accept range, if it is a subset of it. */
function matchRange(kind: 'string' | 'json', r: MediaRange): string | null {
  if (r.hasMatchingParams) return null;
  const typeOk = (t: string) => r.type === '*' || r.type === t;
  const subtypeOk = (s: string) => r.subtype === '*' || r.subtype === s;
  if (kind === 'string') return typeOk('text') && subtypeOk('plain') ? 'text/plain' : null;
  if (typeOk('application') && subtypeOk('json')) return 'application/json';
  if (typeOk('text') && subtypeOk('json')) return 'text/json';
  // application/*+json is a wildcard; MVC only matches it against server-defined content types, so a
  // client asking for e.g. application/problem+json falls through to the default (ASP.NET Core's
  // JsonOutputFormatterTestBase: "application/some.entity+json", not server-defined → cannot write).
  return null;
}

function selectCharset(acceptCharset: string | undefined): 'utf-8' | 'utf-16' {
  if (!acceptCharset) return 'utf-8';
  const entries = splitHeader(acceptCharset)
    .map((entry, order) => {
      const [name = '', ...params] = entry.split(';');
      const qParam = params.find((p) => p.trim().toLowerCase().startsWith('q='));
      return { name: name.trim().toLowerCase(), quality: parseQuality(qParam?.split('=')[1]), order };
    })
    .filter((e) => e.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.order - b.order);
  for (const e of entries) {
    if (e.name === 'utf-8' || e.name === '*') return 'utf-8';
    if (e.name === 'utf-16') return 'utf-16';
  }
  return 'utf-8';
}

export function negotiate(
  kind: ResultKind,
  accept: string | undefined,
  acceptCharset: string | undefined,
): Negotiated {
  const charset = selectCharset(acceptCharset);
  // ProblemDetails results carry server-defined content types: always application/problem+json.
  if (kind === 'problem') return { mediaType: 'application/problem+json', json: true, charset };
  const ranges = accept ? parseAccept(accept) : [];
  // Browser-style Accept headers (any */*) are ignored altogether.
  const usable = ranges.some((r) => r.type === '*' && r.subtype === '*') ? [] : ranges;
  for (const r of usable) {
    if (kind === 'string') {
      const plain = matchRange('string', r);
      if (plain) return { mediaType: plain, json: false, charset };
    }
    const json = matchRange('json', r);
    if (json) return { mediaType: json, json: true, charset };
  }
  // No Accept, or nothing acceptable: the first formatter that can write the value.
  return kind === 'string'
    ? { mediaType: 'text/plain', json: false, charset }
    : { mediaType: 'application/json', json: true, charset };
}
