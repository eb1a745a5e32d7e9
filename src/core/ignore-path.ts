// The JSONPath subset shadow comparison uses to ignore volatile fields (`$.responseTimestamp`,
// `$.prescriptions[*].deliveryTimestamp`). Compiled once at load; pure, no I/O. It only reads and masks
// values a comparison owns (freshly parsed JSON), never shared data.
//
// Syntax after the leading `$`:
//   .name  or  ['name']   a member              [n]   an array index
//   [*]    or  .*         every element/member  ..name   a member `name` at any depth

export type IgnoreSegment =
  | { readonly kind: 'member'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'descendant'; readonly name: string };

export interface IgnorePath {
  /** As written in routes.yaml. */
  readonly text: string;
  readonly segments: readonly IgnoreSegment[];
  /** The member name the path ends in, for masking raw text by key; undefined for `[n]` / `[*]` ends. */
  readonly key: string | undefined;
}

export type IgnorePathResult =
  { readonly ok: true; readonly path: IgnorePath } | { readonly ok: false; readonly reason: string };

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;
const INDEX = /^\[(\d{1,6})\]/;
const QUOTED = /^\['([^'\\]+)'\]/;

export function compileIgnorePath(text: string): IgnorePathResult {
  if (!text.startsWith('$')) return { ok: false, reason: 'must start with "$"' };
  const segments: IgnoreSegment[] = [];
  let rest = text.slice(1);
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if (rest.startsWith('..')) {
      match = NAME.exec(rest.slice(2));
      if (!match) return { ok: false, reason: `expected a member name after ".." at "${rest}"` };
      segments.push({ kind: 'descendant', name: match[0] });
      rest = rest.slice(2 + match[0].length);
    } else if (rest.startsWith('.*') || rest.startsWith('[*]')) {
      segments.push({ kind: 'wildcard' });
      rest = rest.slice(rest.startsWith('.*') ? 2 : 3);
    } else if (rest.startsWith('.')) {
      match = NAME.exec(rest.slice(1));
      if (!match) return { ok: false, reason: `expected a member name after "." at "${rest}"` };
      segments.push({ kind: 'member', name: match[0] });
      rest = rest.slice(1 + match[0].length);
    } else if ((match = QUOTED.exec(rest))) {
      segments.push({ kind: 'member', name: match[1] as string });
      rest = rest.slice(match[0].length);
    } else if ((match = INDEX.exec(rest))) {
      segments.push({ kind: 'index', index: Number(match[1]) });
      rest = rest.slice(match[0].length);
    } else {
      return { ok: false, reason: `unexpected "${rest}" (use .name, ['name'], [n], [*], .* or ..name)` };
    }
  }
  if (segments.length === 0) return { ok: false, reason: 'must name a field below "$"' };
  const last = segments[segments.length - 1] as IgnoreSegment;
  const key = last.kind === 'member' || last.kind === 'descendant' ? last.name : undefined;
  return { ok: true, path: Object.freeze({ text, segments: Object.freeze(segments), key }) };
}

/** The value every ignored field is replaced with before two documents are compared. */
export const MASKED = '\u0000masked';

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function maskAt(value: Json, segments: readonly IgnoreSegment[], at: number): void {
  const segment = segments[at];
  if (segment === undefined || value === null || typeof value !== 'object') return;
  const last = at === segments.length - 1;
  const visit = (container: Record<string, Json> | Json[], key: string | number) => {
    const child = (container as Record<string, Json>)[key as string];
    if (child === undefined) return;
    if (last) (container as Record<string, Json>)[key as string] = MASKED;
    else maskAt(child, segments, at + 1);
  };
  switch (segment.kind) {
    case 'member':
      if (isObject(value) && Object.hasOwn(value, segment.name)) visit(value, segment.name);
      return;
    case 'index':
      if (Array.isArray(value) && segment.index < value.length) visit(value, segment.index);
      return;
    case 'wildcard':
      if (Array.isArray(value)) for (let i = 0; i < value.length; i += 1) visit(value, i);
      else for (const key of Object.keys(value)) visit(value as Record<string, Json>, key);
      return;
    case 'descendant': {
      const children = Array.isArray(value) ? value : Object.values(value);
      if (isObject(value) && Object.hasOwn(value, segment.name)) visit(value, segment.name);
      for (const child of children) if (child !== MASKED) maskAt(child, segments, at);
      return;
    }
  }
}

/**
 * Replaces every value an ignore path selects with MASKED, in place. Only call it on a document the caller
 * owns (e.g. straight from JSON.parse).
 */
export function maskIgnoredPaths(document: Json, paths: readonly IgnorePath[]): void {
  for (const path of paths) maskAt(document, path.segments, 0);
}
