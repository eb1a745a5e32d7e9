// Every controller error string and status of CONTRACT §2.4–§2.11, and the Accept-dependent
// rendering of string results (§2.3): raw text/plain or a JSON string literal.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  basicAuth,
  insertApotheke,
  insertPrescriptions,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';

describeWith(['postgres'], 'emulator: controller errors (§2.4–§2.11)', () => {
  let legacy: LegacyFixture;
  let noConn: string;
  let noCode: string;
  let deadDb: string;

  beforeAll(async () => {
    legacy = await startLegacyFixture({
      prefix: 'errors',
      users: [
        { loginName: 'no_conn', password: 'pw', connectionString: '', mandantCode: 'NOCONN' },
        { loginName: 'no_code', password: 'pw', mandantCode: '' },
        {
          loginName: 'dead_db',
          password: 'pw',
          mandantCode: 'DEAD',
          connectionString:
            'Host=127.0.0.1;Port=5432;Database=edge_test_missing_db;Username=postgres;Timeout=5',
        },
      ],
    });
    noConn = basicAuth('no_conn', 'pw');
    noCode = basicAuth('no_code', 'pw');
    deadDb = basicAuth('dead_db', 'pw');
    await insertPrescriptions(legacy.tenantDb, [{ type: 'E-Rezept', id: 1 }]);
    const referenced = await insertApotheke(legacy.tenantDb, {
      idApotheke: 10,
      apothekeName: 'Adler',
      apoIkNr: 308512345,
    });
    await insertApotheke(legacy.tenantDb, { idApotheke: 11, apothekeName: 'Bären', apoIkNr: 308500011 });
    await legacy.tenantDb.query(
      `INSERT INTO er_sec_access_fiverx (id_sec_access_fiverx, id_apotheke, login_id, login_passwort_crypt)
       VALUES (1, $1, 'fiverx', 'x')`,
      [referenced],
    );
  });

  afterAll(async () => {
    await legacy?.close();
  });

  interface Call {
    method?: string;
    auth?: string;
    accept?: string;
    body?: unknown;
  }

  const send = (path: string, c: Call = {}) =>
    fetch(`${legacy.url}${path}`, {
      method: c.method ?? 'GET',
      headers: {
        authorization: c.auth ?? legacy.auth,
        ...(c.accept ? { accept: c.accept } : {}),
        ...(c.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(c.body === undefined ? {} : { body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) }),
    });

  async function expectText(res: Response, status: number, text: string): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.text()).toBe(text);
  }

  const many = (n: number) => Array.from({ length: n }, (_, i) => `u-${i}`);

  it('§2.3 renders a string error as raw text or as a JSON string literal, depending on Accept', async () => {
    const path = '/v2/rezept/statusuuid';
    const body = { rezeptUuids: [] };
    const expectations: Array<[string | undefined, string, string]> = [
      [undefined, 'text/plain; charset=utf-8', 'RezeptUuids list cannot be empty'],
      ['*/*', 'text/plain; charset=utf-8', 'RezeptUuids list cannot be empty'],
      ['text/plain', 'text/plain; charset=utf-8', 'RezeptUuids list cannot be empty'],
      ['application/xml', 'text/plain; charset=utf-8', 'RezeptUuids list cannot be empty'],
      ['application/json, text/plain, */*', 'text/plain; charset=utf-8', 'RezeptUuids list cannot be empty'],
      ['application/json', 'application/json; charset=utf-8', '"RezeptUuids list cannot be empty"'],
      ['text/json', 'text/json; charset=utf-8', '"RezeptUuids list cannot be empty"'],
      [
        'application/json, text/plain',
        'application/json; charset=utf-8',
        '"RezeptUuids list cannot be empty"',
      ],
      ['text/plain, application/json', 'text/plain; charset=utf-8', 'RezeptUuids list cannot be empty'],
    ];
    for (const [accept, contentType, text] of expectations) {
      const res = await send(path, { method: 'PATCH', body, ...(accept ? { accept } : {}) });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type'), String(accept)).toBe(contentType);
      expect(await res.text()).toBe(text);
    }
  });

  it('§2.3 object results: JSON for any Accept, text/json echoed, application/problem+json not', async () => {
    const cases: Array<[string, string]> = [
      ['text/plain', 'application/json; charset=utf-8'],
      ['application/xml', 'application/json; charset=utf-8'],
      ['text/json', 'text/json; charset=utf-8'],
      ['text/*', 'text/json; charset=utf-8'],
      ['application/problem+json', 'application/json; charset=utf-8'],
    ];
    for (const [accept, contentType] of cases) {
      const res = await send('/api/Health/arzsw', { accept });
      expect(res.headers.get('content-type'), accept).toBe(contentType);
      expect(await res.text()).toBe('{"status":"ok"}');
    }
  });

  it('§2.4 GET /v2/rezept: 400 without a connection string, 500 on negative OFFSET/LIMIT', async () => {
    await expectText(await send('/v2/rezept', { auth: noConn }), 400, 'Client connection string not found');
    const failure = 'Internal server error occurred while retrieving prescriptions';
    await expectText(await send('/v2/rezept?page=0'), 500, failure);
    await expectText(await send('/v2/rezept?pageSize=-1'), 500, failure);
    await expectText(await send('/v2/rezept', { auth: deadDb }), 500, failure);
    const zero = await send('/v2/rezept?pageSize=0');
    expect(await zero.json()).toMatchObject({
      prescriptions: [],
      totalCount: 1,
      pageSize: 0,
      hasNextPage: true,
    });
  });

  it('§2.5 GET /v2/rezept/status: same 400, its own 500 text', async () => {
    await expectText(
      await send('/v2/rezept/status', { auth: noConn }),
      400,
      'Client connection string not found',
    );
    await expectText(
      await send('/v2/rezept/status?page=0'),
      500,
      'Internal server error occurred while retrieving pharmacy prescriptions',
    );
  });

  it('§2.6 PATCH /v2/rezept/statusuuid: empty list, connection string, bulk limit, 500', async () => {
    const path = '/v2/rezept/statusuuid';
    await expectText(
      await send(path, { method: 'PATCH', body: {} }),
      400,
      'RezeptUuids list cannot be empty',
    );
    await expectText(
      await send(path, { method: 'PATCH', body: { rezeptUuids: ['a'] }, auth: noConn }),
      400,
      'Client connection string not found',
    );
    await expectText(
      await send(path, { method: 'PATCH', body: { rezeptUuids: many(1001) } }),
      400,
      'Bulk operation limited to 1000 items',
    );
    await expectText(
      await send(path, { method: 'PATCH', body: { rezeptUuids: ['a'] }, auth: deadDb }),
      500,
      'Internal server error occurred during bulk status retrieval',
    );
  });

  it('§2.7 PATCH /v2/rezept/status: empty list, connection string, bulk limit, 500', async () => {
    const path = '/v2/rezept/status';
    const one = { updates: [{ rezeptUuid: 'a', type: 'E-Rezept' }] };
    await expectText(
      await send(path, { method: 'PATCH', body: { updates: [] } }),
      400,
      'Updates list cannot be empty',
    );
    await expectText(
      await send(path, { method: 'PATCH', body: one, auth: noConn }),
      400,
      'Client connection string not found',
    );
    const tooMany = { updates: many(1001).map((u) => ({ rezeptUuid: u, type: 'E-Rezept' })) };
    await expectText(
      await send(path, { method: 'PATCH', body: tooMany }),
      400,
      'Bulk operation limited to 1000 items',
    );
    const failure = 'Internal server error occurred during bulk status update';
    await expectText(await send(path, { method: 'PATCH', body: one, auth: deadDb }), 500, failure);
    await expectText(await send(path, { method: 'PATCH', body: '{"updates":[null]}' }), 500, failure);
  });

  it('§2.8 GET v1 new: 401 text for incomplete claims (no WWW-Authenticate), 500 text', async () => {
    await expectText(
      await send('/api/v1/Prescriptions/new', { auth: noCode }),
      401,
      'Authentication information is incomplete',
    );
    await expectText(
      await send('/api/v1/Prescriptions/new', { auth: noConn }),
      401,
      'Authentication information is incomplete',
    );
    await expectText(await send('/api/v1/Prescriptions/new', { auth: deadDb }), 500, 'Internal server error');
  });

  it('§2.9 v1 writes: 401 text for incomplete claims; 500 as a JSON object whatever the Accept', async () => {
    const body = { prescriptions: [{ type: 'E-Rezept', rezeptUuid: 'x' }] };
    for (const action of ['mark-as-read', 'set-abgerechnet']) {
      const path = `/api/v1/Prescriptions/${action}`;
      await expectText(
        await send(path, { method: 'POST', body, auth: noCode }),
        401,
        'Authentication information is incomplete',
      );
      const res = await send(path, { method: 'POST', body, auth: deadDb, accept: 'text/plain' });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.text()).toBe(
        '{"success":false,"processedCount":0,"errors":["Internal server error"]}',
      );
    }
  });

  it('§2.10 Apotheken: 400 without tenant, 404/409 texts, 201/204, FK failure 500', async () => {
    await expectText(
      await send('/api/Apotheken', { auth: noConn }),
      400,
      'Tenant connection string not found or user claim missing',
    );
    await expectText(await send('/api/Apotheken/999'), 404, 'Apotheke with ID 999 not found');
    await expectText(await send('/api/Apotheken/by-ik/123'), 404, 'Apotheke with IK-Nr 123 not found');
    await expectText(await send('/api/Apotheken?page=0'), 500, 'Internal server error');
    await expectText(
      await send('/api/Apotheken', { method: 'POST', body: { apothekeName: 'Neu', apoIkNr: 308512345 } }),
      409,
      'Apotheke with IK-Nr 308512345 already exists',
    );
    await expectText(
      await send('/api/Apotheken/11', { method: 'PUT', body: { apothekeName: 'Bären', apoIkNr: 308512345 } }),
      409,
      'Another apotheke with IK-Nr 308512345 already exists',
    );
    await expectText(
      await send('/api/Apotheken/999', { method: 'PUT', body: { apothekeName: 'x', apoIkNr: 1 } }),
      404,
      'Apotheke with ID 999 not found',
    );
    await expectText(
      await send('/api/Apotheken/999', { method: 'DELETE' }),
      404,
      'Apotheke with ID 999 not found',
    );
    await expectText(await send('/api/Apotheken/10', { method: 'DELETE' }), 500, 'Internal server error');
    await expectText(await send('/api/Apotheken', { auth: deadDb }), 500, 'Internal server error');
    const created = await send('/api/Apotheken', {
      method: 'POST',
      body: { apothekeName: 'Neu', apoIkNr: 1 },
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { idApotheke: number }).idApotheke;
    const deleted = await send(`/api/Apotheken/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('content-length')).toBeNull();
    expect(await deleted.text()).toBe('');
  });

  it('§2.11 health: /api/Health/arzsw 200 {"status":"ok"} anonymously; /health/* 500', async () => {
    const ok = await fetch(`${legacy.url}/api/Health/arzsw`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await ok.text()).toBe('{"status":"ok"}');
    for (const path of ['/health/live', '/health/ready', '/health/system']) {
      const res = await fetch(`${legacy.url}${path}`, { method: 'POST' });
      expect(res.status).toBe(500);
      await res.text();
    }
  });
});
