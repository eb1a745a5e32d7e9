// CONTRACT §2.1–§2.3 framework behaviour: route matching, 404/405, API versioning, path base, query
// binding, ValidationProblemDetails and 415 shapes, response framing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../../src/emulator/emulator.js';
import { startLegacyFixture, type LegacyFixture } from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';

const TRACE_ID = /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/;

describeWith(['postgres'], 'emulator: routing, versioning and model binding', () => {
  let legacy: LegacyFixture;
  let withBase: EmulatorHandle;

  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'routing' });
    withBase = await startEmulator({ management: legacy.managementDb, pathBase: '/ArzTi3' });
  });

  afterAll(async () => {
    await withBase?.close();
    await legacy?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET', base = legacy.url) =>
    fetch(`${base}${path}`, { method, headers: { authorization: legacy.auth, ...headers } });

  async function expectEmpty(res: Response, status: number): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
  }

  async function json(res: Response): Promise<Record<string, unknown>> {
    return JSON.parse(await res.text()) as Record<string, unknown>;
  }

  it('answers unknown paths with an empty 404, with or without credentials', async () => {
    for (const path of [
      '/weatherforecast',
      '/v2/rezept/12345',
      '/v2/rezept/archived',
      '/api/v2/Apotheken',
      '/api/health/ready',
      '/',
    ]) {
      await expectEmpty(await get(path), 404);
      await expectEmpty(await fetch(`${legacy.url}${path}`), 404);
    }
  });

  it('matches routes case-insensitively, with a trailing slash and v2.0', async () => {
    for (const path of [
      '/V2/REZEPT?type=none',
      '/v2/rezept/?type=none',
      '/v2.0/rezept?type=none',
      '/API/APOTHEKEN/',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      await res.text();
    }
  });

  it('answers an existing path with another method with an empty 405 and Allow', async () => {
    const cases: Array<[string, string, string]> = [
      ['POST', '/v2/rezept', 'GET'],
      ['GET', '/v2/rezept/statusuuid', 'PATCH'],
      ['DELETE', '/v2/rezept/status', 'GET, PATCH'],
      ['HEAD', '/v2/rezept', 'GET'],
      ['POST', '/api/Apotheken/1', 'DELETE, GET, PUT'],
      ['PUT', '/api/Apotheken', 'GET, POST'],
      ['GET', '/api/v1/Prescriptions/mark-as-read', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await get(path, {}, method);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      await expectEmpty(res, 405);
    }
  });

  it('resolves URL versions: unsupported → 404, unparsable → 400, 2 and 2.0 served', async () => {
    await expectEmpty(await get('/v1/rezept'), 404);
    await expectEmpty(await get('/v3/rezept'), 404);
    await expectEmpty(await get('/vabc/rezept'), 400);
    await expectEmpty(await get('/api/v2/Prescriptions/new'), 404);
    const v1 = await get('/api/v1.0/Prescriptions/new?rezeptType=none');
    expect(v1.status).toBe(200);
    expect(await v1.text()).toBe(
      '{"prescriptions":[],"totalCount":0,"page":1,"pageSize":100,"hasNextPage":false}',
    );
  });

  it('reads X-API-Version: equivalent versions served, others 400, ignored by health checks', async () => {
    for (const v of ['2', '2.0']) {
      const res = await get('/v2/rezept?type=none', { 'X-API-Version': v });
      expect(res.status).toBe(200);
      await res.text();
    }
    await expectEmpty(await get('/v2/rezept', { 'X-API-Version': '1.0' }), 400);
    await expectEmpty(await get('/v2/rezept', { 'X-API-Version': 'abc' }), 400);
    await expectEmpty(await get('/api/Apotheken', { 'X-API-Version': '1.0' }), 400);
    const v1 = await get('/api/Prescriptions/new?rezeptType=none', { 'X-API-Version': '1' });
    expect(v1.status).toBe(200);
    await v1.text();
    const health = await get('/health/live', { 'X-API-Version': '7' });
    expect(health.status).toBe(500);
    await health.text();
  });

  it('serves below a path base only, matched case-insensitively', async () => {
    const ok = await get('/ArzTi3/v2/rezept?type=none', {}, 'GET', withBase.url);
    expect(ok.status).toBe(200);
    await ok.text();
    const lower = await get('/arzti3/V2/rezept?type=none', {}, 'GET', withBase.url);
    expect(lower.status).toBe(200);
    await lower.text();
    await expectEmpty(await get('/v2/rezept', {}, 'GET', withBase.url), 404);
  });

  it('binds query parameters: names ignoring case, first value wins, invariant integers', async () => {
    const body = async (query: string) => json(await get(`/v2/rezept?type=none&${query}`));
    expect((await body('PAGE=2&page=3')).page).toBe(2);
    expect((await body('page=%202%20')).page).toBe(2);
    expect((await body('page=%2B7')).page).toBe(7);
    expect((await body('page=-1&pageSize=0')).page).toBe(-1);
    expect((await body('page=0x10')).page).toBe(16); // Int32Converter hex form
    expect((await body('pagesize=7')).pageSize).toBe(7);
  });

  it('answers unparsable integers with a ValidationProblemDetails (shape, order, traceId)', async () => {
    const res = await get('/v2/rezept?pageSize=x&page=1.5');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.headers.get('content-length')).toBeNull();
    const text = await res.text();
    const traceId = /"traceId":"([^"]+)"/.exec(text)?.[1] ?? '';
    expect(traceId).toMatch(TRACE_ID);
    expect(text).toBe(
      '{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.",' +
        '"status":400,"errors":{"page":["The value \\u00271.5\\u0027 is not valid for page."],' +
        '"pageSize":["The value \\u0027x\\u0027 is not valid for pageSize."]},"traceId":"' +
        traceId +
        '"}',
    );
  });

  it('reports overflow, empty values and repeated values like MVC', async () => {
    const errors = async (query: string) => (await json(await get(`/v2/rezept?${query}`))).errors;
    expect(await errors('page=2147483648')).toEqual({
      page: ["The value '2147483648' is not valid for page."],
    });
    expect(await errors('page=')).toEqual({ page: ["The value '' is invalid."] });
    expect(await errors('page=abc&page=1')).toEqual({ page: ["The value 'abc,1' is not valid for page."] });
  });

  it('answers a body without a JSON Content-Type with 415 ProblemDetails', async () => {
    for (const contentType of [undefined, 'text/plain', 'application/xml']) {
      const res = await fetch(`${legacy.url}/v2/rezept/statusuuid`, {
        method: 'PATCH',
        headers: { authorization: legacy.auth, ...(contentType ? { 'content-type': contentType } : {}) },
        body: '{"rezeptUuids":["a"]}',
      });
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      const body = await res.text();
      expect(body).toMatch(
        /^\{"type":"https:\/\/tools\.ietf\.org\/html\/rfc9110#section-15\.5\.16","title":"Unsupported Media Type","status":415,"traceId":"00-[0-9a-f]{32}-[0-9a-f]{16}-00"\}$/,
      );
    }
  });

  const patch = (path: string, body: string | undefined, contentType = 'application/json') =>
    fetch(`${legacy.url}${path}`, {
      method: 'PATCH',
      headers: { authorization: legacy.auth, 'content-type': contentType },
      ...(body === undefined ? {} : { body }),
    });

  it('reports an empty body as "A non-empty request body is required." plus the parameter', async () => {
    const res = await patch('/v2/rezept/statusuuid', undefined);
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual({
      '': ['A non-empty request body is required.'],
      request: ['The request field is required.'],
    });
  });

  it('reports malformed JSON with the System.Text.Json path and position', async () => {
    const wrongType = await json(await patch('/v2/rezept/statusuuid', '{"rezeptUuids":[1]}'));
    expect(wrongType.errors).toEqual({
      request: ['The request field is required.'],
      '$.rezeptUuids[0]': [
        'The JSON value could not be converted to System.String. Path: $.rezeptUuids[0] | LineNumber: 0 | BytePositionInLine: 17.',
      ],
    });
    const syntax = await json(await patch('/v2/rezept/status', '{"updates": [ {"type": x} ]}'));
    expect(syntax.errors).toEqual({
      request: ['The request field is required.'],
      '$.updates[0].type': [
        "'x' is an invalid start of a value. Path: $.updates[0].type | LineNumber: 0 | BytePositionInLine: 23.",
      ],
    });
    const bool = await json(
      await patch(
        '/v2/rezept/status',
        '{"updates":[{"rezeptUuid":"a","type":"E-Rezept","transferArz":"yes"}]}',
      ),
    );
    expect(bool.errors).toEqual({
      request: ['The request field is required.'],
      '$.updates[0].transferArz': [
        'The JSON value could not be converted to System.Nullable`1[System.Boolean]. Path: $.updates[0].transferArz | LineNumber: 0 | BytePositionInLine: 67.',
      ],
    });
  });

  it('reports missing and empty required members under their C# property paths', async () => {
    const res = await patch('/v2/rezept/status', '{"updates":[{},{"rezeptUuid":"  ","type":"E-Rezept"}]}');
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual({
      'Updates[0].RezeptUuid': ['The RezeptUuid field is required.'],
      'Updates[0].Type': ['The Type field is required.'],
      'Updates[1].RezeptUuid': ['The RezeptUuid field is required.'],
    });
    const nullList = await json(await patch('/v2/rezept/statusuuid', '{"RezeptUuids":null}'));
    expect(nullList.errors).toEqual({ RezeptUuids: ['The RezeptUuids field is required.'] });
  });

  it('writes success bodies chunked and status-only answers with Content-Length: 0', async () => {
    const res = await get('/v2/rezept?type=none');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('server')).toBe('Kestrel');
    await res.text();
  });
});
