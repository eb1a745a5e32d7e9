// Reads Basic credentials out of the Authorization header exactly as the legacy handler does
// (CONTRACT §4.1 steps 1–4): Kestrel's join of repeated headers, .NET AuthenticationHeaderValue.Parse,
// Convert.FromBase64String, UTF-8 with replacement, split at the first ':'. Pure; keeps nothing.

export type BasicCredentials =
  | { readonly ok: true; readonly username: string; readonly password: string }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid-header' };

/**
 * The Authorization value the legacy sees, given every raw value of the header in arrival order
 * (Node keeps only the first in `req.headers`; `req.rawHeaders` has all). ASP.NET's StringValues
 * returns a single value as is (even ""), and joins several with ',' skipping empty ones.
 * `undefined` means the header is absent (step 1, "Missing Authorization Header").
 */
export function effectiveAuthorization(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  if (values.length === 1) return values[0];
  return values.filter((v) => v.length > 0).join(',');
}

/** Every value of the Authorization header from a Node `rawHeaders` array (name/value pairs). */
export function authorizationValues(rawHeaders: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization')
      values.push(rawHeaders[i + 1] as string);
  }
  return values;
}

/** Steps 2–4 of the legacy handler on the effective header value. */
export function parseBasicCredentials(header: string | undefined): BasicCredentials {
  if (header === undefined) return MISSING;
  const value = parseAuthenticationHeaderValue(header);
  // Step 3: scheme compared OrdinalIgnoreCase (a token is ASCII, so toLowerCase is exact); parameter non-empty.
  if (value === undefined || value.scheme.toLowerCase() !== 'basic' || !value.parameter) return INVALID;
  const bytes = decodeBase64Strict(value.parameter);
  if (bytes === undefined) return INVALID;
  // Encoding.UTF8.GetString: invalid sequences become U+FFFD per maximal subpart, no BOM stripping —
  // the same as Buffer#toString('utf8').
  const text = bytes.toString('utf8');
  const colon = text.indexOf(':');
  if (colon === -1) return INVALID;
  return { ok: true, username: text.slice(0, colon), password: text.slice(colon + 1) };
}

const MISSING: BasicCredentials = Object.freeze({ ok: false, reason: 'missing' });
const INVALID: BasicCredentials = Object.freeze({ ok: false, reason: 'invalid-header' });

// ---------------------------------------------------------------------------------------------
// AuthenticationHeaderValue.Parse (System.Net.Http, .NET 8): GenericHeaderParser
// SingleValueAuthenticationParser → BaseHeaderParser.TryParseValue → GetAuthenticationLength.
// Ported branch for branch; the function names below are the .NET ones.

export interface AuthenticationHeaderValue {
  readonly scheme: string;
  /** null when the header carries a scheme only. */
  readonly parameter: string | null;
}

/** `undefined` where .NET's Parse throws a FormatException. */
export function parseAuthenticationHeaderValue(input: string): AuthenticationHeaderValue | undefined {
  // BaseHeaderParser.TryParseValue with SupportsMultipleValues = false.
  if (input.length === 0) return undefined;
  const start = nextNonEmptyOrWhitespaceIndex(input, 0, false);
  if (start.separatorFound) return undefined;
  if (start.index === input.length) return undefined;
  const parsed = getAuthenticationLength(input, start.index);
  if (parsed === undefined) return undefined;
  const after = nextNonEmptyOrWhitespaceIndex(input, start.index + parsed.length, false);
  if (after.separatorFound || after.index < input.length) return undefined;
  return { scheme: parsed.scheme, parameter: parsed.parameter };
}

const TOKEN_CHARS: readonly boolean[] = (() => {
  const chars = new Array<boolean>(128).fill(false);
  for (let c = 33; c < 127; c += 1) chars[c] = true;
  for (const sep of '()<>@,;:\\"/[]?={}') chars[sep.charCodeAt(0)] = false;
  return chars;
})();

function tokenLength(input: string, startIndex: number): number {
  let current = startIndex;
  while (current < input.length) {
    const c = input.charCodeAt(current);
    if (c > 127 || !TOKEN_CHARS[c]) break;
    current += 1;
  }
  return current - startIndex;
}

function whitespaceLength(input: string, startIndex: number): number {
  let current = startIndex;
  while (current < input.length) {
    const c = input[current];
    if (c === ' ' || c === '\t') {
      current += 1;
      continue;
    }
    // Obsolete line folding: CR LF followed by SP or HT counts as whitespace.
    if (c === '\r' && current + 2 < input.length && input[current + 1] === '\n') {
      const next = input[current + 2];
      if (next === ' ' || next === '\t') {
        current += 3;
        continue;
      }
    }
    break;
  }
  return current - startIndex;
}

