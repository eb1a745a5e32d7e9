// Compiles a routes.yaml path pattern into one case-insensitive RegExp, once at load time. Mirrors the legacy's
// ASP.NET routing conservatively: a path we fail to match still reaches the legacy, a false match would not.
//
// Syntax (every segment is one of):
//   literal      letters, digits, `.`, `_`, `~`, `-`             /api/Apotheken
//   version      `v<major>` or `v<major>.0`, matches both forms   /v2/rezept  ≡ /v2.0/rezept (CONTRACT §2.2)
//   parameter    `{name}`, `{name:int}`, `{name:long}`            /api/Apotheken/{id:int}
//   catch-all    `**`, only as the last segment                   /health/**
// Matching is case-insensitive and tolerates one trailing slash; the query string is never part of a path.

export interface CompiledPattern {
  readonly regex: RegExp;
  readonly parameters: readonly string[];
}

export type PatternResult =
  { readonly ok: true; readonly pattern: CompiledPattern } | { readonly ok: false; readonly reason: string };

const LITERAL = /^[A-Za-z0-9._~-]+$/;
const VERSION = /^v(\d{1,3})(?:\.0)?$/i;
const PARAMETER = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::(int|long))?\}$/;
const CONSTRAINTS: Readonly<Record<string, string>> = {
  // Conservative digit counts: values near the int32/int64 limits fall through to the legacy.
  int: '-?[0-9]{1,9}',
  long: '-?[0-9]{1,18}',
};

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compilePattern(path: string): PatternResult {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    return { ok: false, reason: 'must start with "/"' };
  }
  if (path === '/') return { ok: true, pattern: { regex: /^\/$/, parameters: [] } };
  if (path.endsWith('/'))
    return { ok: false, reason: 'must not end with "/" (one trailing slash is always tolerated)' };

  const segments = path.slice(1).split('/');
  const parts: string[] = [];
  const parameters: string[] = [];
  let catchAll = false;
  for (const [index, segment] of segments.entries()) {
    if (segment === '') return { ok: false, reason: 'contains an empty segment ("//")' };
    if (segment === '**') {
      if (index !== segments.length - 1)
        return { ok: false, reason: '"**" is only allowed as the last segment' };
      catchAll = true;
      continue;
    }
    const version = VERSION.exec(segment);
    if (version) {
      parts.push(`v${version[1]}(?:\\.0)?`);
      continue;
    }
    const parameter = PARAMETER.exec(segment);
    if (parameter) {
      const name = parameter[1] as string;
      if (parameters.includes(name)) return { ok: false, reason: `parameter {${name}} appears twice` };
      parameters.push(name);
      const constraint = parameter[2];
      parts.push(`(?<${name}>${constraint ? CONSTRAINTS[constraint] : '[^/]+'})`);
      continue;
    }
    if (segment.includes('{') || segment.includes('}')) {
      return {
        ok: false,
        reason: `segment "${segment}" is not a valid parameter ({name}, {name:int}, {name:long})`,
      };
    }
    if (!LITERAL.test(segment)) {
      return { ok: false, reason: `segment "${segment}" has characters outside [A-Za-z0-9._~-]` };
    }
    parts.push(escapeRegex(segment));
  }

  const body = parts.length > 0 ? `/${parts.join('/')}` : '';
  const source = catchAll ? `^${body}(?:/.*)?$` : `^${body}/?$`;
  return { ok: true, pattern: { regex: new RegExp(source, 'i'), parameters } };
}
