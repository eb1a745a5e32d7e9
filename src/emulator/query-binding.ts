// [FromQuery] binding of MVC's SimpleTypeModelBinder (CONTRACT §2.3): names case-insensitive, first
// value wins, `int` through Int32Converter (invariant culture, surrounding white space, sign, and the
// converter's hex forms #1F / 0x1F / &h1F), empty strings bind null. Errors go to the ModelState.
import type { ModelState } from './model-state.js';
import { parseDotNetInteger } from './router.js';

export type QueryValues = ReadonlyMap<string, readonly string[]>;

/** Percent-decoding like Uri.UnescapeDataString: undecodable sequences stay as they are. */
export function unescapeLenient(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Decode the longest valid prefixes one escape group at a time.
      let out = '';
      let i = 0;
      while (i < run.length) {
        let decoded = false;
        for (let len = Math.min(12, run.length - i); len >= 3; len -= 3) {
          try {
            out += decodeURIComponent(run.slice(i, i + len));
            i += len;
            decoded = true;
            break;
          } catch {
            /* shorter */
          }
        }
        if (!decoded) {
          out += run.slice(i, i + 3);
          i += 3;
        }
      }
      return out;
    }
  });
}

/** QueryFeature parsing: '&'-separated, '+' is a space, keys compared ignoring case. */
export function parseQuery(rawQuery: string): QueryValues {
  const map = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = unescapeLenient((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : unescapeLenient(pair.slice(eq + 1).replace(/\+/g, ' '));
    if (name === '') continue;
    const key = name.toLowerCase();
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }
  return map;
}

const isNullOrWhiteSpace = (s: string) => /^\s*$/.test(s);

/** [FromQuery] string? — empty or white-space values bind null. */
export function bindString(query: QueryValues, name: string): string | null {
  const first = query.get(name.toLowerCase())?.[0];
  return first === undefined || isNullOrWhiteSpace(first) ? null : first;
}

type ConvertResult = { value: number } | { error: 'format' | 'other' };

/** Convert.ToInt32(text, 16): unsigned 32-bit pattern, optional 0x prefix, no sign. */
function fromHex(text: string): ConvertResult {
  const body = /^0x/i.test(text) ? text.slice(2) : text;
  if (body === '' || body.startsWith('-')) return { error: 'other' };
  if (!/^[0-9A-Fa-f]+$/.test(body)) return { error: 'format' };
  const value = BigInt(`0x${body}`);
  if (value > 0xffffffffn) return { error: 'format' }; // OverflowException: same message
  return { value: Number(BigInt.asIntN(32, value)) };
}

/** Int32Converter.ConvertFrom(invariant culture, string). */
function convertInt32(raw: string): ConvertResult {
  const text = raw.trim();
  if (text.startsWith('#')) return fromHex(text.slice(1));
  if (/^(0x|&h)/i.test(text)) return fromHex(text.slice(2));
  const value = parseDotNetInteger(text, 32);
  return value === null ? { error: 'format' } : { value: Number(value) };
}

/** [FromQuery] int with a default; on failure records the MVC message and returns the default. */
export function bindInt(
  query: QueryValues,
  name: string,
  defaultValue: number,
  modelState: ModelState,
): number {
  const values = query.get(name.toLowerCase());
  if (values === undefined) return defaultValue;
  const attempted = values.join(',');
  const first = values[0] as string;
  if (isNullOrWhiteSpace(first)) {
    modelState.addError(name, `The value '${attempted}' is invalid.`);
    return defaultValue;
  }
  const result = convertInt32(first);
  if ('value' in result) return result.value;
  // FormatException/OverflowException become the attempted-value message; other exceptions are
  // recorded as exceptions and surface as the generic "The input was not valid.".
  modelState.addError(
    name,
    result.error === 'format'
      ? `The value '${attempted}' is not valid for ${name}.`
      : 'The input was not valid.',
  );
  return defaultValue;
}
