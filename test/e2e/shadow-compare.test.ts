// Shadow mode end to end in front of the legacy emulator (real PostgreSQL): the client always gets the
// legacy's answer; calibration (legacy vs legacy, also for PATCH statusuuid with its body) matches 100 %;
// a candidate that reads the same data matches 100 %; a candidate that reads one field differently (test-only
// fault injection) is counted as a mismatch whose diff names that field; and the client's p50 latency in
// shadow mode stays within 10 % of legacy mode in the same run.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Outcome } from '../../src/core/outcome.js';
import type { RequestContext } from '../../src/core/request-context.js';
import { describeWith } from '../support/needs.js';
import { insertPrescriptions, startLegacyFixture, type LegacyFixture } from '../support/emulator-fixtures.js';
import {
  fakeAuthenticator,
  request,
  routesDir,
  startEdge,
  type Reply,
  type RunningEdge,
} from './rollout-harness.js';

const ROUTES = [
  'routes:',
  '  - id: v2-rezept-list',
  '    method: GET',
  '    path: /v2/rezept',
  '    mode: shadow',
  '    shadow: { sample: 1.0, maxConcurrent: 8 }',
  '  - id: v2-rezept-status-list',
  '    method: GET',
  '    path: /v2/rezept/status',
  '    mode: shadow',
  '    shadow: { calibrate: true, maxConcurrent: 8 }',
  '  - id: v2-rezept-statusuuid',
  '    method: PATCH',
  '    path: /v2/rezept/statusuuid',
  '    mode: shadow',
  '    shadow: { calibrate: true }',
].join('\n');

const LEGACY_ROUTES = [
  'routes:',
  '  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: legacy }',
].join('\n');

/** The fault: the fast path reads erezept_id of head 3 differently (as through a stale view). */
const FAULT = { on: false, from: '"erezeptId":"160.000.000.3"', to: '"erezeptId":"160.000.000.3-STALE"' };

