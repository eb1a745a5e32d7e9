// Shared arrangement of the fast-path and cache end-to-end suites: the legacy emulator on throw-away
// management + tenant databases (migrations applied), the proxy (createApp) on port 0 in front of it with
// an injected route table, a raw HTTP client, timestamp masking and metric reads. Nothing is shared
// between files; every suite builds its own stack.
import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { createPgDatabase } from '../../src/adapters/postgres/pg-database.js';
import { createApp, type AppDeps, type EdgeApp } from '../../src/app.js';
import { hasLegacy, loadConfig } from '../../src/config/env-config.js';
import { parseRouteTable } from '../../src/config/routes-file.js';
import type { RouteTable } from '../../src/core/route-table.js';
import { applyMigrationsTo } from '../../src/migrate/apply-migrations.js';
import type { MigrationScope } from '../../src/migrate/migration-files.js';
import { createLogger } from '../../src/observability/logger.js';
import type { SqlDatabase } from '../../src/core/sql-port.js';
import {
  basicAuth,
  insertPrescriptions,
  startLegacyFixture,
  type LegacyFixture,
  type PrescriptionFixture,
} from '../support/emulator-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-databases.js';
import { PG_ADMIN_URL } from '../support/services.js';

export type FastMode = 'legacy' | 'sql' | 'cache';

/** Applies the project's migrations of one scope (tenant: fast-path indexes + cache triggers). */
export async function migrate(url: string, scope: MigrationScope): Promise<void> {
  const db = createPgDatabase({ connectionString: url, max: 1 });
  try {
    const report = await applyMigrationsTo(db, scope, { target: 'test' });
    if (report.errors.length > 0) throw new Error(report.errors.join('; '));
  } finally {
    await db.close();
  }
}

export interface RoutesOptions {
  readonly mode: FastMode;
  readonly environment?: string;
  readonly maxPageSize?: number;
}

/** The three V2 reads in `mode`; the write route and everything else stay with the legacy. */
export function fastRoutes(options: RoutesOptions): RouteTable {
  const legacy =
    options.environment === undefined
      ? []
      : [
          'legacy:',
          `  environment: ${options.environment}`,
          `  maxPageSize: ${options.maxPageSize ?? 500}`,
          '  maxBulkSize: 1000',
        ];
  return parseRouteTable(
    [
      ...legacy,
      'routes:',
      `  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: ${options.mode} }`,
      `  - { id: v2-rezept-status-list, method: GET, path: /v2/rezept/status, mode: ${options.mode} }`,
      `  - { id: v2-rezept-statusuuid, method: PATCH, path: /v2/rezept/statusuuid, mode: ${options.mode} }`,
      '  - { id: v2-rezept-status-update, method: PATCH, path: /v2/rezept/status, mode: legacy }',
    ].join('\n'),
    'fast-path-e2e.yaml',
  );
}

export interface Proxy {
  readonly app: EdgeApp;
  readonly port: number;
  readonly adminPort: number;
}

export interface ProxyOptions {
  readonly legacyUrl: string;
  readonly managementUrl: string;
  readonly routes: RouteTable;
  readonly env?: Record<string, string>;
  readonly deps?: AppDeps;
}

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const config = loadConfig({
    LEGACY_URL: options.legacyUrl,
    ARZSW_DATABASE_URL: options.managementUrl,
    EDGE_HOST: '127.0.0.1',
    EDGE_PORT: '0',
    EDGE_ADMIN_PORT: '0',
    EDGE_DRAIN_MS: '200',
    EDGE_ROUTES_WATCH: 'false',
    ...options.env,
  });
  if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
  const app = createApp(config, {
    logger: createLogger(process.env.EDGE_TEST_LOG === '1' ? 'debug' : 'silent'),
    routes: options.routes,
    ...options.deps,
  });
  return { app, ...(await app.start()) };
}

export interface Request {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (in two pieces) instead of Content-Length. */
  readonly chunked?: boolean;
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

export const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16 });

export function send(port: number, request: Request, agent: http.Agent | false = keepAlive): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers: Record<string, string> = { ...request.headers };
    if (body !== undefined && !request.chunked) headers['content-length'] = String(body.length);
    if (body !== undefined && request.chunked) headers['transfer-encoding'] = 'chunked';
    const req = http.request(
      { host: '127.0.0.1', port, method: request.method ?? 'GET', path: request.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: all,
            text: all.toString('utf8'),
          });
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    req.on('error', reject);
    if (body !== undefined && request.chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else req.end(body);
  });
}

const VOLATILE = /"(deliveryTimestamp|responseTimestamp|traceId)":"[^"]*"/g;

