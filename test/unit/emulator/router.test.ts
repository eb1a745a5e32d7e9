import { describe, expect, it } from 'vitest';
import { decideApiVersion, parseApiVersion, V1, V2 } from '../../../src/emulator/api-versioning.js';
import { parseDotNetInteger, selectEndpoint } from '../../../src/emulator/router.js';

const route = (method: string, path: string, xApiVersion: string[] = []) =>
  selectEndpoint(
    method,
    path.split('/').filter((s, i, a) => !(s === '' && (i === 0 || i === a.length - 1))),
    xApiVersion,
  );

describe('parseApiVersion / decideApiVersion (Asp.Versioning 8.1)', () => {
  it('parses major[.minor][-status] and group versions; 2 equals 2.0', () => {
    expect(parseApiVersion('2')).toEqual({ group: null, major: 2, minor: 0, status: null });
    expect(parseApiVersion('2.0-beta')).toMatchObject({ major: 2, minor: 0, status: 'beta' });
    expect(parseApiVersion('2023-01-31.1')).toMatchObject({ group: '2023-01-31', major: 1 });
    expect(parseApiVersion('abc')).toBeNull();
    expect(parseApiVersion('2.x')).toBeNull();
  });

  it('decides serve / 400 / 404 like the legacy (§2.2)', () => {
    expect(decideApiVersion(V2, '2', [])).toBe('serve');
    expect(decideApiVersion(V2, '2.0', ['2'])).toBe('serve');
    expect(decideApiVersion(V2, '1', [])).toBe('notFound');
    expect(decideApiVersion(V2, '3', [])).toBe('notFound');
    expect(decideApiVersion(V2, 'abc', [])).toBe('badRequest');
    expect(decideApiVersion(V2, '2', ['1.0'])).toBe('badRequest');
    expect(decideApiVersion(V2, undefined, [])).toBe('serve');
    expect(decideApiVersion(V2, undefined, ['1'])).toBe('badRequest');
    expect(decideApiVersion(V1, undefined, [])).toBe('badRequest'); // Q1
    expect(decideApiVersion(V1, undefined, ['1.0'])).toBe('serve');
    expect(decideApiVersion(V1, '1', [''])).toBe('serve');
  });
});

describe('selectEndpoint', () => {
  it('matches templates ignoring case, with route constraints', () => {
    expect(route('GET', '/V2/Rezept/')).toMatchObject({
      kind: 'endpoint',
      id: 'v2.list',
      routeValues: { version: '2' },
    });
    expect(route('PATCH', '/v2/rezept/status')).toMatchObject({ id: 'v2.bulkUpdate' });
    expect(route('GET', '/api/apotheken/ 42')).toMatchObject({
      id: 'apotheken.get',
      routeValues: { id: ' 42' },
    });
    expect(route('GET', '/api/Apotheken/by-ik/308512345')).toMatchObject({ id: 'apotheken.byIk' });
    expect(route('GET', '/api/Apotheken/abc')).toEqual({ kind: 'empty', status: 404 });
    expect(route('GET', '/api/Apotheken/2147483648')).toEqual({ kind: 'empty', status: 404 });
    expect(route('GET', '/api/Health/arzsw')).toMatchObject({ requiresAuth: false });
    expect(route('DELETE', '/health/ready')).toMatchObject({ id: 'health.checks', requiresAuth: false });
  });

  it('answers 405 with a sorted Allow before looking at versions', () => {
    expect(route('POST', '/v3/rezept')).toEqual({ kind: 'empty', status: 405, allow: 'GET' });
    expect(route('HEAD', '/api/Apotheken/1')).toEqual({
      kind: 'empty',
      status: 405,
      allow: 'DELETE, GET, PUT',
    });
  });

  it('applies the versioning policy per controller', () => {
    expect(route('GET', '/api/Prescriptions/new')).toEqual({ kind: 'empty', status: 400 });
    expect(route('GET', '/api/Prescriptions/new', ['1'])).toMatchObject({ id: 'v1.new' });
    expect(route('GET', '/api/v1/Prescriptions/new')).toMatchObject({ id: 'v1.new' });
    expect(route('GET', '/api/v2/Prescriptions/new')).toEqual({ kind: 'empty', status: 404 });
    expect(route('GET', '/api/Apotheken', ['1.0'])).toEqual({ kind: 'empty', status: 400 });
    expect(route('GET', '/health/live', ['junk'])).toMatchObject({ id: 'health.checks' });
  });
});

describe('parseDotNetInteger (NumberStyles.Integer, invariant)', () => {
  it('allows surrounding white space and a sign, rejects decimals and overflow', () => {
    expect(parseDotNetInteger(' +42\t', 32)).toBe(42n);
    expect(parseDotNetInteger('-2147483648', 32)).toBe(-2147483648n);
    expect(parseDotNetInteger('2147483648', 32)).toBeNull();
    expect(parseDotNetInteger('9223372036854775807', 64)).toBe(9223372036854775807n);
    expect(parseDotNetInteger('1.0', 32)).toBeNull();
    expect(parseDotNetInteger('1 2', 32)).toBeNull();
  });
});