function emulatorCandidate(legacy: LegacyFixture) {
  const { port } = new URL(legacy.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  return (ctx: RequestContext): Promise<Outcome> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const name of ['authorization', 'accept', 'accept-charset']) {
        const value = ctx.headers[name];
        if (value) headers[name] = [...value];
      }
      const req = http.request(
        { host: '127.0.0.1', port: Number(port), path: ctx.target, method: ctx.method, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let body = Buffer.concat(chunks);
            if (FAULT.on) body = Buffer.from(body.toString('utf8').replace(FAULT.from, FAULT.to), 'utf8');
            resolve({
              kind: 'respond',
              status: res.statusCode ?? 0,
              headers: { 'Content-Type': res.headers['content-type'] ?? '' },
              body,
              edge: 'sql',
            });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
};

describeWith(['postgres'], 'shadow mode against the emulator', () => {
  let legacy: LegacyFixture;
  let shadow: RunningEdge;
  let plain: RunningEdge;
  const get = (edge: RunningEdge, path = '/v2/rezept?page=1&pageSize=50'): Promise<Reply> =>
    request(edge.port, path, { headers: { authorization: legacy.auth } });
  const direct = (path = '/v2/rezept?page=1&pageSize=50') =>
    request(Number(new URL(legacy.url).port), path, { headers: { authorization: legacy.auth } });
  const report = async () =>
    JSON.parse((await shadow.admin('/_edge/shadow')).body) as {
      routes: Array<{
        route: string;
        candidate: { compared: number; matched: number; mismatched: number; matchRate: number | null };
        calibration: { compared: number; matched: number; matchRate: number | null };
        recentMismatches: Array<{
          tenant: number | null;
          differences: Array<{ path: string; legacy: string; candidate: string }>;
        }>;
      }>;
    };
  const routeReport = async (id: string) => (await report()).routes.find((r) => r.route === id);

  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'shadowcmp' });
    await insertPrescriptions(
      legacy.tenantDb,
      Array.from({ length: 12 }, (_, i) => ({
        type: 'E-Rezept' as const,
        id: i + 1,
        erezeptId: `160.000.000.${i + 1}`,
        daten: [{ rezeptUuid: `uuid-${i + 1}` }],
        status: [{ rezeptStatus: i % 2 === 0 ? 'VOR_PRUEFUNG' : 'NEU', statusAbfrageDatum: '2026-11-01' }],
      })),
    );
    const authenticator = fakeAuthenticator();
    authenticator.authenticate = async () => ({
      ok: true,
      principal: {
        userId: 1,
        loginName: 'apoti_user_rzstein',
        mandantId: 1,
        clientCode: 'TEST001',
        tenant: { datenbankId: 77, connectionString: legacy.tenant.npgsql },
      },
    });
    shadow = await startEdge(
      { LEGACY_URL: legacy.url, ROUTES_FILE: routesDir(ROUTES).file },
      { auth: { authenticator }, execute: { executors: { sql: emulatorCandidate(legacy) } } },
    );
    plain = await startEdge({ LEGACY_URL: legacy.url, ROUTES_FILE: routesDir(LEGACY_ROUTES).file });
  });

  afterAll(async () => {
    await shadow?.stop();
    await plain?.stop();
    await legacy?.close();
  });

  it('calibration (legacy vs legacy) matches 100 % for GET and for PATCH statusuuid with its body', async () => {
    for (let i = 0; i < 20; i += 1) {
      const reply = await get(shadow, '/v2/rezept/status?pharmacyId=1&page=1&pageSize=50');
      expect(reply.status).toBe(200);
      expect(reply.headers['x-edge']).toBe('shadow');
    }
    for (let i = 0; i < 5; i += 1) {
      const reply = await request(shadow.port, '/v2/rezept/statusuuid', {
        method: 'PATCH',
        headers: { authorization: legacy.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ RezeptUuids: ['uuid-1', 'uuid-2', 'missing'] }),
      });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ successCount: 2, errorCount: 1 });
    }
    await shadow.app.shadow?.idle();
    const list = await routeReport('v2-rezept-status-list');
    expect(list?.calibration).toMatchObject({ compared: 20, matched: 20, matchRate: 1 });
    const uuid = await routeReport('v2-rezept-statusuuid');
    expect(uuid?.calibration).toMatchObject({ compared: 5, matched: 5, matchRate: 1 });
    expect(
      await shadow.metric('edge_shadow_calibration_total', {
        route: 'v2-rezept-statusuuid',
        outcome: 'match',
      }),
    ).toBe(5);
  });

  it('a candidate reading the same data matches 100 %', async () => {
    for (let i = 0; i < 30; i += 1) expect((await get(shadow)).status).toBe(200);
    await shadow.app.shadow?.idle();
    expect((await routeReport('v2-rezept-list'))?.candidate).toMatchObject({
      compared: 30,
      matched: 30,
      matchRate: 1,
    });
    expect(
      await shadow.metric('edge_shadow_comparisons_total', { route: 'v2-rezept-list', outcome: 'match' }),
    ).toBe(30);
  });

  it('a candidate reading one field differently: mismatches counted, the diff names the field, the client gets the legacy answer', async () => {
    FAULT.on = true;
    try {
      const legacyBody = JSON.parse((await direct()).body) as { prescriptions: Array<{ erezeptId: string }> };
      expect(legacyBody.prescriptions.map((p) => p.erezeptId)).toContain('160.000.000.3');
      for (let i = 0; i < 10; i += 1) {
        const reply = await get(shadow);
        expect(reply.status).toBe(200);
        expect(reply.body).toContain('"erezeptId":"160.000.000.3"');
        expect(reply.body).not.toContain('STALE');
      }
      await shadow.app.shadow?.idle();
    } finally {
      FAULT.on = false;
    }
    const route = await routeReport('v2-rezept-list');
    expect(route?.candidate).toMatchObject({ compared: 40, matched: 30, mismatched: 10, matchRate: 0.75 });
    expect(
      await shadow.metric('edge_shadow_comparisons_total', { route: 'v2-rezept-list', outcome: 'mismatch' }),
    ).toBe(10);
    const sample = route?.recentMismatches[0];
    expect(sample?.tenant).toBe(77);
    expect(sample?.differences).toEqual([
      {
        path: expect.stringMatching(/^\$\.prescriptions\[\d+\]\.erezeptId$/),
        legacy: '"160.000.000.3"',
        candidate: '"160.000.000.3-STALE"',
      },
    ]);
    const logged = shadow.logs.lines().filter((l) => l.msg === 'shadow mismatch');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]).toMatchObject({
      level: 'warn',
      route: 'v2-rezept-list',
      tenant: 77,
      differenceCount: 1,
    });
    const line = JSON.stringify(logged[0]);
    expect(line.length).toBeLessThan(1000);
    expect(line).not.toContain('x id='); // the XML payloads of the rows never appear
  });

  // A timing assertion on a shared runner (the whole suite runs in parallel forks): retried, never relaxed.
  it(
    "keeps the client's p50 latency within 10 % of legacy mode (300 requests each, alternating)",
    { retry: 2 },
    async () => {
      const agentA = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const agentB = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const time = async (edge: RunningEdge, agent: http.Agent) => {
        const started = performance.now();
        const reply = await request(edge.port, '/v2/rezept?page=1&pageSize=50', {
          headers: { authorization: legacy.auth },
          agent,
        });
        const elapsed = performance.now() - started;
        expect(reply.status).toBe(200);
        // Client, edges and emulator share one process (and its one core) here; in production the candidate
        // runs beside requests of other clients, not inside this client's next measurement. Let the
        // comparison finish before the next timed request so the numbers compare the critical paths.
        await shadow.app.shadow?.idle();
        return elapsed;
      };
      for (let i = 0; i < 20; i += 1) {
        await time(plain, agentA);
        await time(shadow, agentB);
      }
      const before = (await routeReport('v2-rezept-list'))?.candidate;
      const legacyMs: number[] = [];
      const shadowMs: number[] = [];
      for (let i = 0; i < 300; i += 1) {
        // Alternate which goes first, so drifts of the machine hit both modes alike.
        if (i % 2 === 0) {
          legacyMs.push(await time(plain, agentA));
          shadowMs.push(await time(shadow, agentB));
        } else {
          shadowMs.push(await time(shadow, agentB));
          legacyMs.push(await time(plain, agentA));
        }
      }
      await shadow.app.shadow?.idle();
      agentA.destroy();
      agentB.destroy();
      const p50Legacy = percentile(legacyMs, 50);
      const p50Shadow = percentile(shadowMs, 50);
      console.log(
        `shadow latency: p50 legacy ${p50Legacy.toFixed(2)} ms, shadow ${p50Shadow.toFixed(2)} ms; ` +
          `p90 legacy ${percentile(legacyMs, 90).toFixed(2)} ms, shadow ${percentile(shadowMs, 90).toFixed(2)} ms`,
      );
      expect(p50Shadow).toBeLessThanOrEqual(p50Legacy * 1.1);
      // Every one of those shadow requests was compared (sample 1.0) and matched.
      const after = (await routeReport('v2-rezept-list'))?.candidate;
      expect((after?.compared ?? 0) - (before?.compared ?? 0)).toBe(300);
      expect(after?.mismatched).toBe(before?.mismatched);
    },
  );
});
