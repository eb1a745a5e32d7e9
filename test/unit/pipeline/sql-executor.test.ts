// The sql executor without a database server: every forward rule it owns (principal, endpoint, body bound,
// database failures classified into bounded reasons, missing indexes), the answers it gives without SQL
// (controller 400s, a type that selects nothing), and how the body is written (rendered by the writer, fresh timestamps).
import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import { bufferedRequestBody } from '../../../src/core/request-body.js';
import type { Principal } from '../../../src/core/principal.js';
import { createRequestContext, extendContext } from '../../../src/core/request-context.js';
import { DEFAULT_LEGACY_SETTINGS } from '../../../src/core/route-table.js';
import type { SqlDatabase } from '../../../src/core/sql-port.js';
import { createUtcClock } from '../../../src/core/stj-datetime.js';
import { EdgeError } from '../../../src/errors.js';
import { createSqlExecutor } from '../../../src/pipeline/executors/sql-executor.js';
import {
  maxStatusUuidBodyBytes,
  sqlFailureReason,
  v2Endpoint,
  type FastPathObserver,
} from '../../../src/pipeline/executors/v2-read.js';
import { respondBodyText, silentLog as log, testPrincipal } from '../../fakes/request-fixtures.js';

const routes = parseRouteTable(
  [
    'routes:',
    '  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: sql }',
    '  - { id: v2-rezept-statusuuid, method: PATCH, path: /v2/rezept/statusuuid, mode: sql }',
    '  - { id: v2-rezept-status-update, method: PATCH, path: /v2/rezept/status, mode: sql }',
  ].join('\n'),
  'unit.yaml',
);
const principal = testPrincipal(3, 'Host=db;Database=t');

function ctx(
  method: string,
  rawUrl: string,
  options: { headers?: Record<string, string>; body?: Buffer; principal?: Principal | null } = {},
) {
  const base = createRequestContext({
    requestId: 'rq',
    startedAtMs: 0,
    receivedAt: 0,
    method,
    rawUrl,
    headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k, [v]])),
    remoteAddress: '10.0.0.1',
    log,
    ...(options.body ? { body: bufferedRequestBody(options.body) } : {}),
  });
  const route = routes.match(method, base.path);
  return extendContext(base, {
    route,
    mode: 'sql',
    ...(options.principal === null ? {} : { principal: options.principal ?? principal }),
  });
}

function observed() {
  const events: string[] = [];
  const observer: FastPathObserver = {
    answered: (route, edge) => events.push(`answered ${route} ${edge}`),
    forwarded: (route, reason) => events.push(`forwarded ${route} ${reason}`),
  };
  return { events, observer };
}

/** A tenant DB whose every statement fails with `error` (or succeeds with no rows). */
function database(error?: unknown): SqlDatabase & { statements: number } {
  const db = {
    statements: 0,
    query: async () => {
      db.statements += 1;
      if (error !== undefined) throw error;
      return { rows: [], rowCount: 0 };
    },
    transaction: async <T>(fn: (tx: SqlDatabase) => Promise<T>) => fn(db as unknown as SqlDatabase),
    close: async () => undefined,
  };
  return db;
}

function executor(db: SqlDatabase, ready = true) {
  const { events, observer } = observed();
  const run = createSqlExecutor({
    database: () => db,
    readiness: async () => ready,
    legacy: () => DEFAULT_LEGACY_SETTINGS,
    clock: createUtcClock(),
    observer,
  });
  return { run, events };
}

const bodyOf = respondBodyText;

describe('v2Endpoint', () => {
  it.each([
    ['GET', '/v2/rezept', 'list'],
    ['GET', '/V2.0/REZEPT/', 'list'],
    ['GET', '/v2/rezept/status', 'pharmacy-list'],
    ['PATCH', '/v2/rezept/statusuuid', 'statusuuid'],
    ['PATCH', '/v2/rezept/status', undefined],
    ['GET', '/v2/rezept/statusuuid', undefined],
    ['GET', '/v2/rezept//', undefined],
    ['GET', '/v3/rezept', undefined],
  ])('%s %s → %s', (method, path, endpoint) => {
    expect(v2Endpoint(method, path)).toBe(endpoint);
  });
});

