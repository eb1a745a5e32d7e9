// The cache executor against a fake cache and invalidation state: normalised keys, X-Edge per outcome, the
// bypass (feed not up) answered by SQL without touching the cache, bodies above maxEntryBytes streamed and
// not stored, fill failures forwarded, and cached segments written with fresh timestamps.
import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import type { CacheableResponse } from '../../../src/core/cache-port.js';
import { createRequestContext, extendContext } from '../../../src/core/request-context.js';
import { DEFAULT_LEGACY_SETTINGS } from '../../../src/core/route-table.js';
import type { SqlDatabase } from '../../../src/core/sql-port.js';
import { createUtcClock } from '../../../src/core/stj-datetime.js';
import {
  cacheParams,
  createCacheExecutor,
  type ResponseCachePort,
} from '../../../src/pipeline/executors/cache-executor.js';
import { planV2Read, type V2Query } from '../../../src/pipeline/executors/v2-read.js';
import { respondBodyText, silentLog as log, testPrincipal } from '../../fakes/request-fixtures.js';

const routes = parseRouteTable(
  'routes:\n  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: cache }\n',
  'unit.yaml',
);
const principal = testPrincipal(9, 'Host=db;Database=t');

const ctx = (rawUrl: string) =>
  extendContext(
    createRequestContext({
      requestId: 'rq',
      startedAtMs: 0,
      receivedAt: 0,
      method: 'GET',
      rawUrl,
      headers: {},
      remoteAddress: '10.0.0.1',
      log,
    }),
    { route: routes.match('GET', '/v2/rezept'), mode: 'cache', principal },
  );

const noSql: SqlDatabase = {
  query: () => Promise.reject(new Error('no SQL expected')),
  transaction: () => Promise.reject(new Error('no SQL expected')),
  close: async () => undefined,
};
const refused: SqlDatabase = {
  query: () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
  transaction: () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
  close: async () => undefined,
};

type Lookup = Awaited<ReturnType<ResponseCachePort['lookupOrFill']>>;

function harness(options: {
  bypass?: string;
  lookup?: (fill: () => Promise<unknown>) => Promise<Lookup>;
  db?: SqlDatabase;
  maxEntryBytes?: number;
}) {
  const calls: { tenantId: number; routeId: string; params: unknown }[] = [];
  const watched: number[] = [];
  const bypassed: string[] = [];
  const cache: ResponseCachePort = {
    lookupOrFill: async (request) => {
      calls.push({ tenantId: request.tenantId, routeId: request.routeId, params: request.params });
      if (options.lookup) return options.lookup(request.fill);
      const filled = await request.fill();
      return 'uncacheable' in filled
        ? { outcome: 'miss', uncacheable: filled.uncacheable }
        : { outcome: 'miss', entry: filled };
    },
  };
  const run = createCacheExecutor({
    cache,
    invalidation: { watch: (t) => watched.push(t.datenbankId), bypassReason: () => options.bypass },
    database: () => options.db ?? noSql,
    readiness: async () => true,
    legacy: () => DEFAULT_LEGACY_SETTINGS,
    clock: createUtcClock(),
    observer: { answered() {}, forwarded() {} },
    maxEntryBytes: options.maxEntryBytes ?? 1_000_000,
    onBypass: (route, reason) => bypassed.push(`${route}:${reason}`),
  });
  return { run, calls, watched, bypassed };
}

const bodyOf = respondBodyText;

const TIMESTAMP = /"responseTimestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z"/;

