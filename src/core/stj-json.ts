// System.Text.Json-compatible JSON text (CONTRACT §3.1, §3.4): byte-exact string escaping plus a small
// serializer for DTO-shaped values. Pure and synchronous: no I/O, no date formatting (see stj-datetime.ts).
import { Buffer } from 'node:buffer';
import { EdgeError } from '../errors.js';

// Per ASCII code unit: 0 = written literally, 1 = two-character escape (`\` + SHORT_ESCAPE[c]),
// 2 = `\u00XX`. Code units >= 0x80 are always `\uXXXX`. This one table is the §3.4 rule set.
const ASCII_KIND = new Uint8Array(128);
const SHORT_ESCAPE = new Uint8Array(128);
for (let c = 0; c < 0x20; c++) ASCII_KIND[c] = 2;
for (const ch of '"&\'+<>`\x7f') ASCII_KIND[ch.charCodeAt(0)] = 2; // `"` is \u0022 in STJ, not \"
for (const [ch, letter] of [
  ['\\', '\\'],
  ['\n', 'n'],
  ['\r', 'r'],
  ['\t', 't'],
  ['\b', 'b'],
  ['\f', 'f'],
] as const) {
  ASCII_KIND[ch.charCodeAt(0)] = 1;
  SHORT_ESCAPE[ch.charCodeAt(0)] = letter.charCodeAt(0);
}

const HEX_UPPER = Uint8Array.from('0123456789ABCDEF', (ch) => ch.charCodeAt(0));
// The hot loop below writes the bytes of `\`, `u`, `0` (0x5c, 0x75, 0x30) as literals: named
// module-level constants measured ~7% slower (V8 reloads and hole-checks them on every use).

// Matches the first code unit that is not written literally, derived from ASCII_KIND so the fast
// path can never disagree with the slow one.
const NEEDS_ESCAPE = new RegExp(
  '[^' +
    Array.from({ length: 128 }, (_, c) => c)
      .filter((c) => ASCII_KIND[c] === 0)
      .map((c) => '\\x' + c.toString(16).padStart(2, '0'))
      .join('') +
    ']',
);

// The escaped text is built as bytes in a reused buffer and turned into one flat string at the end.
// Concatenating slices instead builds a rope of thousands of pieces whose later flattening costs more
// than the escaping (1000 items of ~2 KB XML, escape + build body + encode: 96 ms vs 16 ms). Output is at most 6 bytes
// per UTF-16 code unit. Sharing the buffer is safe: stjEscape is synchronous, never re-entered, and
// toString copies. Inputs above SCRATCH_MAX_CHARS get a one-off buffer so the module pins <= 6 MiB.
const SCRATCH_MAX_CHARS = 1 << 20;
let scratch = Buffer.allocUnsafe(6 * 8192);

function outputBuffer(chars: number): Buffer {
  const needed = chars * 6;
  if (needed <= scratch.length) return scratch;
  if (chars > SCRATCH_MAX_CHARS) return Buffer.allocUnsafe(needed);
  scratch = Buffer.allocUnsafe(Math.min(Math.max(needed, scratch.length * 2), SCRATCH_MAX_CHARS * 6));
  return scratch;
}

function writeUnicodeEscape(out: Buffer, at: number, unit: number): number {
  out[at] = 0x5c;
  out[at + 1] = 0x75;
  out[at + 2] = HEX_UPPER[unit >> 12]!;
  out[at + 3] = HEX_UPPER[(unit >> 8) & 15]!;
  out[at + 4] = HEX_UPPER[(unit >> 4) & 15]!;
  out[at + 5] = HEX_UPPER[unit & 15]!;
  return at + 6;
}

/**
 * Writes the escaped content of `s` (without quotes) into `out` from `at`; returns the end offset. `out`
 * must have room for `stjEscapedMaxBytes(s)` bytes from `at`. The one escaping loop: stjEscape and
 * writers that escape straight into their output buffer (no intermediate string) share it.
 */
export function stjEscapeInto(s: string, out: Buffer, at: number): number {
  const n = s.length;
  let p = at;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      const kind = ASCII_KIND[c];
      if (kind === 0) {
        out[p++] = c;
        continue;
      }
      out[p++] = 0x5c;
      if (kind === 1) {
        out[p++] = SHORT_ESCAPE[c]!;
        continue;
      }
      out[p] = 0x75;
      out[p + 1] = 0x30;
      out[p + 2] = 0x30;
      out[p + 3] = HEX_UPPER[c >> 4]!;
      out[p + 4] = HEX_UPPER[c & 15]!;
      p += 5;
      continue;
    }
    let unit = c;
    if ((c & 0xf800) === 0xd800) {
      if (c < 0xdc00 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        p = writeUnicodeEscape(out, p, c);
        unit = s.charCodeAt(++i);
      } else {
        unit = 0xfffd; // lone surrogate -> U+FFFD, as STJ's encoder does
      }
    }
    p = writeUnicodeEscape(out, p, unit);
  }
  return p;
}

