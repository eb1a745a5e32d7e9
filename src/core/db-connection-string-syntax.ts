// .NET's connection-string syntax (DbConnectionOptions, non-ODBC rules) as used by every ADO.NET
// provider: key=value pairs, quoting, white space, `==` in keys. Knows no keywords; no I/O.

export const isWhiteSpace = (c: number): boolean =>
  (c >= 0x09 && c <= 0x0d) ||
  c === 0x20 ||
  c === 0x85 ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000; // char.IsWhiteSpace
const isControl = (c: number) => c <= 0x1f || (c >= 0x7f && c <= 0x9f); // char.IsControl

export function trimWhiteSpace(s: string, leading: boolean): string {
  let from = 0;
  let to = s.length;
  while (leading && from < to && isWhiteSpace(s.charCodeAt(from))) from++;
  while (to > from && isWhiteSpace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

export interface Pair {
  readonly key: string;
  /** null for `key=` with nothing after it: the builder then resets the keyword to its default. */
  readonly value: string | null;
  readonly start: number;
  /** The value's span in the input, quotes included ([valueStart, valueEnd)); empty when value is null. */
  readonly valueStart: number;
  readonly valueEnd: number;
}

export interface Tokens {
  readonly pairs: Pair[];
  readonly error?: { readonly at: number; readonly reason: string };
}

type State =
  'idle' | 'key' | 'keyEqual' | 'keyEnd' | 'unquoted' | 'quoted' | 'quotedQuote' | 'quotedEnd' | 'nul';

class SyntaxFailure {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {}
}

// DbConnectionOptions.GetKeyValuePair (non-ODBC rules), state for state. `==` in a key is a literal
// `=`; values may be quoted with ' or " (doubled to escape), unquoted ones are trimmed and may not
// end in a quote; a NUL ends the string.
function readPair(s: string, from: number): { pair: Pair | null; next: number } {
  let start = from;
  let state: State = 'idle';
  let quote = '';
  let buffer = '';
  let key: string | null = null;
  let value: string | null = null;
  let valueStart = from;
  let valueEnd = from;
  let pos = from;
  let ch = '';
  const fail = (reason: string, at = start): never => {
    throw new SyntaxFailure(at, reason);
  };
  scan: for (; pos < s.length; pos++) {
    ch = s[pos]!;
    const c = ch.charCodeAt(0);
    switch (state) {
      case 'idle':
        if (ch === ';' || isWhiteSpace(c)) continue;
        if (c === 0) {
          state = 'nul';
          continue;
        }
        if (isControl(c)) fail('control character');
        start = pos;
        if (ch === '=') {
          state = 'keyEqual';
          continue;
        }
        state = 'key';
        break;
      case 'key':
        if (ch === '=') {
          state = 'keyEqual';
          continue;
        }
        if (!isWhiteSpace(c) && isControl(c)) fail('control character in a keyword');
        break;
      case 'keyEqual':
        if (ch === '=') {
          state = 'key';
          break;
        }
        key = trimWhiteSpace(buffer, false);
        if (key === '') fail('empty keyword');
        buffer = '';
        state = 'keyEnd';
        valueStart = pos;
        pos--; // the .NET parser falls through to keyEnd with this same character
        continue;
      case 'keyEnd':
        if (isWhiteSpace(c)) continue;
        valueStart = pos;
        if (ch === "'" || ch === '"') {
          quote = ch;
          state = 'quoted';
          continue;
        }
        if (ch === ';' || c === 0) break scan;
        if (isControl(c)) fail('control character in a value');
        state = 'unquoted';
        valueEnd = pos + 1;
        break;
      case 'unquoted':
        if (isWhiteSpace(c)) break;
        if (isControl(c) || ch === ';') break scan;
        valueEnd = pos + 1;
        break;
      case 'quoted':
        if (ch === quote) {
          state = 'quotedQuote';
          continue;
        }
        if (c === 0) fail('NUL inside a quoted value');
        break;
      case 'quotedQuote':
        if (ch === quote) {
          state = 'quoted';
          break;
        }
        value = buffer;
        valueEnd = pos;
        state = 'quotedEnd';
        pos--;
        continue;
      case 'quotedEnd':
        if (isWhiteSpace(c)) continue;
        if (ch === ';') break scan;
        if (c === 0) {
          state = 'nul';
          continue;
        }
        fail('text after a closing quote');
        break;
      case 'nul':
        if (c === 0 || isWhiteSpace(c)) continue;
        fail('text after a NUL character', pos);
    }
    buffer += ch;
  }
  switch (state) {
    case 'key':
      fail("keyword without '='");
      break;
    case 'quoted':
      fail('unterminated quoted value');
      break;
    case 'keyEqual':
      key = trimWhiteSpace(buffer, false);
      if (key === '') fail('empty keyword');
      valueStart = pos;
      break;
    case 'unquoted':
      value = trimWhiteSpace(buffer, true);
      if (value.endsWith("'") || value.endsWith('"')) fail('unquoted value ends with a quote');
      break;
    case 'quotedQuote':
      value = buffer;
      valueEnd = pos;
      break;
    default:
      break;
  }
  if (ch === ';' && pos < s.length) pos++;
  if (key === null) return { pair: null, next: s.length };
  return {
    pair: { key, value, start, valueStart, valueEnd: value === null ? valueStart : valueEnd },
    next: pos,
  };
}

/**
 * Splits a connection string into key/value pairs as DbConnectionStringBuilder does. Stops at the first
 * syntax error and reports where the failing pair starts, keeping the pairs before it (for redaction).
 */
export function tokenize(s: string): Tokens {
  const pairs: Pair[] = [];
  let pos = 0;
  try {
    while (pos < s.length) {
      const { pair, next } = readPair(s, pos);
      if (pair === null) break;
      pairs.push(pair);
      pos = next;
    }
  } catch (err) {
    if (err instanceof SyntaxFailure) return { pairs, error: { at: err.at, reason: err.reason } };
    throw err;
  }
  return { pairs };
}