describe('cacheParams', () => {
  const paramsOf = async (rawUrl: string) => {
    const plan = await planV2Read(ctx(rawUrl), DEFAULT_LEGACY_SETTINGS);
    if (plan.kind !== 'query') throw new Error(plan.kind);
    return cacheParams(plan.query as V2Query, DEFAULT_LEGACY_SETTINGS);
  };

  it('keys on the normalised request: type case, parameter-name case, first value, pageSize cap', async () => {
    const a = await paramsOf('/v2/rezept?type=e-rezept&PageSize=1000&page=2&page=5&x=1');
    const b = await paramsOf('/v2/rezept?pagesize=500&TYPE=E-REZEPT&Page=2');
    expect(a).toEqual(b);
    expect(a).toEqual({ op: 'list', types: 'E-Rezept', page: 2, pageSize: 500, environment: 'Development' });
    expect(await paramsOf('/v2/rezept')).toEqual({
      op: 'list',
      types: 'eMuster16,P-Rezept,E-Rezept',
      page: 1,
      pageSize: 100,
      environment: 'Development',
    });
  });
});

describe('cache executor', () => {
  it('miss: watched tenant, normalised key, the fill answered and stored; X-Edge cache-miss', async () => {
    const { run, calls, watched } = harness({});
    const outcome = await run(ctx('/v2/rezept?type=nothing&pageSize=5'));
    expect(outcome).toMatchObject({ kind: 'respond', status: 200, edge: 'cache-miss' });
    expect(await bodyOf(outcome)).toMatch(TIMESTAMP);
    expect(watched).toEqual([9]);
    expect(calls).toEqual([
      {
        tenantId: 9,
        routeId: 'v2-rezept-list',
        params: { op: 'list', types: '', page: 1, pageSize: 5, environment: 'Development' },
      },
    ]);
  });

  it('hit / stale / bypass-inside-the-cache map to cache-hit / stale / sql, written with fresh timestamps', async () => {
    const entry: CacheableResponse = {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      segments: [Buffer.from('{"a":"'), Buffer.from('","responseTimestamp":"'), Buffer.from('"}')],
    };
    for (const [outcome, edge] of [
      ['hit', 'cache-hit'],
      ['stale', 'stale'],
      ['bypass', 'sql'],
    ] as const) {
      const { run } = harness({ lookup: async () => ({ outcome, entry }) });
      const result = await run(ctx('/v2/rezept'));
      expect(result).toMatchObject({ kind: 'respond', edge, headers: { 'Content-Type': entry.contentType } });
      const body = await bodyOf(result);
      const [first, second] = [...body.matchAll(/"(\d{4}-[^"]+Z)"/g)].map((m) => m[1] as string);
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect((first as string) <= (second as string)).toBe(true);
      expect(Date.now() - Date.parse(second as string)).toBeLessThan(60_000);
    }
  });

  it('feed not up → answered by SQL (X-Edge sql), the cache is not consulted, the bypass is counted', async () => {
    const { run, calls, bypassed } = harness({ bypass: 'listener-down' });
    const outcome = await run(ctx('/v2/rezept?type=none'));
    expect(outcome).toMatchObject({ kind: 'respond', status: 200, edge: 'sql' });
    expect(await bodyOf(outcome)).toMatch(TIMESTAMP);
    expect(calls).toEqual([]);
    expect(bypassed).toEqual(['v2-rezept-list:listener-down']);
  });

  it('a body above maxEntryBytes is streamed to its caller and not stored (X-Edge sql)', async () => {
    const { run, bypassed } = harness({ maxEntryBytes: 10 });
    const outcome = await run(ctx('/v2/rezept?type=none'));
    expect(outcome).toMatchObject({ kind: 'respond', status: 200, edge: 'sql' });
    expect(await bodyOf(outcome)).toMatch(/^\{"prescriptions":\[\]/);
    expect(bypassed).toEqual(['v2-rezept-list:entry-too-large']);
  });

  it('the fill fails before any byte → forward with the database reason; a cache failure → cache-error', async () => {
    const failing = harness({ db: refused });
    expect(await failing.run(ctx('/v2/rezept?type=E-Rezept'))).toEqual({
      kind: 'forward',
      reason: 'db-unavailable',
    });
    const broken = harness({ lookup: () => Promise.reject(new Error('cache bug')) });
    expect(await broken.run(ctx('/v2/rezept'))).toEqual({ kind: 'forward', reason: 'cache-error' });
  });
});