/** Upper bound of the escaped size of `s` in bytes (every UTF-16 unit at most `\uXXXX`). */
export function stjEscapedMaxBytes(s: string): number {
  return s.length * 6;
}

/** True when `s` is written literally (every unit printable ASCII outside the escape table). */
export function stjIsLiteral(s: string): boolean {
  return !NEEDS_ESCAPE.test(s);
}

/**
 * The content of a JSON string literal (without the quotes) exactly as System.Text.Json's default
 * encoder writes it. A lone surrogate becomes `\uFFFD`, as in STJ (it replaces ill-formed UTF-16);
 * a valid surrogate pair becomes two escapes. Strings needing no escape are returned as they are.
 */
export function stjEscape(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  const out = outputBuffer(s.length);
  const p = stjEscapeInto(s, out, 0);
  // Every byte written is ASCII, so latin1 decoding is exact and the cheapest conversion.
  return out.toString('latin1', 0, p);
}

/**
 * A JSON string literal as STJ writes it (or `null`), as bytes in a buffer of exactly that size and of its
 * own (never a slice of Node's shared pool), for callers that keep it.
 */
export function stjStringBytes(s: string | null | undefined): Buffer {
  if (s === null || s === undefined) return Buffer.from('null', 'latin1');
  const out = outputBuffer(s.length + 1);
  out[0] = 0x22;
  const end = stjEscapeInto(s, out, 1);
  out[end] = 0x22;
  const bytes = Buffer.allocUnsafeSlow(end + 1);
  out.copy(bytes, 0, 0, end + 1);
  return bytes;
}

/** A JSON string literal as STJ writes it, or `null` for null/undefined. */
export function stjString(s: string | null | undefined): string {
  return s === null || s === undefined ? 'null' : '"' + stjEscape(s) + '"';
}

/**
 * What stjSerialize accepts. Declare DTOs as `type` aliases (not interfaces) so they are assignable:
 * TypeScript gives interfaces no implicit index signature. Dates are pre-formatted strings
 * (stj-datetime.ts); 64-bit integers are `bigint`.
 */
export type StjValue = null | boolean | number | bigint | string | readonly StjValue[] | StjObject;
export type StjObject = { readonly [member: string]: StjValue };

// A guard against cycles, not a contract: the legacy DTOs nest at most four levels.
const MAX_DEPTH = 64;

/**
 * Compact JSON of `value` as STJ (web defaults, no naming policy applied here) would write it: members
 * in insertion order, nulls written, strings escaped per §3.4, integers only. Member names are
 * written as given, so pass them camelCased. Throws EdgeError EDGE_INTERNAL for anything a legacy
 * DTO cannot contain (floats, unsafe integers, undefined, functions, class instances, cycles).
 * Caveat: JavaScript orders integer-like member names ("1") before others; no DTO has such names.
 */
export function stjSerialize(value: StjValue): string {
  try {
    return writeValue(value, 0);
  } catch (err) {
    if (!(err instanceof SerializeFailure)) throw err;
    throw new EdgeError('EDGE_INTERNAL', `stjSerialize: $${err.path} ${err.reason}`);
  }
}

// Carries the reason up the recursion; each level prepends its member/index, so no path string is
// built for values that serialize fine.
class SerializeFailure {
  path = '';
  constructor(readonly reason: string) {}
}

function within(err: unknown, segment: string): unknown {
  if (err instanceof SerializeFailure) err.path = segment + err.path;
  return err;
}

function writeValue(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return '"' + stjEscape(value) + '"';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isSafeInteger(value)) throw new SerializeFailure('is not a safe integer (use bigint)');
      return String(value); // -0 prints as "0", like an int
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw new SerializeFailure('nests too deep');
      return Array.isArray(value) ? writeArray(value, depth) : writeObject(value, depth);
    default:
      throw new SerializeFailure(`is ${typeof value}, not a JSON value`);
  }
}

function writeArray(items: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    try {
      out += writeValue(items[i], depth + 1);
    } catch (err) {
      throw within(err, `[${i}]`);
    }
  }
  return out + ']';
}

function writeObject(obj: object, depth: number): string {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) throw new SerializeFailure('is not a plain object');
  let out = '{';
  for (const name in obj) {
    if (!Object.hasOwn(obj, name)) continue;
    if (out.length > 1) out += ',';
    try {
      out += '"' + stjEscape(name) + '":' + writeValue((obj as Record<string, unknown>)[name], depth + 1);
    } catch (err) {
      throw within(err, `.${name}`);
    }
  }
  return out + '}';
}
