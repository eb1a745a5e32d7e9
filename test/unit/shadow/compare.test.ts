// Shadow comparison: ignore paths, masking of raw timestamps, JSON paths of differences, byte differences,
// and the safety of what a mismatch shows (≤ 80 chars, no credentials, no XML payload).
import { describe, expect, it } from 'vitest';
import {
  compileIgnorePath,
  maskIgnoredPaths,
  MASKED,
  type IgnorePath,
} from '../../../src/core/ignore-path.js';
import { createComparer, type ShadowAnswer } from '../../../src/shadow/compare.js';
import { diffJson } from '../../../src/shadow/json-diff.js';
import { createRawMasker } from '../../../src/shadow/raw-mask.js';

const paths = (...texts: string[]): IgnorePath[] =>
  texts.map((t) => {
    const r = compileIgnorePath(t);
    if (!r.ok) throw new Error(r.reason);
    return r.path;
  });
const json = (value: unknown, status = 200): ShadowAnswer => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: Buffer.from(JSON.stringify(value)),
});
const raw = (text: string, contentType = 'application/json; charset=utf-8'): ShadowAnswer => ({
  status: 200,
  contentType,
  body: Buffer.from(text),
});

const DEFAULT = paths('$.responseTimestamp', '$.prescriptions[*].deliveryTimestamp');

describe('ignore paths', () => {
  it('compiles the supported syntax and rejects the rest with a reason', () => {
    for (const ok of ['$.a', "$['a b']", '$.a[0].b', '$.a[*].b', '$.*.b', '$..b', '$.a-b']) {
      expect(compileIgnorePath(ok).ok, ok).toBe(true);
    }
    expect(compileIgnorePath('a.b')).toEqual({ ok: false, reason: 'must start with "$"' });
    expect(compileIgnorePath('$')).toMatchObject({ ok: false });
    expect(compileIgnorePath('$.a[?(@.x)]')).toMatchObject({ ok: false });
    expect(compileIgnorePath('$.a[*].deliveryTimestamp')).toMatchObject({
      ok: true,
      path: { key: 'deliveryTimestamp' },
    });
    expect(compileIgnorePath('$.a[*]')).toMatchObject({ ok: true, path: { key: undefined } });
  });

  it('masks members, indexes, wildcards and descendants in place', () => {
    const doc = {
      a: 1,
      list: [
        { t: 1, k: 1 },
        { t: 2, k: 2 },
      ],
      deep: { x: { t: 3 } },
      arr: [5, 6],
    };
    maskIgnoredPaths(doc, paths('$.a', '$.list[*].t', '$..t', '$.arr[1]', '$.missing.t'));
    expect(doc).toEqual({
      a: MASKED,
      list: [
        { t: MASKED, k: 1 },
        { t: MASKED, k: 2 },
      ],
      deep: { x: { t: MASKED } },
      arr: [5, MASKED],
    });
  });
});

describe('raw masking', () => {
  it('masks string, number and null values of the named keys anywhere, and nothing else', () => {
    const masker = createRawMasker(['responseTimestamp', 'deliveryTimestamp']);
    expect(
      masker.mask(
        Buffer.from(
          '{"a":"x","deliveryTimestamp":"2026-01-01T00:00:00.1234567Z","responseTimestamp" : 17,"b":null}',
        ),
      ),
    ).toBe('{"a":"x","deliveryTimestamp":"*","responseTimestamp":"*","b":null}');
    expect(masker.mask(Buffer.from('{"deliveryTimestamp":"a\\"b"}'))).toBe('{"deliveryTimestamp":"*"}');
  });
});