/** The body with every "now" timestamp (and ProblemDetails traceId) blanked. */
export function mask(text: string): string {
  return text.replace(VOLATILE, '"$1":"<masked>"');
}

/** Sum of a metric's samples whose labels include `labels`, read from the admin port. */
export async function metric(
  adminPort: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const { text } = await send(adminPort, { path: '/metrics' }, false);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const labelText = open === -1 ? '' : line.slice(open + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A TCP port where nothing listens (free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` until it returns true (every `everyMs`); throws after `limitMs`. Resolves with the elapsed ms. */
export async function eventually(
  limitMs: number,
  probe: () => Promise<boolean>,
  everyMs = 5,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** mulberry32: a small seeded PRNG (the seed is printed by the suites that use it). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

/** A small, fixed data set per tenant: 20 E-Rezept heads (one status row each) and 5 eMuster16 heads. */
export function tenantRows(tag: string): PrescriptionFixture[] {
  const rows: PrescriptionFixture[] = [];
  for (let id = 1; id <= 20; id += 1)
    rows.push({
      type: 'E-Rezept',
      id,
      erezeptId: `${tag}-ER-${id}`,
      daten: [{ rezeptUuid: `${tag}-E-${id}` }],
      status: [{ rezeptStatus: 'NEU', abrechenStatus: 'VOR_PRUEFUNG' }],
    });
  for (let id = 1; id <= 5; id += 1)
    rows.push({ type: 'eMuster16', id, muster16Id: 1000 + id, daten: [{ rezeptUuid: `${tag}-M-${id}` }] });
  return rows;
}

export interface TwoTenants {
  readonly legacy: LegacyFixture;
  /** Tenant B's database (tenant A is legacy.tenant). */
  readonly second: TestDatabase;
  readonly secondDb: SqlDatabase;
  /** Authorization of the user on tenant A (legacy.auth) and on tenant B. */
  readonly authA: string;
  readonly authB: string;
  close(): Promise<void>;
}

/** The emulator with two tenants (A: the fixture's tenant, B: a second DB), rows from tenantRows, migrated. */
export async function startTwoTenants(prefix: string): Promise<TwoTenants> {
  const second = await createTestDatabase(`${prefix}_b`, ['apoti']);
  const legacy = await startLegacyFixture({
    prefix,
    users: [{ loginName: 'tenant_b_user', password: 'pw-tenant-b', connectionString: second.npgsql }],
  });
  const secondDb = createPgDatabase({ connectionString: second.url, max: 4 });
  await insertPrescriptions(legacy.tenantDb, tenantRows('A'));
  await insertPrescriptions(secondDb, tenantRows('B'));
  await Promise.all([
    migrate(legacy.tenant.url, 'tenant'),
    migrate(second.url, 'tenant'),
    migrate(legacy.management.url, 'management'),
  ]);
  return {
    legacy,
    second,
    secondDb,
    authA: legacy.auth,
    authB: basicAuth('tenant_b_user', 'pw-tenant-b'),
    async close() {
      await secondDb.close();
      await legacy.close();
      await second.drop();
    },
  };
}

/**
 * Reads `path` until the proxy serves it through the cache (the tenant's invalidation feed is up: before,
 * it bypasses with X-Edge `sql`). Resolves with the first cached reply.
 */
export async function untilCached(port: number, path: string, authorization: string): Promise<Reply> {
  let reply: Reply | undefined;
  await eventually(10_000, async () => {
    reply = await send(port, { path, headers: { authorization } });
    return reply.headers['x-edge'] !== 'sql';
  });
  return reply as Reply;
}

/** Every rezeptUuid in a V2 body. */
export function uuidsIn(text: string): string[] {
  return [...text.matchAll(/"rezeptUuid":"([^"]*)"/g)].map((m) => m[1] as string);
}

/**
 * Terminates the proxy's LISTEN backend(s) on `database` (pg_terminate_backend), through one admin
 * connection for all kills: opening one per kill takes longer than the listener's reconnect.
 * `kill` resolves with the number of backends terminated.
 */
export async function listenerKiller(
  database: string,
): Promise<{ kill(): Promise<number>; killEvery(ms: number): () => Promise<void>; close(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const kill = async () => {
    const { rows } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = $1 AND application_name = 'arzti-edge-listen'`,
      [database],
    );
    return rows.length;
  };
  return {
    kill,
    /** A sustained outage: kills every `ms` (so every reconnect dies at once) until `stop()` resolves. */
    killEvery(ms) {
      let killing = true;
      const loop = (async () => {
        while (killing) {
          await kill();
          await new Promise((r) => setTimeout(r, ms));
        }
      })();
      return async () => {
        killing = false;
        await loop;
      };
    },
    close: () => admin.end(),
  };
}
