// Cache mode under concurrency: readers on the same URLs with the credentials of two tenants, interleaved,
// while a writer changes rows of tenant A (directly in the DB and through the proxy). Every write makes a
// state no earlier one had, so each answer names the one state it shows: no response may be older than
// the invalidation bound or show a state that never existed, none may carry the other tenant's data;
// writes through the proxy are visible at once. Then the tenant's LISTEN connection is killed
// (pg_terminate_backend, repeatedly, so the outage lasts): no stale answer during the outage (the tenant
// bypasses the cache) or after the reconnect (the epoch is bumped before the cache is used again).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../support/needs.js';
import {
  eventually,
  fastRoutes,
  send,
  startProxy,
  startTwoTenants,
  untilCached,
  uuidsIn,
  type Proxy,
  type TwoTenants,
  listenerKiller,
} from './fast-path-support.js';

let tenants: TwoTenants;
let proxy: Proxy;

const PATHS = [
  '/v2/rezept?type=E-Rezept&pageSize=5',
  '/v2/rezept/status?pageSize=30',
  '/v2/rezept?pageSize=3&page=2',
];
/** A direct DB change must show within this bound (the NOTIFY path; the p99 is measured in cache-invalidation). */
const BOUND_MS = 250;

/**
 * What a list answer of tenant A shows of the two rows the writer changes: whether A-E-20 is "new"
 * (listed), and the status of A-E-17 (its `checkLevel`; A-E-17 is on the classified pages either way).
 */
interface State {
  readonly present: boolean;
  readonly marker: string | null | undefined;
}

/** The state a `PATHS[0]`/`PATHS[1]` body of tenant A shows. */
function stateIn(text: string): State {
  const { prescriptions } = JSON.parse(text) as {
    prescriptions: { rezeptUuid: string; checkLevel: string | null }[];
  };
  return {
    present: prescriptions.some((p) => p.rezeptUuid === 'A-E-20'),
    marker: prescriptions.find((p) => p.rezeptUuid === 'A-E-17')?.checkLevel,
  };
}

/**
 * One state in the history; every write makes a new one (its own marker, so no state recurs). It is
 * recorded *before* the statement that makes it is sent, so a reader can never see a state the history
 * does not hold yet; until the statement returns, the previous state and this one are both valid.
 */
interface Version extends State {
  /** Before the statement was sent (the change cannot be visible earlier). */
  readonly from: number;
  /** When the next version's statement returned (committed: due from then on); Infinity while current. */
  until: number;
}

/**
 * How long before the request started the state a reader saw had been replaced: ≤ 0 when it was valid at
 * some time in [started, ended]; undefined for a state that did not exist before the response ended (a
 * torn or foreign answer: the history cannot miss a state, see Version).
 */
function staleness(
  versions: readonly Version[],
  seen: State,
  started: number,
  ended: number,
): number | undefined {
  const version = versions.find((v) => v.present === seen.present && v.marker === seen.marker);
  if (version === undefined || version.from > ended) return undefined;
  return started - version.until;
}

const setTransferred = (transferred: boolean) =>
  tenants.legacy.tenantDb.query(
    'UPDATE er_senderezepte_erezept_daten SET transfer_arz = $1 WHERE rezept_uuid = $2',
    [transferred, 'A-E-20'],
  );

/** Both rows in one statement (one transaction: no half-written state), as a client of the DB would. */
const setState = ({ present, marker }: State) =>
  tenants.legacy.tenantDb.query(
    `WITH daten AS (
       UPDATE er_senderezepte_erezept_daten SET transfer_arz = $1 WHERE rezept_uuid = 'A-E-20')
     UPDATE er_senderezepte_erezept_status SET rezept_status = $2 WHERE id_senderezepte_erezept = 17`,
    [!present, marker],
  );

