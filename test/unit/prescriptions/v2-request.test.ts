// v2-request: what the fast path answers itself (with which normalised parameters) and every rule
// that sends a V2 read to the legacy instead.
import { describe, expect, it } from 'vitest';
import {
  decideV2Read,
  type V2ReadDecision,
  type V2RequestInput,
} from '../../../src/prescriptions/v2-request.js';

const LIMITS = { maxPageSize: 500, maxBulkSize: 1000 };
const ALL = ['eMuster16', 'P-Rezept', 'E-Rezept'];

function list(
  rawQuery: string,
  headers: V2RequestInput['headers'] = {},
  extra: Partial<V2RequestInput> = {},
) {
  return decideV2Read(
    { endpoint: 'list', method: 'GET', rawQuery, headers, hasConnectionString: true, ...extra },
    LIMITS,
  );
}

function status(
  body: string | Buffer,
  headers: V2RequestInput['headers'] = {},
  extra: Partial<V2RequestInput> = {},
) {
  return decideV2Read(
    {
      endpoint: 'statusuuid',
      method: 'PATCH',
      rawQuery: '',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      hasConnectionString: true,
      ...extra,
    },
    LIMITS,
  );
}

const listQuery = (d: V2ReadDecision) => {
  if (d.kind !== 'answer' || d.query.op !== 'list')
    throw new Error(`not a list answer: ${JSON.stringify(d)}`);
  return d.query;
};
const reason = (d: V2ReadDecision) => (d.kind === 'forward' ? d.reason : `answer:${d.query.op}`);

describe('GET /v2/rezept parameters', () => {
  it('defaults: all types, page 1, pageSize 100', () => {
    expect(listQuery(list(''))).toEqual({ op: 'list', types: ALL, page: 1, pageSize: 100, offset: 0 });
  });

  it('type is matched ignoring case; empty means all; unknown means none (no SQL, still an answer)', () => {
    expect(listQuery(list('type=e-REZEPT')).types).toEqual(['E-Rezept']);
    expect(listQuery(list('type=EMUSTER16')).types).toEqual(['eMuster16']);
    expect(listQuery(list('type=p-rezept')).types).toEqual(['P-Rezept']);
    expect(listQuery(list('type=')).types).toEqual(ALL);
    expect(listQuery(list('type=eRezept')).types).toEqual([]);
    expect(listQuery(list('type=%20E-Rezept')).types).toEqual([]);
    expect(listQuery(list('type=P%2DRezept')).types).toEqual(['P-Rezept']);
  });

  it('names are case-insensitive, the first value wins, unknown names are ignored', () => {
    expect(listQuery(list('PAGE=3&PageSize=20&TYPE=E-Rezept'))).toMatchObject({
      page: 3,
      pageSize: 20,
      offset: 40,
      types: ['E-Rezept'],
    });
    expect(listQuery(list('page=2&page=9&PAGE=7'))).toMatchObject({ page: 2 });
    expect(listQuery(list('type=eRezept&type=E-Rezept')).types).toEqual([]);
    expect(listQuery(list('rezeptType=E-Rezept&pharmacyId=1&foo')).types).toEqual(ALL);
    expect(listQuery(list('p%61ge=4')).page).toBe(4);
  });

  it('caps pageSize at MaxPageSize and echoes the capped value', () => {
    expect(listQuery(list('pageSize=100000&page=2'))).toMatchObject({ pageSize: 500, offset: 500 });
    expect(listQuery(list('pageSize=500')).pageSize).toBe(500);
  });

  it('pageSize 0 is answered (empty list) for any page, as the legacy runs LIMIT 0 OFFSET 0', () => {
    expect(listQuery(list('pageSize=0&page=0'))).toMatchObject({ page: 0, pageSize: 0, offset: 0 });
    expect(listQuery(list('pageSize=0&page=-2147483648'))).toMatchObject({ offset: 0 });
  });

  it('with no type selected any page/pageSize is answered (legacy: 200, no SQL)', () => {
    expect(listQuery(list('type=x&page=-5&pageSize=-3'))).toMatchObject({
      types: [],
      page: -5,
      pageSize: -3,
    });
  });

  it.each([
    ['page=0', 'paging-legacy-error'],
    ['page=-1&pageSize=5', 'paging-legacy-error'],
    ['pageSize=-1', 'paging-legacy-error'],
    ['page=2147483647&pageSize=2', 'paging-legacy-error'],
    ['page=4294969&pageSize=500', 'paging-legacy-error'],
    ['page=abc', 'param-invalid'],
    ['page=', 'param-invalid'],
    ['page', 'param-invalid'],
    ['page=1.0', 'param-invalid'],
    ['page=%201', 'param-invalid'],
    ['page=1%20', 'param-invalid'],
    ['page=0x10', 'param-invalid'],
    ['page=%2B5', 'param-invalid'],
    ['page=2147483648', 'param-invalid'],
    ['pageSize=99999999999', 'param-invalid'],
    ['page=abc&page=2', 'param-invalid'],
    ['page=+5', 'param-encoding'],
    ['page=%E0%A4%A', 'param-encoding'],
    ['type=E%2bRezept+', 'param-encoding'],
    ['pagesıze=5', 'param-name'],
    ['type=emuſter16', 'type-non-ascii'],
  ])('forwards %s (%s)', (query, why) => {
    expect(reason(list(query))).toBe(why);
  });

  it('keeps the largest offset that still fits int32', () => {
    expect(listQuery(list('page=4294968&pageSize=499'))).toMatchObject({ offset: 4294967 * 499 });
  });

  it('ignores undecodable names that cannot be ours', () => {
    expect(listQuery(list('%FF=1&page=2')).page).toBe(2);
  });
});

