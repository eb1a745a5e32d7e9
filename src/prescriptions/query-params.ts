// Reads the query parameters of a V2 read the way ASP.NET Core model binding would (CONTRACT §2.3:
// names case-insensitive, first value wins, '+' is a space, %-decoding) — or says it is unsure.
// Pure; never guesses: anything it cannot mirror exactly becomes a forward reason.

export type QueryParamsResult =
  | { readonly ok: true; readonly first: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly reason: 'param-name' | 'param-encoding' };

const ASCII_ONLY = /^[\x20-\x7e]*$/;

/**
 * Returns the first (decoded) value of each wanted parameter. `wanted` holds lower-case ASCII names.
 * Unknown parameters are ignored, as the legacy ignores them; a parameter name that might fold onto a
 * wanted name under .NET's ordinal-ignore-case rules (non-ASCII, undecodable) makes the result unsure.
 */
export function readQueryParams(rawQuery: string, wanted: readonly string[]): QueryParamsResult {
  const first = new Map<string, string>();
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  if (query === '') return { ok: true, first };
  for (const segment of query.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const rawKey = eq === -1 ? segment : segment.slice(0, eq);
    const rawValue = eq === -1 ? '' : segment.slice(eq + 1);
    let key = rawKey;
    if (/[%+]/.test(rawKey)) {
      const decoded = formDecode(rawKey);
      // .NET keeps undecodable sequences literally (or as U+FFFD): such a key can never equal a wanted
      // ASCII name, so it is ignored like any unknown parameter.
      if (decoded === undefined) continue;
      key = decoded;
    }
    if (!ASCII_ONLY.test(key)) return { ok: false, reason: 'param-name' };
    const name = key.toLowerCase();
    if (!wanted.includes(name) || first.has(name)) continue;
    // A '+' in a value we interpret is a space to ASP.NET; rather than lean on that, we forward.
    if (rawValue.includes('+')) return { ok: false, reason: 'param-encoding' };
    const value = rawValue.includes('%') ? formDecode(rawValue) : rawValue;
    if (value === undefined) return { ok: false, reason: 'param-encoding' };
    first.set(name, value);
  }
  return { ok: true, first };
}

function formDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Parses an int32 the way we are sure .NET's binder parses it: optional '-', 1–10 ASCII digits, in range.
 * Whitespace, '+', hex ('0x…', '#…'), decimals and overflow are refused (the legacy answers 400 or
 * binds something surprising for some of them).
 */
export function parsePlainInt32(text: string): number | undefined {
  if (!/^-?\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  if (value > 2147483647 || value < -2147483648) return undefined;
  return value === 0 ? 0 : value; // normalise -0
}
