// Compares the legacy's answer with a candidate's (the fast path's, or a second legacy answer when
// calibrating): status, content type, parsed JSON with the ignore paths masked, and the raw bytes with the
// same members masked by key. Pure; the result is already safe to log (see value-preview.ts).
import { maskIgnoredPaths, type IgnorePath } from '../core/ignore-path.js';
import { diffJson, type Difference } from './json-diff.js';
import { createRawMasker, type RawMasker } from './raw-mask.js';
import { previewExcerpt, previewValue, truncate } from './value-preview.js';

export interface ShadowAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export interface Comparison {
  readonly match: boolean;
  /** Every difference found (the JSON walk counts all of them). */
  readonly differenceCount: number;
  /** The first `maxDifferences`, with previews of at most 80 characters. */
  readonly differences: readonly Difference[];
}

export interface Comparer {
  compare(legacy: ShadowAnswer, candidate: ShadowAnswer): Comparison;
}

export interface ComparerOptions {
  readonly ignorePaths: readonly IgnorePath[];
  readonly maxDifferences?: number;
}

function parseJson(answer: ShadowAnswer): { ok: true; value: unknown } | { ok: false } {
  const type = answer.contentType?.toLowerCase() ?? '';
  if (type.includes('xml')) return { ok: false };
  const first = answer.body.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
  // Only objects and arrays: a bare JSON string (the legacy's 400 texts) is compared as bytes.
  if (first !== 0x7b && first !== 0x5b) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(answer.body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return n;
}

function byteDifference(
  masker: RawMasker,
  legacy: ShadowAnswer,
  candidate: ShadowAnswer,
): Difference | undefined {
  const a = masker.mask(legacy.body);
  const b = masker.mask(candidate.body);
  if (a === b) return undefined;
  const at = firstDifference(a, b);
  const isXml = (legacy.contentType ?? '').toLowerCase().includes('xml');
  const show = (text: string, size: number) =>
    isXml ? `(xml, ${size} bytes, differs at masked offset ${at})` : previewExcerpt(text, at);
  return {
    path: '(bytes)',
    legacy: truncate(`${legacy.body.length} bytes: ${show(a, legacy.body.length)}`),
    candidate: truncate(`${candidate.body.length} bytes: ${show(b, candidate.body.length)}`),
  };
}

export function createComparer(options: ComparerOptions): Comparer {
  const { ignorePaths } = options;
  const maxDifferences = options.maxDifferences ?? 10;
  const masker = createRawMasker(ignorePaths.flatMap((path) => (path.key === undefined ? [] : [path.key])));
  return {
    compare(legacy, candidate) {
      const differences: Difference[] = [];
      let count = 0;
      const add = (difference: Difference) => {
        count += 1;
        if (differences.length < maxDifferences) differences.push(difference);
      };
      if (legacy.status !== candidate.status)
        add({ path: '(status)', legacy: String(legacy.status), candidate: String(candidate.status) });
      if ((legacy.contentType ?? '') !== (candidate.contentType ?? ''))
        add({
          path: '(content-type)',
          legacy: previewValue(legacy.contentType),
          candidate: previewValue(candidate.contentType),
        });

      const a = parseJson(legacy);
      const b = parseJson(candidate);
      let jsonDifferences = 0;
      if (a.ok && b.ok) {
        maskIgnoredPaths(a.value, ignorePaths);
        maskIgnoredPaths(b.value, ignorePaths);
        const diff = diffJson(a.value, b.value, maxDifferences);
        jsonDifferences = diff.count;
        for (const difference of diff.differences) add(difference);
        count += diff.count - diff.differences.length;
      }
      // Bytes: the proxy must answer byte-identically, so equal JSON with different bytes (member order,
      // escaping, number format) is a mismatch too. When the JSON already differs, bytes add nothing.
      if (jsonDifferences === 0) {
        const bytes = byteDifference(masker, legacy, candidate);
        if (bytes) add(bytes);
      }
      return { match: count === 0, differenceCount: count, differences };
    },
  };
}