describe('GET /v2/rezept headers and method', () => {
  it.each([
    [{ 'x-tenant-id': 'a' }, 'tenant-header'],
    [{ 'x-tenant-id': '' }, 'tenant-header'],
    [{ 'x-api-version': '2' }, 'api-version-header'],
    [{ accept: 'text/json' }, 'accept'],
    [{ accept: 'application/problem+json' }, 'accept'],
    [{ accept: 'application/json;q=0.5, text/plain' }, 'accept'],
    [{ accept: 'application/json; charset=utf-16' }, 'accept'],
    [{ accept: 'text/*' }, 'accept'],
    [{ accept: 'bogus' }, 'accept'],
    [{ 'accept-charset': 'utf-8' }, 'accept'],
  ])('forwards %j', (headers, why) => {
    expect(reason(list('', headers))).toBe(why);
  });

  it.each([
    undefined,
    '',
    'application/json',
    'APPLICATION/JSON',
    'text/plain',
    'application/xml, text/html',
    'application/json, text/plain, */*',
    'text/json, */*;q=0.1',
  ])('answers with Accept %j (application/json; charset=utf-8)', (accept) => {
    expect(reason(list('', accept === undefined ? {} : { accept }))).toBe('answer:list');
  });

  it('forwards other methods and principals without a connection string', () => {
    expect(
      reason(
        decideV2Read(
          { endpoint: 'list', method: 'HEAD', rawQuery: '', headers: {}, hasConnectionString: true },
          LIMITS,
        ),
      ),
    ).toBe('method');
    expect(reason(list('', {}, { hasConnectionString: false }))).toBe('no-connection-string');
    expect(reason(list('', {}, { endpoint: 'pharmacy-list' }))).toBe('answer:list');
  });
});

