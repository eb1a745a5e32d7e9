// The sql mode's large pages, with the proxy as a real process (src/main.ts in a child node, configured by
// environment and a routes file like in production): a 100 000-item page (Live: MaxPageSize 100 000) streams
// with the process's RSS growing by less than 100 MB; a streamed page (several keyset batches) is
// byte-identical to the legacy's; and a tenant DB that dies mid-stream breaks the client connection
// instead of ending a truncated body as if complete.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLegacyFixture, type LegacyFixture } from '../support/emulator-fixtures.js';
import { describeWith } from '../support/needs.js';
import { withAdmin } from '../support/pg-databases.js';
import { mask, migrate, send } from './fast-path-support.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ITEMS = 100_000;

let legacy: LegacyFixture;
let child: ChildProcess | undefined;
let port = 0;
let stderr = '';

const ROUTES = `legacy:
  environment: Live
  maxPageSize: 100000
  maxBulkSize: 1000
routes:
  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: sql }
  - { id: v2-rezept-status-list, method: GET, path: /v2/rezept/status, mode: sql }
  - { id: v2-rezept-statusuuid, method: PATCH, path: /v2/rezept/statusuuid, mode: sql }
`;

function spawnProxy(env: Record<string, string>): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as { msg?: string; port?: number };
        if (parsed.msg === 'listening' && parsed.port) resolvePromise(parsed.port);
      }
    });
    proc.once('exit', (code) => reject(new Error(`proxy exited (${code}) before listening: ${stderr}`)));
  });
}

/** Runs src/main.ts until it exits (for start-up refusals). */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolvePromise) => proc.once('exit', (code) => resolvePromise({ code, stderr: err })));
}

