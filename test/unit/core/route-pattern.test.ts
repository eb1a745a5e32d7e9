import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../../src/core/route-pattern.js';

function matcher(path: string): RegExp {
  const result = compilePattern(path);
  if (!result.ok) throw new Error(result.reason);
  return result.pattern.regex;
}

describe('compilePattern', () => {
  it('matches case-insensitively and tolerates exactly one trailing slash', () => {
    const re = matcher('/v2/rezept');
    for (const path of ['/v2/rezept', '/V2/REZEPT', '/v2/Rezept/', '/v2.0/rezept', '/V2.0/rezept/']) {
      expect(re.test(path), path).toBe(true);
    }
    for (const path of [
      '/v2/rezept//',
      '/v2/rezeptx',
      '/v2/rezept/status',
      '//v2/rezept',
      '/v2/rezept?x=1',
    ]) {
      expect(re.test(path), path).toBe(false);
    }
  });

  it('treats the version segment as v2 ≡ v2.0 only (v1, v3, v2.1, v02 go to the legacy)', () => {
    const re = matcher('/v2/rezept/status');
    expect(re.test('/v2/rezept/status')).toBe(true);
    expect(re.test('/v2.0/rezept/status')).toBe(true);
    for (const path of [
      '/v1/rezept/status',
      '/v3/rezept/status',
      '/v2.1/rezept/status',
      '/v02/rezept/status',
      '/vabc/rezept/status',
      '/2/rezept/status',
    ]) {
      expect(re.test(path), path).toBe(false);
    }
  });

  it('does not decode or normalise the raw path', () => {
    const re = matcher('/v2/rezept');
    for (const path of ['/v2/%72ezept', '/v2/./rezept', '/v2/x/../rezept', '/v2%2Frezept']) {
      expect(re.test(path), path).toBe(false);
    }
  });

  it('supports parameters with int/long constraints and a trailing catch-all', () => {
    const byId = matcher('/api/Apotheken/{id:int}');
    expect(byId.exec('/api/apotheken/42')?.groups).toEqual({ id: '42' });
    expect(byId.test('/api/apotheken/abc')).toBe(false);
    expect(byId.test('/api/apotheken/99999999999')).toBe(false);
    const byIk = matcher('/api/Apotheken/by-ik/{ikNr:long}');
    expect(byIk.test('/api/Apotheken/by-ik/123456789012')).toBe(true);
    const any = matcher('/health/**');
    expect(any.test('/health')).toBe(true);
    expect(any.test('/health/live')).toBe(true);
    expect(any.test('/healthz')).toBe(false);
    expect(matcher('/').test('/')).toBe(true);
  });

  it('rejects malformed patterns with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['v2/rezept', /must start with/],
      ['/v2/rezept/', /must not end with/],
      ['/v2//rezept', /empty segment/],
      ['/a/**/b', /last segment/],
      ['/a/{id:float}', /not a valid parameter/],
      ['/a/{id}/{id}', /appears twice/],
      ['/a b', /characters outside/],
      ['/a?x=1', /characters outside/],
    ];
    for (const [path, reason] of cases) {
      const result = compilePattern(path);
      expect(result.ok, path).toBe(false);
      if (!result.ok) expect(result.reason, path).toMatch(reason);
    }
  });
});