describe('PATCH /v2/rezept/statusuuid', () => {
  const uuids = (d: V2ReadDecision) => {
    if (d.kind !== 'answer' || d.query.op !== 'statusuuid') throw new Error(JSON.stringify(d));
    return d.query.rezeptUuids;
  };
  const stringError = (d: V2ReadDecision) => {
    if (d.kind !== 'answer' || d.query.op !== 'string-error') throw new Error(JSON.stringify(d));
    return [d.query.contentType, d.query.body];
  };

  it('answers the plain shape, keeping order and duplicates, whitespace and escapes allowed', () => {
    expect(uuids(status('{"rezeptUuids":["b","a","b"]}'))).toEqual(['b', 'a', 'b']);
    expect(uuids(status(' {\n\t"rezeptUuids" : [ "x\\u0041\\/\\"" ] }\r\n'))).toEqual(['xA/"']);
    expect(uuids(status('{"rezeptUuids":["\\ud83d\\ude00","\\u0000"]}'))).toEqual(['\u{1F600}', '\0']);
    expect(
      uuids(status('{"rezeptUuids":["a"]}', { 'content-type': 'application/json; charset=utf-8' })),
    ).toEqual(['a']);
  });

  it('answers the empty list (and an absent member) with the legacy 400 string, Accept-dependent', () => {
    expect(stringError(status('{"rezeptUuids":[]}'))).toEqual([
      'text/plain; charset=utf-8',
      'RezeptUuids list cannot be empty',
    ]);
    expect(stringError(status('{}', { accept: 'application/json' }))).toEqual([
      'application/json; charset=utf-8',
      '"RezeptUuids list cannot be empty"',
    ]);
    expect(
      stringError(status('{"rezeptUuids":[]}', { accept: 'application/json, text/plain, */*' }))[0],
    ).toBe('text/plain; charset=utf-8');
    expect(stringError(status('{"rezeptUuids":[]}', { accept: 'text/plain, application/json' }))[0]).toBe(
      'text/plain; charset=utf-8',
    );
    expect(stringError(status('{"rezeptUuids":[]}', { accept: 'application/xml' }))[0]).toBe(
      'text/plain; charset=utf-8',
    );
    // Even without a connection string: the empty check comes first in the legacy.
    expect(stringError(status('{}', {}, { hasConnectionString: false }))[1]).toBe(
      'RezeptUuids list cannot be empty',
    );
  });

  it('answers more than MaxBulkSize uuids with the limit string', () => {
    const body = JSON.stringify({ rezeptUuids: Array.from({ length: 1001 }, (_, i) => `u${i}`) });
    expect(stringError(status(body))).toEqual([
      'text/plain; charset=utf-8',
      'Bulk operation limited to 1000 items',
    ]);
    expect(stringError(status(body, { accept: 'application/json' }))[1]).toBe(
      '"Bulk operation limited to 1000 items"',
    );
    const exactly = JSON.stringify({ rezeptUuids: Array.from({ length: 1000 }, (_, i) => `u${i}`) });
    expect(uuids(status(exactly))).toHaveLength(1000);
  });

  it.each([
    ['{"rezeptUuids":["a",null]}', 'body-invalid'],
    ['{"rezeptUuids":null}', 'body-invalid'],
    ['{"rezeptUuids":[1]}', 'body-invalid'],
    ['{"rezeptUuids":"a"}', 'body-invalid'],
    ['{"RezeptUuids":["a"]}', 'body-invalid'],
    ['{"rezeptUuids":["a"],"rezeptUuids":["b"]}', 'body-invalid'],
    ['{"rezeptUuids":["a"],"other":1}', 'body-invalid'],
    ['{"rezeptUuids":["a",]}', 'body-invalid'],
    ['{"rezeptUuids":["a"]/*c*/}', 'body-invalid'],
    ['\uFEFF{"rezeptUuids":["a"]}', 'body-invalid'],
    ['{"rezeptUuids":["a\tb"]}', 'body-invalid'],
    ['{"rezeptUuids":["\\ud800"]}', 'body-invalid'],
    ['{"rezeptUuids":["\\x"]}', 'body-invalid'],
    ['{"rezeptUuids":["a"]} x', 'body-invalid'],
    ['[]', 'body-invalid'],
    ['', 'body-invalid'],
  ])('forwards body %j', (body, why) => {
    expect(reason(status(body))).toBe(why);
  });

  it('forwards invalid UTF-8, other content types, content encodings and unusual Accept values', () => {
    expect(reason(status(Buffer.from([0x7b, 0xff, 0x7d])))).toBe('body-invalid');
    expect(reason(status('{"rezeptUuids":["a"]}', { 'content-type': 'text/json' }))).toBe('content-type');
    expect(reason(status('{"rezeptUuids":["a"]}', { 'content-type': undefined }))).toBe('content-type');
    expect(
      reason(status('{"rezeptUuids":["a"]}', { 'content-type': 'application/json; charset=latin1' })),
    ).toBe('content-type');
    expect(reason(status('{"rezeptUuids":["a"]}', { 'content-encoding': 'gzip' }))).toBe('body-invalid');
    expect(reason(status('{"rezeptUuids":["a"]}', { accept: 'text/json' }))).toBe('accept');
    expect(reason(status('{"rezeptUuids":[]}', { accept: 'application/problem+json' }))).toBe('accept');
    expect(reason(status('{"rezeptUuids":["a"]}', {}, { hasConnectionString: false }))).toBe(
      'no-connection-string',
    );
    expect(reason(status('{"rezeptUuids":["a"]}', {}, { method: 'POST' }))).toBe('method');
    expect(reason(status('{"rezeptUuids":["a"]}', { 'x-tenant-id': 't' }))).toBe('tenant-header');
  });
});