/** Resident set size of the child in bytes (Linux /proc). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

const PAGE = `/v2/rezept?type=E-Rezept&pageSize=${ITEMS}`;

describeWith(['postgres'], 'sql mode: large pages stream (proxy as a process)', () => {
  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'fp_large', emulator: { environment: 'Live' } });
    // 100 000 new E-Rezept heads with one small daten row each, generated in SQL; the indexes come after.
    await legacy.tenantDb.query(
      `INSERT INTO er_senderezepte_header (id_senderezepte_header, apo_int_nr, rz_liefer_id) VALUES (1, 'APO1', 'RZ-H')`,
    );
    await legacy.tenantDb.query(
      `INSERT INTO er_senderezepte_erezept (id_senderezepte_erezept, id_senderezepte_header, rz_liefer_id, erezept_id)
       SELECT g, 1, 'RZ' || g, 'ER-' || g FROM generate_series(1, ${ITEMS}) g`,
    );
    await legacy.tenantDb.query(
      `INSERT INTO er_senderezepte_erezept_daten (id_senderezepte_erezept, rezept_uuid, transfer_arz, xml_request)
       SELECT g, 'uuid-' || g, false, '<r id="' || g || '">Grüße &amp; "x"</r>' FROM generate_series(1, ${ITEMS}) g`,
    );
    await Promise.all([migrate(legacy.tenant.url, 'tenant'), migrate(legacy.management.url, 'management')]);
    await legacy.tenantDb.query('ANALYZE');
    const dir = mkdtempSync(join(tmpdir(), 'arzti-edge-large-'));
    writeFileSync(join(dir, 'routes.yaml'), ROUTES);
    port = await spawnProxy({
      LEGACY_URL: legacy.url,
      ARZSW_DATABASE_URL: legacy.management.url,
      ROUTES_FILE: join(dir, 'routes.yaml'),
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
      EDGE_ROUTES_WATCH: 'false',
      LOG_LEVEL: 'info',
    });
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await legacy?.close();
  });

  it(`a ${ITEMS}-item page streams with RSS growth below 100 MB`, async () => {
    const pid = child?.pid as number;
    const headers = { authorization: legacy.auth };
    // Warm-up (auth, pools, JIT): a small and a mid-sized page.
    expect((await send(port, { path: '/v2/rezept?pageSize=10', headers }, false)).headers['x-edge']).toBe(
      'sql',
    );
    expect(
      (await send(port, { path: `${PAGE.replace(String(ITEMS), '3000')}`, headers }, false)).status,
    ).toBe(200);
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 10);
    let reply;
    try {
      reply = await send(port, { path: PAGE, headers }, false);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssOf(pid));
    const growthMb = (peak - baseline) / 1024 / 1024;
    console.log(
      `[fast-path-large-page] ${ITEMS} items, ${(reply.body.length / 1024 / 1024).toFixed(1)} MB body; proxy RSS ` +
        `baseline ${(baseline / 1048576).toFixed(1)} MB, peak ${(peak / 1048576).toFixed(1)} MB, growth ${growthMb.toFixed(1)} MB`,
    );
    expect(reply.status).toBe(200);
    expect(reply.headers['x-edge']).toBe('sql');
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    const parsed = JSON.parse(reply.text) as {
      prescriptions: unknown[];
      totalCount: number;
      environment: string;
    };
    expect(parsed.prescriptions).toHaveLength(ITEMS);
    expect(parsed.totalCount).toBe(ITEMS);
    expect(parsed.environment).toBe('Live');
    expect(growthMb).toBeLessThan(100);
    // Newest first, no gaps: the keyset batches of one snapshot join up.
    const ids = (parsed.prescriptions as { id: number }[]).map((p) => p.id);
    expect(ids[0]).toBe(ITEMS);
    expect(ids.every((id, i) => id === ITEMS - i)).toBe(true);
  }, 60_000);

  it('a streamed page (beyond one batch of 1000 rows) equals the legacy page byte for byte', async () => {
    const headers = { authorization: legacy.auth };
    const path = '/v2/rezept?type=e-rezept&page=3&pageSize=2500';
    const reply = await send(port, { path, headers }, false);
    const direct = await send(legacy.emulator.port, { path, headers }, false);
    expect(reply.headers['x-edge']).toBe('sql');
    expect(reply.status).toBe(direct.status);
    expect(reply.headers['content-type']).toBe(direct.headers['content-type']);
    expect(mask(reply.text) === mask(direct.text)).toBe(true);
  }, 60_000);

  it('refuses to start: sql routes without ARZSW_DATABASE_URL; every config problem named at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arzti-edge-refuse-'));
    writeFileSync(join(dir, 'routes.yaml'), ROUTES);
    const base = {
      LEGACY_URL: legacy.url,
      ROUTES_FILE: join(dir, 'routes.yaml'),
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
    };
    const [noManagement, badConfig] = await Promise.all([
      runToExit(base),
      runToExit({
        ...base,
        ARZSW_DATABASE_URL: 'Host=db;Nonsense Keyword=1',
        REDIS_URL: 'http://not-redis',
        EDGE_CACHE_KEY: 'c2hvcnQ=',
        EDGE_CACHE_MAX_ENTRY_BYTES: '999999999999',
      }),
    ]);
    expect(noManagement.code).toBe(1);
    expect(noManagement.stderr).toMatch(/routes in sql\/cache mode need ARZSW_DATABASE_URL/);
    expect(noManagement.stderr).toContain('v2-rezept-list (sql)');
    expect(badConfig.code).toBe(1);
    for (const name of ['ARZSW_DATABASE_URL', 'REDIS_URL', 'EDGE_CACHE_KEY', 'EDGE_CACHE_MAX_ENTRY_BYTES'])
      expect(badConfig.stderr).toContain(`- ${name}:`);
    expect(badConfig.stderr).not.toContain('c2hvcnQ=');
  }, 60_000);

  it('a tenant DB connection dying mid-stream breaks the client connection (no faked complete body)', async () => {
    const outcome = await new Promise<{ complete: boolean; bytes: number }>((resolvePromise, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path: PAGE, headers: { authorization: legacy.auth } },
        (res) => {
          let bytes = 0;
          let paused = false;
          const finish = () => resolvePromise({ complete: res.complete, bytes });
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (paused) return;
            paused = true;
            res.pause();
            // The proxy's own tenant connections (application_name arzti-edge) die while the page streams.
            void withAdmin((c) =>
              c.query(
                `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE datname = $1 AND application_name = 'arzti-edge'`,
                [legacy.tenant.name],
              ),
            ).then(() => res.resume(), reject);
          });
          res.on('end', finish);
          res.on('aborted', finish);
          res.on('error', finish);
          res.on('close', finish);
        },
      );
      req.on('error', reject);
    });
    expect(outcome.bytes).toBeGreaterThan(0);
    expect(outcome.complete).toBe(false);
    // And the next request is answered again (the registry's pool replaces the dead connections).
    const again = await send(
      port,
      { path: '/v2/rezept?pageSize=5', headers: { authorization: legacy.auth } },
      false,
    );
    expect(again.status).toBe(200);
    expect(again.headers['x-edge']).toBe('sql');
  }, 60_000);
});
