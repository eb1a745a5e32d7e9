// Structural difference of two parsed JSON documents: every differing path (`$.prescriptions[3].status`),
// counted, and the first `maxDifferences` kept with short previews. Member order is not a difference here
// (the byte comparison catches it). Pure.
import { isSecretKey, previewValue } from './value-preview.js';

export interface Difference {
  /** JSON path, or `(status)`, `(content-type)`, `(bytes)` for the non-JSON parts of a comparison. */
  readonly path: string;
  readonly legacy: string;
  readonly candidate: string;
}

export interface DiffResult {
  readonly count: number;
  readonly differences: readonly Difference[];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function member(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function diffJson(legacy: unknown, candidate: unknown, maxDifferences = 10): DiffResult {
  const kept: Difference[] = [];
  let count = 0;
  const add = (path: string, a: unknown, b: unknown, secret: boolean) => {
    count += 1;
    if (kept.length < maxDifferences)
      kept.push({ path, legacy: previewValue(a, secret), candidate: previewValue(b, secret) });
  };
  const walk = (a: unknown, b: unknown, path: string, secret: boolean): void => {
    if (a === b) return;
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) add(`${path}.length`, a.length, b.length, false);
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i += 1) walk(a[i], b[i], `${path}[${i}]`, secret);
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        const childSecret = secret || isSecretKey(key);
        if (!Object.hasOwn(b, key)) add(member(path, key), a[key], undefined, childSecret);
        else walk(a[key], b[key], member(path, key), childSecret);
      }
      for (const key of Object.keys(b)) {
        if (!Object.hasOwn(a, key)) add(member(path, key), undefined, b[key], secret || isSecretKey(key));
      }
      return;
    }
    add(path, a, b, secret);
  };
  walk(legacy, candidate, '$', false);
  return { count, differences: kept };
}
