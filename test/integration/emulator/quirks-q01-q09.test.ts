// CONTRACT §7, quirks Q1–Q9: one test per quirk, asserting the documented behaviour over HTTP.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../../src/emulator/emulator.js';
import {
  insertPrescriptions,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';

const NOW = /"(deliveryTimestamp|responseTimestamp)":"[^"]+"/g;
const mask = (s: string) => s.replace(NOW, '"$1":"<now>"');

interface Item {
  type: string;
  id: number;
  rezeptUuid: string;
  rzLieferId: string | null;
  regelTrefferCode: string | null;
  checkLevel: string | null;
  [k: string]: unknown;
}
interface ListBody {
  prescriptions: Item[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

describeWith(['postgres'], 'emulator: quirks Q1–Q9', () => {
  let legacy: LegacyFixture;
  let production: EmulatorHandle;

  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'quirks1' });
    production = await startEmulator({ management: legacy.managementDb, environment: 'Production' });
    await insertPrescriptions(legacy.tenantDb, [
      { type: 'eMuster16', id: 101, muster16Id: 1601n },
      { type: 'eMuster16', id: 102, muster16Id: 1602n },
      { type: 'P-Rezept', id: 201, transaktionsNummer: 2001n },
      { type: 'P-Rezept', id: 202, transaktionsNummer: 2002n },
      {
        type: 'E-Rezept',
        id: 301,
        erezeptId: 'E301',
        status: [{ rezeptStatus: 'PRUEF', abrechenStatus: 'REGEL', statusAbfrageDatum: '2025-03-04' }],
      },
      // Two status rows, stored in the order 20, 10: the lowest key is not the physically first row.
      {
        type: 'E-Rezept',
        id: 302,
        erezeptId: 'E302',
        status: [
          { id: 20, rezeptStatus: 'ZWEI' },
          { id: 10, rezeptStatus: 'EINS' },
        ],
      },
    ]);
  });

  afterAll(async () => {
    await production?.close();
    await legacy?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, base = legacy.url) =>
    fetch(`${base}${path}`, { headers: { authorization: legacy.auth, ...headers } });
  const list = async (path: string) => (await (await get(path)).json()) as ListBody;
  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${legacy.url}${path}`, {
      method,
      headers: { authorization: legacy.auth, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('Q1 — v1 routes answer an empty 400 without a version, even without credentials', async () => {
    const body = JSON.stringify({ prescriptions: [] });
    for (const [method, action] of [
      ['GET', 'new'],
      ['POST', 'mark-as-read'],
      ['POST', 'set-abgerechnet'],
    ] as const) {
      const variants: Array<Record<string, string>> = [{}, { authorization: legacy.auth }];
      for (const headers of variants) {
        const res = await fetch(`${legacy.url}/api/Prescriptions/${action}`, {
          method,
          headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
          ...(method === 'POST' ? { body } : {}),
        });
        expect(res.status, `${method} ${action}`).toBe(400);
        expect(res.headers.get('content-length')).toBe('0');
        expect(res.headers.get('www-authenticate')).toBeNull();
        expect(await res.text()).toBe('');
      }
    }
    // They work as /api/v1/… or with X-API-Version: 1.
    expect((await get('/api/v1/Prescriptions/new')).status).toBe(200);
    expect((await get('/api/Prescriptions/new', { 'X-API-Version': '1.0' })).status).toBe(200);
  });

  it('Q2 — a non-empty X-Tenant-Id ends every request that passed authorization in a 500', async () => {
    const tenant = { 'X-Tenant-Id': 'acme' };
    // Development: the developer exception page (text/plain dump incl. request headers)
    const dev = await get('/v2/rezept', tenant);
    expect(dev.status).toBe(500);
    expect(dev.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const dump = await dev.text();
    expect(
      dump.startsWith(
        'System.NotImplementedException: The method or operation is not implemented.\r\n   at ',
      ),
    ).toBe(true);
    expect(dump).toContain('\r\n\r\nHEADERS\r\n=======\r\n');
    expect(dump).toContain('X-Tenant-Id: acme\r\n');
    // Anonymous endpoints, unknown paths, 405s and version errors are hit too.
    for (const path of ['/api/Health/arzsw', '/no/such/path', '/api/Prescriptions/new']) {
      const res = await fetch(`${legacy.url}${path}`, { headers: tenant });
      expect(res.status, path).toBe(500);
      await res.text();
    }
    // A 401 challenge comes first; an empty header has no effect.
    const unauthenticated = await fetch(`${legacy.url}/v2/rezept`, { headers: tenant });
    expect(unauthenticated.status).toBe(401);
    await unauthenticated.text();
    const emptyHeader = await get('/v2/rezept?type=none', { 'X-Tenant-Id': '' });
    expect(emptyHeader.status).toBe(200);
    await emptyHeader.text();
    // Elsewhere an empty 500.
    const prod = await get('/v2/rezept', tenant, production.url);
    expect(prod.status).toBe(500);
    expect(prod.headers.get('content-length')).toBe('0');
    expect(await prod.text()).toBe('');
  });

  it('Q3 — /health/live, /ready and /system always fail with 500; only /api/Health/arzsw answers', async () => {
    for (const path of ['/health/live', '/health/ready', '/health/system']) {
      for (const method of ['GET', 'POST', 'HEAD']) {
        const res = await fetch(`${legacy.url}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(500);
        await res.text();
      }
      const text = await (await fetch(`${legacy.url}${path}`)).text();
      expect(text).toContain(
        "System.InvalidOperationException: Unable to resolve service for type 'ArzTi3Server.Health.SystemMonitoringService' while attempting to activate 'ArzTi3Server.Health.SystemResourceHealthCheck'.",
      );
      const html = await fetch(`${legacy.url}${path}`, { headers: { accept: 'text/html' } });
      expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await html.text()).toContain('An unhandled exception occurred while processing the request.');
      const prod = await fetch(`${production.url}${path}`);
      expect(prod.status).toBe(500);
      expect(await prod.text()).toBe('');
    }
    const ok = await fetch(`${legacy.url}/api/Health/arzsw`);
    expect(await ok.text()).toBe('{"status":"ok"}');
  });

  it('Q4 — pharmacyId is ignored: /v2/rezept/status returns the same data as /v2/rezept', async () => {
    const a = await (await get('/v2/rezept?page=1&pageSize=10')).text();
    const b = await (await get('/v2/rezept/status?pharmacyId=4711&page=1&pageSize=10')).text();
    expect(mask(b)).toBe(mask(a));
    expect(JSON.parse(a).totalCount).toBe(6);
  });

  it('Q5 — rzLieferId is null for P-/E-Rezept in V2, while v1 returns it', async () => {
    const v2 = await list('/v2/rezept');
    expect(v2.prescriptions.map((p) => [p.type, p.rzLieferId])).toEqual([
      ['eMuster16', 'RZ102'],
      ['eMuster16', 'RZ101'],
      ['P-Rezept', null],
      ['P-Rezept', null],
      ['E-Rezept', null],
      ['E-Rezept', null],
    ]);
    const v1 = await list('/api/v1/Prescriptions/new');
    const rz = new Map(v1.prescriptions.map((p) => [`${p.type}:${p.id}`, p.rzLieferId]));
    expect(rz.get('P-Rezept:201')).toBe('RZ201');
    expect(rz.get('E-Rezept:302')).toBe('RZ302');
  });

  it('Q6 — each type is paged separately; hasNextPage ignores that', async () => {
    const ids = (b: ListBody) => b.prescriptions.map((p) => `${p.type}:${p.id}`);
    const p1 = await list('/v2/rezept?page=1&pageSize=1');
    expect(ids(p1)).toEqual(['eMuster16:102', 'P-Rezept:202', 'E-Rezept:302']);
    expect([p1.totalCount, p1.hasNextPage]).toEqual([6, true]);
    const p2 = await list('/v2/rezept?page=2&pageSize=1');
    expect(ids(p2)).toEqual(['eMuster16:101', 'P-Rezept:201', 'E-Rezept:301']);
    expect(p2.hasNextPage).toBe(true); // 2·1 < 6
    const p3 = await list('/v2/rezept?page=3&pageSize=1');
    expect(ids(p3)).toEqual([]);
    expect(p3.hasNextPage).toBe(true); // empty page, still "next"
    const all = await list('/v2/rezept?pageSize=2');
    expect(ids(all)).toEqual([
      'eMuster16:102',
      'eMuster16:101',
      'P-Rezept:202',
      'P-Rezept:201',
      'E-Rezept:302',
      'E-Rezept:301',
    ]);
  });

  it('Q7 — four type vocabularies', async () => {
    const types = (b: ListBody) => [...new Set(b.prescriptions.map((p) => p.type))];
    // V2 GET: eMuster16|P-Rezept|E-Rezept ignoring case; other values select nothing (200, empty).
    expect(types(await list('/v2/rezept?type=p-rezept'))).toEqual(['P-Rezept']);
    expect(await list('/v2/rezept?type=pRezept')).toMatchObject({ prescriptions: [], totalCount: 0 });
    // The .http example's rezeptType on /v2/rezept is no parameter there: all types.
    expect((await list('/v2/rezept?rezeptType=E-Rezept')).totalCount).toBe(6);
    // v1 GET: eMuster16|pRezept|eRezept ignoring case; its own output names do not work as filter.
    expect(types(await list('/api/v1/Prescriptions/new?rezeptType=PREZEPT'))).toEqual(['P-Rezept']);
    expect(await list('/api/v1/Prescriptions/new?rezeptType=P-Rezept')).toMatchObject({
      prescriptions: [],
      totalCount: 0,
    });
    // v1 writes: exact case only; others silently ignored.
    const ignored = await send('POST', '/api/v1/Prescriptions/mark-as-read', {
      prescriptions: [{ type: 'e-rezept', rezeptUuid: 'erezept-301-0' }],
    });
    expect(await ignored.text()).toBe('{"success":true,"processedCount":1,"errors":[]}');
    expect((await list('/v2/rezept?type=E-Rezept')).totalCount).toBe(2);
    // V2 PATCH: ToLower() must match; unknown names are reported, canonical names in messages.
    const patched = await send('PATCH', '/v2/rezept/status', {
      updates: [
        { rezeptUuid: 'nope', type: 'E-REZEPT' },
        { rezeptUuid: 'nope', type: 'eRezept' },
      ],
    });
    expect((await patched.json()) as object).toMatchObject({
      errors: ['E-Rezept prescription not found: nope', 'Unknown prescription type: eRezept'],
    });
  });

  it('Q8 — reads show the oldest status row; writes update whichever row LIMIT 1 returns', async () => {
    const show = async () =>
      (await list('/v2/rezept?type=E-Rezept')).prescriptions.find((p) => p.id === 302)?.checkLevel;
    expect(await show()).toBe('EINS'); // id 10, although id 20 was stored first
    const res = await send('PATCH', '/v2/rezept/status', {
      updates: [{ rezeptUuid: 'erezept-302-0', type: 'E-Rezept', status: 'NEU' }],
    });
    expect((await res.json()) as object).toMatchObject({ success: true });
    const { rows } = await legacy.tenantDb.query<{ id: number; rezept_status: string }>(
      'SELECT id_senderezepte_erezept_status AS id, rezept_status FROM er_senderezepte_erezept_status WHERE id_senderezepte_erezept = 302 ORDER BY 1',
    );
    expect(rows.filter((r) => r.rezept_status === 'NEU')).toHaveLength(1); // exactly one row was written
    expect(await show()).toBe(rows[0]?.rezept_status); // the display still follows the lowest key
  });

  it('Q9 — misleading field names: regelTrefferCode/checkLevel/status are status columns, avsSystem constant', async () => {
    const v2 = await list('/v2/rezept?type=E-Rezept');
    const item = v2.prescriptions.find((p) => p.id === 301) as Item;
    expect(item.regelTrefferCode).toBe('REGEL'); // abrechen_status
    expect(item.checkLevel).toBe('PRUEF'); // rezept_status
    expect(item.transferArz).toBe(false);
    expect(item.avsSystem).toEqual({ manufacturer: 'GfAL', name: 'ArzTi', version: '3.0' });
    expect(Date.parse(item.deliveryTimestamp as string)).toBeGreaterThan(Date.now() - 60_000); // serialization time
    const res = await send('PATCH', '/v2/rezept/statusuuid', { rezeptUuids: ['erezept-301-0'] });
    const status = ((await res.json()) as { prescriptions: Array<Record<string, unknown>> }).prescriptions[0];
    expect(status).toEqual({
      rezeptUuid: 'erezept-301-0',
      type: 'E-Rezept',
      transferArz: false,
      status: 'PRUEF',
      regelTrefferCode: 'REGEL',
      checkLevel: 'PRUEF',
      errorMessages: [],
      lastUpdated: '2025-03-04T00:00:00',
    });
  });
});