describeWith(['postgres'], 'cache mode: concurrency, tenant isolation, feed outages', () => {
  beforeAll(async () => {
    tenants = await startTwoTenants('cache_cons');
    proxy = await startProxy({
      legacyUrl: tenants.legacy.url,
      managementUrl: tenants.legacy.management.url,
      routes: fastRoutes({ mode: 'cache' }),
    });
    for (const path of PATHS) {
      await untilCached(proxy.port, path, tenants.authA);
      await untilCached(proxy.port, path, tenants.authB);
    }
  }, 60_000);

  afterAll(async () => {
    await proxy?.app.stop();
    await tenants?.close();
  });

  it('concurrent readers of two tenants + a writer: nothing older than the bound, nothing of the other tenant', async () => {
    // The fixture's state (tenantRows: every head new, status NEU).
    const versions: Version[] = [{ present: true, marker: 'NEU', from: 0, until: Infinity }];
    let writing = true;
    let proxyWrites = 0;
    const writer = (async () => {
      for (let i = 0; i < 60; i += 1) {
        const next: State = { present: i % 2 === 1, marker: `W${i}` };
        const previous = versions.at(-1) as Version;
        // Pending before the statement is sent: from now on readers may see either state.
        versions.push({ ...next, from: performance.now(), until: Infinity });
        if (i % 3 === 0) {
          // Through the proxy: read-your-writes, checked at once by the writer itself.
          const write = await send(proxy.port, {
            method: 'PATCH',
            path: '/v2/rezept/status',
            headers: { authorization: tenants.authA, 'content-type': 'application/json' },
            body: JSON.stringify({
              updates: [
                { rezeptUuid: 'A-E-20', type: 'E-Rezept', transferArz: !next.present },
                { rezeptUuid: 'A-E-17', type: 'E-Rezept', status: next.marker },
              ],
            }),
          });
          previous.until = performance.now();
          expect(write.status).toBe(200);
          expect(write.text).toContain('"success":true');
          proxyWrites += 1;
          const read = await send(proxy.port, {
            path: PATHS[0] as string,
            headers: { authorization: tenants.authA },
          });
          expect(stateIn(read.text)).toEqual(next);
        } else {
          await setState(next);
          previous.until = performance.now();
        }
        // Now and then a DB write is followed by a pause longer than the bound: nothing but its NOTIFY
        // can make it visible then (a proxy write would invalidate the tenant as well).
        await new Promise((r) => setTimeout(r, i % 12 === 5 ? BOUND_MS + 100 : 15));
      }
      writing = false;
    })();

    let worstMs = -Infinity;
    let worst = '';
    let checked = 0;
    let classified = 0;
    const unknown: string[] = [];
    const reader = async (id: number) => {
      let n = id;
      while (writing) {
        n += 1;
        const asA = n % 2 === 0;
        const path = PATHS[n % PATHS.length] as string;
        const started = performance.now();
        const reply = await send(proxy.port, {
          path,
          headers: { authorization: asA ? tenants.authA : tenants.authB },
        });
        const ended = performance.now();
        expect(reply.status).toBe(200);
        const uuids = uuidsIn(reply.text);
        // Tenant isolation: only the caller's own rows, ever.
        expect(uuids.every((u) => u.startsWith(asA ? 'A-' : 'B-'))).toBe(true);
        checked += 1;
        if (!asA || path === PATHS[2]) continue;
        classified += 1;
        const seen = stateIn(reply.text);
        const ms = staleness(versions, seen, started, ended);
        const what = `${JSON.stringify(seen)} read in ${started.toFixed(1)}–${ended.toFixed(1)} ms`;
        if (ms === undefined) unknown.push(what);
        else if (ms > worstMs) {
          worstMs = ms;
          worst = what;
        }
      }
    };
    await Promise.all([writer, reader(0), reader(1), reader(2), reader(3)]);
    console.log(
      `[cache-consistency] ${checked} reads (${classified} classified) during 60 writes ` +
        `(${proxyWrites} through the proxy); worst staleness ${Math.max(0, worstMs).toFixed(1)} ms (bound ${BOUND_MS} ms)`,
    );
    expect(checked).toBeGreaterThan(150);
    expect(classified).toBeGreaterThan(50);
    expect(unknown, `states that never existed: ${unknown.slice(0, 5).join('; ')}`).toEqual([]);
    const history = versions.map((v) => `${v.marker}: ${v.from.toFixed(1)}–${v.until.toFixed(1)}`);
    expect(worstMs, `${worst}; history ${history.join(', ')}`).toBeLessThan(BOUND_MS);
  }, 60_000);

  it('the LISTEN connection killed (pg_terminate_backend): no stale answer during the outage or after it', async () => {
    const path = PATHS[0] as string;
    const headers = { authorization: tenants.authA };
    const read = () => send(proxy.port, { path, headers });
    const shows = (text: string) => uuidsIn(text).includes('A-E-20');
    const listener = await listenerKiller(tenants.legacy.tenant.name);
    const kill = listener.kill;
    try {
      // 1. A known state in the cache; the feed is killed; the proxy notices (bypass: X-Edge sql).
      await setTransferred(false);
      await eventually(2000, async () => {
        const reply = await read();
        return reply.headers['x-edge'] === 'cache-hit' && shows(reply.text);
      });
      expect(await kill()).toBe(1);
      await eventually(2000, async () => (await read()).headers['x-edge'] === 'sql');
      // 2. Changed while the feed is down (its NOTIFY is lost); every answer from now on shows the change,
      //    through the bypass and after the reconnect (bumped before the cache is used again).
      await setTransferred(true);
      const edges = new Set<string>();
      await eventually(5000, async () => {
        const reply = await read();
        edges.add(String(reply.headers['x-edge']));
        expect(shows(reply.text)).toBe(false);
        return reply.headers['x-edge'] === 'cache-hit';
      });
      expect([...edges]).toEqual(expect.arrayContaining(['sql', 'cache-hit']));

      // 3. A sustained outage: every reconnect is killed at once while the state keeps flipping. A bypassed
      //    answer must be exact; one served from the cache (between a reconnect and the next kill) may lag by
      //    the invalidation bound at most.
      const stopKilling = listener.killEvery(10);
      let bypassed = 0;
      try {
        for (let i = 0; i < 12; i += 1) {
          const present = i % 2 === 0;
          await setTransferred(!present);
          const reply = await read();
          if (reply.headers['x-edge'] === 'sql') {
            bypassed += 1;
            expect(shows(reply.text)).toBe(present);
          } else await eventually(BOUND_MS, async () => shows((await read()).text) === present, 2);
        }
      } finally {
        await stopKilling();
      }
      expect(bypassed).toBeGreaterThan(0);
      // 4. After it: cached again, current, and invalidated by the feed as before.
      const back = await untilCached(proxy.port, path, tenants.authA);
      expect(shows(back.text)).toBe(false);
      await setTransferred(false);
      await eventually(BOUND_MS, async () => shows((await read()).text), 2);
    } finally {
      await listener.close();
    }
  }, 60_000);
});
