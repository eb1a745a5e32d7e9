// basic-header: the legacy's steps 1–4 (CONTRACT §4.1) — Kestrel's join of repeated headers,
// AuthenticationHeaderValue.Parse, Convert.FromBase64String, UTF-8 decoding, split at the first ':'.
import { describe, expect, it } from 'vitest';
import {
  authorizationValues,
  decodeBase64Strict,
  effectiveAuthorization,
  parseAuthenticationHeaderValue,
  parseBasicCredentials,
} from '../../../src/adapters/auth/basic-header.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const ok = (username: string, password: string) => ({ ok: true, username, password });
const INVALID = { ok: false, reason: 'invalid-header' };

describe('effectiveAuthorization (ASP.NET StringValues → string)', () => {
  it('is undefined without the header, the value itself when there is one (even empty)', () => {
    expect(effectiveAuthorization([])).toBeUndefined();
    expect(effectiveAuthorization(['Basic x'])).toBe('Basic x');
    expect(effectiveAuthorization([''])).toBe('');
  });

  it('joins several values with "," and skips empty ones', () => {
    expect(effectiveAuthorization(['Basic a', 'Basic b'])).toBe('Basic a,Basic b');
    expect(effectiveAuthorization(['Basic a', ''])).toBe('Basic a');
    expect(effectiveAuthorization(['', ''])).toBe('');
  });

  it('collects every Authorization value from rawHeaders, any case', () => {
    expect(
      authorizationValues(['Host', 'x', 'Authorization', 'Basic a', 'AUTHORIZATION', 'Basic b', 'X-A', 'c']),
    ).toEqual(['Basic a', 'Basic b']);
  });
});

describe('parseAuthenticationHeaderValue (.NET AuthenticationHeaderValue.Parse)', () => {
  it.each([
    ['Basic abc', 'Basic', 'abc'],
    ['basic abc', 'basic', 'abc'],
    ['Basic   \t abc', 'Basic', 'abc'],
    ['  Basic abc  ', 'Basic', 'abc'],
    ['Basic ab c', 'Basic', 'ab c'],
    ['Basic abc=  ', 'Basic', 'abc='],
    ['Basic abc, realm="x"', 'Basic', 'abc, realm="x"'],
    ['Basic abc,a=b,c=d', 'Basic', 'abc,a=b,c=d'],
    ['Basic "quoted, string"', 'Basic', '"quoted, string"'],
    ['Digest a=b, c=d', 'Digest', 'a=b, c=d'],
    ['Bearer', 'Bearer', null],
    ['Basicabc d\u00e4f', 'Basicabc', 'd\u00e4f'], // the blob is not checked here (Base64 fails later)
    ['Basic', 'Basic', null],
  ])('%j → scheme %j, parameter %j', (input, scheme, parameter) => {
    expect(parseAuthenticationHeaderValue(input)).toEqual({ scheme, parameter });
  });

  it.each([
    [''],
    ['   '],
    [','],
    [', Basic abc'],
    ['Basic abc, Basic def'], // two credentials (two headers joined by Kestrel)
    ['Basic abc,Basic def'],
    ['Basic abc, def'],
    ['Basic abc, =x'],
    ['Basic abc, a='],
    ['Basic "unterminated'],
    ['Basic,'],
    ['Basic ,'],
    ['"Basic" abc'],
    ['Bas(ic abc'],
    ['B\u00e4sic abc'], // a non-token character right after the scheme token
    ['Basic: abc'],
  ])('%j throws a FormatException (undefined)', (input) => {
    expect(parseAuthenticationHeaderValue(input)).toBeUndefined();
  });
});

describe('decodeBase64Strict (Convert.FromBase64String)', () => {
  it.each([
    ['YWJj', 'abc'],
    ['YWI=', 'ab'],
    ['YQ==', 'a'],
    ['YW Jj', 'abc'],
    ['Y\tW\r\nJj', 'abc'],
    ['YQ= =', 'a'],
    ['YQ==  ', 'a'],
    ['YR==', 'a'], // unused low bits are not checked
    ['', ''],
  ])('%j decodes', (input, text) => {
    expect(decodeBase64Strict(input)?.toString('utf8')).toBe(text);
  });

  it.each([
    ['YWJ'],
    ['YQ'],
    ['YQ=='.repeat(2)],
    ['Y==='],
    ['===='],
    ['='],
    ['YW-j'],
    ['YW_j'],
    ['YW.j'],
    ['YWJj,'],
    ['YQ=A'],
  ])('%j is rejected', (input) => {
    expect(decodeBase64Strict(input)).toBeUndefined();
  });
});

describe('parseBasicCredentials (steps 1–4)', () => {
  it('reports a missing header', () => {
    expect(parseBasicCredentials(undefined)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    [`Basic ${b64('apoti_user_rzstein:123456')}`, ok('apoti_user_rzstein', '123456')],
    [`BASIC ${b64('u:p')}`, ok('u', 'p')],
    [`bAsIc ${b64('u:p')}`, ok('u', 'p')],
    [`Basic ${b64('u:')}`, ok('u', '')],
    [`Basic ${b64(':p')}`, ok('', 'p')],
    [`Basic ${b64('u:p:with:colons')}`, ok('u', 'p:with:colons')],
    [`Basic ${b64('Jürgen:pässwört')}`, ok('Jürgen', 'pässwört')],
    [`Basic  ${b64('u:p')}`, ok('u', 'p')],
    [`Basic ${b64('u:p').slice(0, 2)} ${b64('u:p').slice(2)}`, ok('u', 'p')],
  ])('%j → credentials', (header, expected) => {
    expect(parseBasicCredentials(header)).toEqual(expected);
  });

  it('decodes invalid UTF-8 with U+FFFD per maximal subpart and keeps a BOM', () => {
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x75, 0xf0, 0x80, 0x3a, 0x70, 0xc3]);
    expect(parseBasicCredentials(`Basic ${bytes.toString('base64')}`)).toEqual(
      ok('\ufeffu\ufffd\ufffd', 'p\ufffd'),
    );
  });

  it.each([
    [''],
    ['Basic'],
    ['Basic '],
    [`Bearer ${b64('u:p')}`],
    [`Basic ${b64('no-colon')}`],
    ['Basic !!!!'],
    [`Basic ${b64('u:p').replace(/=+$/, '')}x`],
    [`Basic ${b64('u:p')}, Basic ${b64('v:q')}`],
    [`Basic ${b64('u:p')},${b64('v:q')}`],
    [`Basic ${b64('u:p')}, realm="x"`],
    [`Basic "${b64('u:p')}"`],
    [`Basic${b64('u:p')}`],
    [`Basic ${Buffer.from('u:p').toString('base64url')}_-`],
  ])('%j → invalid header', (header) => {
    expect(parseBasicCredentials(header)).toEqual(INVALID);
  });

  it('two Authorization headers never authenticate, unless all but one are empty', () => {
    const a = `Basic ${b64('u:p')}`;
    expect(parseBasicCredentials(effectiveAuthorization([a, a]))).toEqual(INVALID);
    expect(parseBasicCredentials(effectiveAuthorization([a, '']))).toEqual(ok('u', 'p'));
  });
});