describe('comparer', () => {
  const comparer = createComparer({ ignorePaths: DEFAULT });

  it('matches identical answers whose volatile timestamps differ', () => {
    const a = { prescriptions: [{ id: 1, deliveryTimestamp: 't1' }], totalCount: 1, responseTimestamp: 'r1' };
    const b = { prescriptions: [{ id: 1, deliveryTimestamp: 't2' }], totalCount: 1, responseTimestamp: 'r2' };
    expect(comparer.compare(json(a), json(b))).toEqual({ match: true, differenceCount: 0, differences: [] });
  });

  it('names each differing JSON path with short previews', () => {
    const a = { prescriptions: [{ id: 1, rezeptStatus: 'NEU' }, { id: 2 }], totalCount: 2 };
    const b = { prescriptions: [{ id: 1, rezeptStatus: 'ABGERECHNET' }], totalCount: 2, extra: true };
    const result = comparer.compare(json(a), json(b));
    expect(result.match).toBe(false);
    expect(result.differences).toEqual([
      { path: '$.prescriptions.length', legacy: '2', candidate: '1' },
      { path: '$.prescriptions[0].rezeptStatus', legacy: '"NEU"', candidate: '"ABGERECHNET"' },
      { path: '$.extra', legacy: '(absent)', candidate: 'true' },
    ]);
  });

  it('compares status and content type', () => {
    const result = comparer.compare(json({ a: 1 }, 200), {
      ...json({ a: 1 }, 400),
      contentType: 'text/plain',
    });
    expect(result.differences.map((d) => d.path)).toEqual(['(status)', '(content-type)']);
  });

  it('counts equal JSON with different bytes (member order, escaping) as a mismatch', () => {
    const result = comparer.compare(raw('{"a":1,"b":"+"}'), raw('{"b":"\\u002B","a":1}'));
    expect(result.match).toBe(false);
    expect(result.differences).toHaveLength(1);
    expect(result.differences[0]?.path).toBe('(bytes)');
    expect(result.differences[0]?.legacy).toMatch(/^15 bytes: /);
  });

  it('compares non-JSON bodies (the legacy 400 strings) by masked bytes', () => {
    expect(comparer.compare(raw('"Page must be >= 1"'), raw('"Page must be >= 1"')).match).toBe(true);
    expect(
      comparer.compare(raw('Page must be >= 1', 'text/plain'), raw('Page must be > 0', 'text/plain')).match,
    ).toBe(false);
  });

  it('never shows more than 80 characters, a credential-like member, or an XML payload', () => {
    const long = 'x'.repeat(500);
    const xml = `<?xml version="1.0"?><Bundle><patient>Erika Mustermann</patient>${'<e/>'.repeat(100)}</Bundle>`;
    const a = {
      note: long,
      xmlRequest: xml,
      connectionString: 'Host=db;Password=geheim',
      nested: { password: 'a' },
    };
    const b = {
      note: `${long}y`,
      xmlRequest: `${xml} `,
      connectionString: 'Host=db;Password=other',
      nested: { password: 'b' },
    };
    const result = comparer.compare(json(a), json(b));
    expect(result.differenceCount).toBe(4);
    const text = JSON.stringify(result.differences);
    for (const d of result.differences) {
      expect(d.legacy.length).toBeLessThanOrEqual(80);
      expect(d.candidate.length).toBeLessThanOrEqual(80);
    }
    expect(text).not.toContain('Mustermann');
    expect(text).not.toContain('geheim');
    expect(text).toContain('(xml, ');
    expect(text).toContain('[redacted]');
  });

  it('never shows the content of an XML response, only sizes and the offset', () => {
    const a = raw('<Bundle><patient>Erika Mustermann</patient></Bundle>', 'application/xml');
    const b = raw('<Bundle><patient>Erika Musterfrau</patient></Bundle>', 'application/xml');
    const result = comparer.compare(a, b);
    expect(result.match).toBe(false);
    expect(JSON.stringify(result)).not.toContain('Muster');
    expect(result.differences[0]?.legacy).toContain('differs at masked offset 29');
  });

  it('keeps the first N differences but counts all', () => {
    const a = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    const b = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i + 1]));
    const result = createComparer({ ignorePaths: [], maxDifferences: 5 }).compare(json(a), json(b));
    expect(result.differenceCount).toBe(30);
    expect(result.differences).toHaveLength(5);
    expect(diffJson([1, { 'a b': 1 }], [1, { 'a b': 2 }]).differences[0]?.path).toBe('$[1]["a b"]');
  });
});