function nextNonEmptyOrWhitespaceIndex(
  input: string,
  startIndex: number,
  skipEmptyValues: boolean,
): { index: number; separatorFound: boolean } {
  let current = startIndex + whitespaceLength(input, startIndex);
  if (current === input.length || input[current] !== ',') return { index: current, separatorFound: false };
  current += 1;
  current += whitespaceLength(input, current);
  if (skipEmptyValues) {
    while (current < input.length && input[current] === ',') {
      current += 1;
      current += whitespaceLength(input, current);
    }
  }
  return { index: current, separatorFound: true };
}

/** HttpRuleParser.GetQuotedStringLength; 0 when not a valid quoted-string. */
function quotedStringLength(input: string, startIndex: number): number {
  if (input[startIndex] !== '"') return 0;
  let current = startIndex + 1;
  while (current < input.length) {
    // A quoted-pair is only considered when at least three characters remain (pair + closing quote).
    if (current + 2 < input.length && input[current] === '\\' && input.charCodeAt(current + 1) <= 127) {
      current += 2;
      continue;
    }
    if (input[current] === '"') return current - startIndex + 1;
    current += 1;
  }
  return 0;
}

/** NameValueHeaderValue.GetValueLength: a token or a quoted-string. */
function valueLength(input: string, startIndex: number): number {
  if (startIndex >= input.length) return 0;
  const token = tokenLength(input, startIndex);
  return token > 0 ? token : quotedStringLength(input, startIndex);
}

function getAuthenticationLength(
  input: string,
  startIndex: number,
): { length: number; scheme: string; parameter: string | null } | undefined {
  if (startIndex >= input.length) return undefined;
  const schemeLength = tokenLength(input, startIndex);
  if (schemeLength === 0) return undefined;
  const scheme = input.slice(startIndex, startIndex + schemeLength);
  let current = startIndex + schemeLength;
  const ws = whitespaceLength(input, current);
  current += ws;
  if (current === input.length || input[current] === ',') {
    return { length: current - startIndex, scheme, parameter: null };
  }
  if (ws === 0) return undefined;

  const parameterStart = current;
  const cursor = { current, parameterEnd: current };
  if (!trySkipFirstBlob(input, cursor)) return undefined;
  if (cursor.current < input.length && !tryGetParametersEndIndex(input, cursor)) return undefined;
  return {
    length: cursor.current - startIndex,
    scheme,
    parameter: input.slice(parameterStart, cursor.parameterEnd + 1),
  };
}

interface Cursor {
  current: number;
  parameterEnd: number;
}

function trySkipFirstBlob(input: string, cursor: Cursor): boolean {
  while (cursor.current < input.length && input[cursor.current] !== ',') {
    if (input[cursor.current] === '"') {
      const quoted = quotedStringLength(input, cursor.current);
      if (quoted === 0) return false;
      cursor.current += quoted;
      cursor.parameterEnd = cursor.current - 1;
    } else {
      const ws = whitespaceLength(input, cursor.current);
      // Trailing whitespace is not part of the blob; interior whitespace is.
      if (ws === 0) {
        cursor.parameterEnd = cursor.current;
        cursor.current += 1;
      } else {
        cursor.current += ws;
      }
    }
  }
  return true;
}

/** After the blob: `, name=value` pairs belong to this scheme; `, token` starts another scheme. */
function tryGetParametersEndIndex(input: string, cursor: Cursor): boolean {
  let current = cursor.current;
  do {
    current += 1; // skip ','
    current = nextNonEmptyOrWhitespaceIndex(input, current, true).index;
    if (current === input.length) return true;
    const token = tokenLength(input, current);
    if (token === 0) return false;
    current += token;
    current += whitespaceLength(input, current);
    if (current === input.length || input[current] !== '=') return true;
    current += 1; // skip '='
    current += whitespaceLength(input, current);
    const value = valueLength(input, current);
    if (value === 0) return false;
    current += value;
    cursor.parameterEnd = current - 1;
    current += whitespaceLength(input, current);
    cursor.current = current;
  } while (current < input.length && input[current] === ',');
  return true;
}

// ---------------------------------------------------------------------------------------------
// Convert.FromBase64String (.NET 8): whitespace (SP, HT, CR, LF) is ignored anywhere; the rest must
// be whole 4-character blocks of the standard alphabet with at most two '=' and only at the very end.
// Unused low bits of the last symbol are not checked (like .NET). Buffer.from(…, 'base64') alone is
// far more lenient (stops at junk, accepts missing padding and base64url), hence the check first.

const BASE64_BODY = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/[ \t\r\n]/g, '');
  if (compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}