describe('sqlFailureReason', () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it.each([
    [pgError('57014', 'canceling statement due to statement timeout'), 'statement-timeout'],
    [new Error('Query read timeout'), 'statement-timeout'],
    [new EdgeError('EDGE_SQL_TIMEOUT'), 'statement-timeout'],
    [pgError('ECONNREFUSED'), 'db-unavailable'],
    [pgError('3D000', 'database "x" does not exist'), 'db-unavailable'],
    [pgError('28P01'), 'db-unavailable'],
    [pgError('57P01', 'terminating connection due to administrator command'), 'db-unavailable'],
    [new Error('timeout exceeded when trying to connect'), 'db-unavailable'],
    [new Error('Connection terminated unexpectedly'), 'db-unavailable'],
    [new EdgeError('EDGE_SQL_UNAVAILABLE'), 'db-unavailable'],
    [new EdgeError('EDGE_AUTH_CONNECTION_STRING'), 'db-unavailable'],
    [pgError('42P01', 'relation does not exist'), 'sql-error'],
    [new TypeError('bug'), 'sql-error'],
  ])('%s → %s', (err, reason) => {
    expect(sqlFailureReason(err)).toBe(reason);
  });
});

describe('sql executor', () => {
  it('no principal on the context (the mode changed between the stages) → forward', async () => {
    const { run, events } = executor(database());
    expect(await run(ctx('GET', '/v2/rezept', { principal: null }))).toEqual({
      kind: 'forward',
      reason: 'no-principal',
    });
    expect(events).toEqual(['forwarded v2-rezept-list no-principal']);
  });

  it('a route in sql mode that is not one of the three reads → forward', async () => {
    const { run } = executor(database());
    expect(await run(ctx('PATCH', '/v2/rezept/status'))).toMatchObject({ reason: 'not-a-v2-read' });
  });

  it('X-Tenant-Id (also empty) → forward, before any body is read or statement run', async () => {
    const db = database();
    const { run } = executor(db);
    for (const value of ['t1', '']) {
      expect(await run(ctx('GET', '/v2/rezept', { headers: { 'x-tenant-id': value } }))).toMatchObject({
        reason: 'tenant-header',
      });
    }
    expect(db.statements).toBe(0);
  });

  it('statusuuid: a body beyond the bound → forward; an empty list → the legacy 400 without SQL', async () => {
    const db = database();
    const { run, events } = executor(db);
    const big = Buffer.alloc(maxStatusUuidBodyBytes(1000) + 1, 0x20);
    const json = { 'content-type': 'application/json' };
    expect(await run(ctx('PATCH', '/v2/rezept/statusuuid', { headers: json, body: big }))).toMatchObject({
      reason: 'body-too-large',
    });
    const empty = await run(
      ctx('PATCH', '/v2/rezept/statusuuid', { headers: json, body: Buffer.from('{"rezeptUuids":[]}') }),
    );
    expect(empty).toMatchObject({
      kind: 'respond',
      status: 400,
      edge: 'sql',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
    expect(await bodyOf(empty)).toBe('RezeptUuids list cannot be empty');
    expect(db.statements).toBe(0);
    expect(events).toEqual([
      'forwarded v2-rezept-statusuuid body-too-large',
      'answered v2-rezept-statusuuid sql',
    ]);
  });

  it.each([
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'db-unavailable'],
    [
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      'statement-timeout',
    ],
    [Object.assign(new Error('syntax'), { code: '42601' }), 'sql-error'],
  ])('a database failure before the first byte (%s) → forward %s', async (err, reason) => {
    const { run, events } = executor(database(err));
    expect(await run(ctx('GET', '/v2/rezept?type=E-Rezept'))).toEqual({ kind: 'forward', reason });
    expect(events).toEqual([`forwarded v2-rezept-list ${reason}`]);
  });

  it('a tenant without the fast-path indexes → forward', async () => {
    const { run } = executor(database(), false);
    expect(await run(ctx('GET', '/v2/rezept'))).toEqual({ kind: 'forward', reason: 'indexes-missing' });
  });

  it('a type that selects nothing: answered without SQL, with a fresh responseTimestamp', async () => {
    const db = database();
    const { run } = executor(db);
    const outcome = await run(ctx('GET', '/v2/rezept?type=Muster16&page=3&pageSize=1000'));
    expect(outcome).toMatchObject({
      kind: 'respond',
      status: 200,
      edge: 'sql',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect((outcome as { headers: Record<string, string> }).headers['Content-Length']).toBeUndefined();
    const body = await bodyOf(outcome);
    expect(body).toMatch(
      /^\{"prescriptions":\[\],"totalCount":0,"page":3,"pageSize":500,"hasNextPage":false,"environment":"Development","responseTimestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z"\}$/,
    );
    expect(db.statements).toBe(0);
  });
});
