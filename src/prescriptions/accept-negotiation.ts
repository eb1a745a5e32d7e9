// Which Content-Type MVC's output formatter selection would give a V2 answer (CONTRACT §2.3), for the
// two result kinds the proxy reproduces: JSON objects (200) and bare strings (controller 400s).
// Pure. Returns 'unsure' for every Accept/Accept-Charset we do not mirror exactly; callers forward then.

export const JSON_UTF8 = 'application/json; charset=utf-8';
export const TEXT_UTF8 = 'text/plain; charset=utf-8';

export type ObjectContentType = typeof JSON_UTF8 | 'unsure';
export type StringContentType = typeof JSON_UTF8 | typeof TEXT_UTF8 | 'unsure';

type HeaderValue = string | readonly string[] | undefined;

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  /** true when the range carried parameters other than nothing (q, charset, …). */
  readonly hasParams: boolean;
}

const TOKEN = /^[a-z0-9!#$&^_.+*-]+$/;

function parseAccept(value: string): MediaRange[] | undefined {
  const ranges: MediaRange[] = [];
  for (const part of value.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const [range = '', ...params] = trimmed.split(';');
    const slash = range.indexOf('/');
    if (slash === -1) return undefined;
    const type = range.slice(0, slash).trim().toLowerCase();
    const subtype = range
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
    ranges.push({ type, subtype, hasParams: params.length > 0 });
  }
  return ranges;
}

function joined(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

/** A range MVC's JSON formatter would answer with a media type other than application/json. */
function isOtherJsonish(r: MediaRange): boolean {
  if (r.type === 'text' && (r.subtype === 'json' || r.subtype === '*')) return true;
  if (r.type === 'application' && (r.subtype === '*' || r.subtype.endsWith('+json'))) return true;
  return r.type === '*' && r.subtype !== '*';
}

const isAll = (r: MediaRange) => r.type === '*' && r.subtype === '*';
const isJson = (r: MediaRange) => r.type === 'application' && r.subtype === 'json';
const isTextPlain = (r: MediaRange) => r.type === 'text' && r.subtype === 'plain';

/**
 * Content-Type of a 200 JSON object answer. MVC ignores Accept when any range is star/star (browser
 * heuristics off); otherwise application/json, text/json or application/(anything)+json ranges pick the
 * echoed type; unrelated ranges fall back to application/json. Accept-Charset could switch the encoding.
 */
export function objectContentType(accept: HeaderValue, acceptCharset: HeaderValue): ObjectContentType {
  if (acceptCharset !== undefined) return 'unsure';
  const value = joined(accept);
  if (value === undefined || value.trim() === '') return JSON_UTF8;
  const ranges = parseAccept(value);
  if (ranges === undefined) return 'unsure';
  if (ranges.some(isAll)) return JSON_UTF8;
  // Quality values reorder ranges; with no parameters at all every range has q=1 and keeps its order.
  if (ranges.some((r) => r.hasParams || isOtherJsonish(r))) return 'unsure';
  return JSON_UTF8;
}

/**
 * Content-Type of a bare-string answer (the controllers' BadRequest("…")): text/plain for no Accept,
 * any star/star, text/plain or no supported range; application/json when that range comes before any
 * text/plain range. The body follows: raw text or the JSON string literal.
 */
export function stringContentType(accept: HeaderValue, acceptCharset: HeaderValue): StringContentType {
  if (acceptCharset !== undefined) return 'unsure';
  const value = joined(accept);
  if (value === undefined || value.trim() === '') return TEXT_UTF8;
  const ranges = parseAccept(value);
  if (ranges === undefined) return 'unsure';
  if (ranges.some(isAll)) return TEXT_UTF8;
  if (ranges.some((r) => r.hasParams)) return 'unsure';
  for (const r of ranges) {
    if (isTextPlain(r) || (r.type === 'text' && r.subtype === '*')) return TEXT_UTF8;
    if (isJson(r)) return JSON_UTF8;
    if (isOtherJsonish(r)) return 'unsure';
  }
  return TEXT_UTF8;
}
