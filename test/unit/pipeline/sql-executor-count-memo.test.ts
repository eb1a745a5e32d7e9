// The sql executor with the list-count memo, on a fake tenant DB that tells the counting statement from the
// page-only one: the executor starts the tenant's feed (watch), a second list request of the same epoch runs
// no count, a bump while the count runs (epoch read before the statement) keeps that count out, and a tenant
// whose feed is down always counts in SQL.
import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import type { BypassReason } from '../../../src/core/cache-port.js';
import type { Outcome } from '../../../src/core/outcome.js';
import { createRequestContext, extendContext } from '../../../src/core/request-context.js';
import { DEFAULT_LEGACY_SETTINGS } from '../../../src/core/route-table.js';
import type { SqlDatabase, SqlExecutor } from '../../../src/core/sql-port.js';
import { createUtcClock } from '../../../src/core/stj-datetime.js';
import { createSqlExecutor } from '../../../src/pipeline/executors/sql-executor.js';
import { CountMemo } from '../../../src/prescriptions/count-memo.js';
import { FAST_SQL } from '../../../src/prescriptions/fast-sql.js';
import type { PrescriptionType } from '../../../src/prescriptions/prescription-types.js';
import { respondBodyText, silentLog as log, testPrincipal } from '../../fakes/request-fixtures.js';

const routes = parseRouteTable(
  'routes:\n  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: sql }\n',
  'unit.yaml',
);
const principal = testPrincipal(4, 'Host=db;Database=t');
const ALL: PrescriptionType[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];
const COUNT_STATEMENTS = new Set([ALL, ...ALL.map((t) => [t])].map((types) => FAST_SQL.listFirst(types)));
const PAGE_STATEMENTS = new Set([ALL, ...ALL.map((t) => [t])].map((types) => FAST_SQL.listPageOnly(types)));

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
    { route: routes.match('GET', '/v2/rezept'), mode: 'sql', principal },
  );

/** A tenant with `news[block]` new prescriptions per type and no page rows; `onCount` runs inside the count. */
function tenantDb(news: number[], onCount: () => void = () => undefined) {
  const seen: ('count' | 'page')[] = [];
  const query: SqlExecutor['query'] = async <Row>(text: string) => {
    if (COUNT_STATEMENTS.has(text)) {
      seen.push('count');
      onCount();
      const rows = news.map((n, i) => ({ blk: 0, id: i + 1, did: n }));
      return { rows: rows as Row[], rowCount: rows.length };
    }
    if (PAGE_STATEMENTS.has(text)) seen.push('page');
    return { rows: [], rowCount: 0 };
  };
  const db: SqlDatabase = { query, transaction: (fn) => fn({ query }), close: async () => undefined };
  return { db, seen };
}

function harness(news: number[], onCount?: () => void) {
  let epoch = 1;
  let down: BypassReason | undefined;
  const watched: number[] = [];
  const lookups: string[] = [];
  const { db, seen } = tenantDb(news, () => onCount?.());
  const memo = new CountMemo({
    epochs: { peek: () => ({ epoch, shared: false }) },
    bypass: { bypassReason: () => down },
    maxAgeMs: 60_000,
    onLookup: (route, outcome) => lookups.push(`${route}:${outcome}`),
  });
  const run = createSqlExecutor({
    database: () => db,
    readiness: async () => true,
    legacy: () => DEFAULT_LEGACY_SETTINGS,
    clock: createUtcClock(),
    observer: { answered() {}, forwarded() {} },
    countMemo: memo,
    invalidation: { watch: (tenant) => watched.push(tenant.datenbankId) },
  });
  return {
    run,
    seen,
    watched,
    lookups,
    bump: () => (epoch += 1),
    setDown: (reason: BypassReason | undefined) => (down = reason),
  };
}

const times = (kind: 'count' | 'page', n: number) => Array<'count' | 'page'>(n).fill(kind);

async function totalCount(outcome: Outcome): Promise<number> {
  const match = /"totalCount":(\d+)/.exec(await respondBodyText(outcome));
  if (match === null) throw new Error('no totalCount');
  return Number(match[1]);
}

describe('sql executor with the count memo', () => {
  it('watches the tenant and counts once per epoch: the next list requests run the page statement only', async () => {
    const h = harness([5, 0, 20]);
    expect(await totalCount(await h.run(ctx('/v2/rezept?pageSize=7')))).toBe(25);
    expect(await totalCount(await h.run(ctx('/v2/rezept?pageSize=3&page=2')))).toBe(25);
    expect(await totalCount(await h.run(ctx('/v2/rezept?type=E-Rezept')))).toBe(20);
    // One statement per selected type (the three blocks are read at once).
    expect(h.seen).toEqual([...times('count', 3), ...times('page', 3), 'page']);
    expect(h.watched).toEqual([4, 4, 4]);
    expect(h.lookups).toEqual(['v2-rezept-list:miss', 'v2-rezept-list:hit', 'v2-rezept-list:hit']);
    // A bump: counted again.
    h.bump();
    expect(await totalCount(await h.run(ctx('/v2/rezept')))).toBe(25);
    expect(h.seen.at(-1)).toBe('count');
  });

  it('a bump while the count runs keeps that count out of the memo', async () => {
    let bumpDuringCount = true;
    const h = harness([5, 0, 20], () => {
      if (bumpDuringCount) h.bump();
    });
    await totalCount(await h.run(ctx('/v2/rezept')));
    bumpDuringCount = false;
    await totalCount(await h.run(ctx('/v2/rezept')));
    await totalCount(await h.run(ctx('/v2/rezept')));
    expect(h.seen).toEqual([...times('count', 6), ...times('page', 3)]);
  });

  it('while the tenant feed is down every list request counts in SQL', async () => {
    const h = harness([1, 2, 3]);
    h.setDown('listener-down');
    for (let i = 0; i < 3; i += 1) expect(await totalCount(await h.run(ctx('/v2/rezept')))).toBe(6);
    expect(h.seen).toEqual(times('count', 9));
    expect(h.lookups).toEqual(Array(3).fill('v2-rezept-list:bypass'));
  });
});
