// The latency/speed-up tables of issues #5 and #6, end to end over HTTP on loopback, per data size: the
// emulator (the legacy) against arzti-edge in `sql` mode (single client, sequential), and the cache hit
// against sql, the emulator and a bare node:http server replaying the same bytes (single client and at
// 50 connections). Prints a Markdown section (and writes it to --out), raw JSON to loadtest/results/.
// Reads the benchmark databases only (prepares them when missing); never writes BENCHMARKS.md.
//
//   npx tsx loadtest/v2-read-bench.ts --sizes 10k,100k,1m [--samples 15] [--slow-samples 5]
//     [--slow-ms 1000] [--cap-seconds 120] [--timeout-seconds 300] [--seconds 10] [--warmup-seconds 3]
//     [--connections 50] [--settle-max-seconds 30] [--log-level info] [--out file.md]
//     [--admin-url postgres://…/postgres] [--redis-url redis://…]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { postgresVersion, redisInfo, settle } from './lib/backend-probes.js';
import { basicAuth } from './lib/bench-catalogue.js';
import { newPrescriptionUuids, prepareBenchData, sizeLabel } from './lib/bench-data.js';
import { jsonNumbers } from './lib/bench-results.js';
import { killAllStartedSync, type Service } from './lib/child-service.js';
import { startEmulatorProcess, startProxyProcess } from './lib/edge-services.js';
import { freePort } from './lib/free-port.js';
import { measureHitThroughput } from './lib/hit-throughput.js';
import { loadAverage, machineInfo } from './lib/machine-info.js';
import { treeCpuMs } from './lib/proc-stats.js';
import { sampleSequential } from './lib/sequential-sampler.js';
import {
  busiestType,
  EXPECTED_EDGE,
  HIT_CASE_ID,
  itemsIn,
  newCountsByType,
  readCases,
  sameModuloTimestamps,
  STATUSUUID_COUNT,
  TARGETS,
  type ReadCase,
  type ReadConfig,
} from './lib/v2-read-cases.js';
import { renderReport, type CaseResult, type SizeResult } from './lib/v2-read-report.js';
import { methodText, parseV2ReadArgs } from './lib/v2-read-settings.js';

const ROOT = resolve(import.meta.dirname, '..');
const S = parseV2ReadArgs(process.argv.slice(2));
const T0 = performance.now();
const log = (line: string) =>
  console.error(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(6)} s] ${line}`);

async function startServices(managementUrl: string, tmpDir: string, services: Service[]) {
  const emulatorPort = await freePort();
  const proxy = (mode: 'sql' | 'cache') =>
    startProxyProcess({
      root: ROOT,
      tmpDir,
      mode,
      legacyUrl: `http://127.0.0.1:${emulatorPort}`,
      managementUrl,
      redisUrl: S.redisUrl,
      logLevel: S.logLevel,
    });
  // All at once (tsx start-up dominates); whatever started is stopped by the caller, also on failure.
  const started = await Promise.allSettled([
    startEmulatorProcess(ROOT, managementUrl, emulatorPort),
    proxy('sql'),
    proxy('cache'),
  ]);
  for (const s of started) if (s.status === 'fulfilled') services.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [emulator, sql, cache] = started.map((s) => (s as PromiseFulfilledResult<Service>).value);
  return { emulator, 'proxy-sql': sql, 'proxy-cache': cache } as Record<ReadConfig, Service>;
}

/** One case of issue #5 (list-100 also with the cache hit), sampled single-client; logs every figure. */
async function measureCase(c: ReadCase, running: Record<ReadConfig, Service>) {
  log(`${c.id}: ${c.title} (${c.configs.join(', ')}) …`);
  const sampled = await sampleSequential(
    c.request,
    c.configs.map((config) => ({
      config,
      port: running[config].port,
      expectedEdge: EXPECTED_EDGE[config],
      warmUntilExpected: config === 'proxy-cache',
    })),
    S,
  );
  for (const s of sampled) {
    log(
      `  ${s.config.padEnd(11)} warm-up ${s.warmup.ms.toFixed(1)} ms (try ${s.warmupTries}: ${s.warmup.status} ${s.warmup.edge}, ` +
        `${s.warmup.bytes} B); ${s.latency.n}/${s.wanted} samples${s.capped ? ' (capped)' : ''}: ` +
        `p50 ${s.latency.p50.toFixed(2)} p95 ${s.latency.p95.toFixed(2)} ms; ${JSON.stringify(s.observed)}` +
        `${s.failures.length ? `; failures: ${s.failures.join('; ')}` : ''}`,
    );
  }
  const reference = sampled.find((s) => s.config === 'emulator')?.warmup.body;
  const result: CaseResult = {
    id: c.id,
    title: c.title,
    items: itemsIn(reference ?? sampled.find((s) => s.config === 'proxy-sql')?.warmup.body),
    ...(c.sqlP95TargetMs !== undefined ? { sqlP95TargetMs: c.sqlP95TargetMs } : {}),
    figures: sampled.map(({ warmup, warmupTries, ...rest }) => ({
      ...rest,
      warmupMs: warmup.ms,
      warmupTries,
      bytes: warmup.bytes,
      ...(rest.config === 'emulator' ? {} : { sameAsEmulator: sameModuloTimestamps(reference, warmup.body) }),
    })),
  };
  const cacheWarmup = sampled.find((s) => s.config === 'proxy-cache')?.warmup;
  const hit =
    cacheWarmup?.edge === 'cache-hit' && cacheWarmup.body
      ? { contentType: cacheWarmup.contentType, body: cacheWarmup.body }
      : undefined;
  return { result, hit };
}

async function measureSize(prescriptions: number, admin: pg.Client): Promise<SizeResult> {
  // The spec of `npm run bench` and of the prepared sets: the same databases are reused, never rebuilt.
  const spec = {
    label: sizeLabel(prescriptions),
    prescriptions,
    tenant2Prescriptions: Math.min(prescriptions, 100_000),
    seed: 42,
    newShare: 0.05,
  };
  log(`== ${spec.label}: preparing the data …`);
  const data = await prepareBenchData(spec, { adminUrl: S.adminUrl, log });
  const tenant = data.tenants[0];
  const [uuids, newByType] = await Promise.all([
    newPrescriptionUuids(tenant.url, STATUSUUID_COUNT),
    newCountsByType(tenant.url),
  ]);
  const type = busiestType(newByType);
  log(`new prescriptions ${JSON.stringify(newByType)}; single-type cases use type=${type}`);
  const cases = readCases(type, basicAuth(tenant.login, tenant.password), uuids);
  const databases = [data.managementDb, ...data.tenants.map((t) => t.database)];
  const tmpDir = mkdtempSync(join(tmpdir(), 'arzti-v2-read-'));
  const services: Service[] = [];
  const notes: string[] = [];
  // Waits only: statements still running on the shared server may belong to someone else (no cancelling).
  const idle = async (what: string) => {
    const cpu = () => services.reduce((ms, s) => ms + (treeCpuMs(s.pid) || 0), 0);
    const r = await settle(admin, databases, cpu, { graceMs: Infinity, maxWaitMs: S.settleMaxMs });
    if (r.busy) notes.push(`Before ${what}: still busy after ${(r.waitedMs / 1000).toFixed(1)} s.`);
  };
  try {
    log('starting the emulator, proxy-sql and proxy-cache …');
    const running = await startServices(data.managementUrl, tmpDir, services);
    const results: CaseResult[] = [];
    let hit: { contentType: string; body: Buffer } | undefined;
    for (const c of cases) {
      await idle(c.id);
      const measured = await measureCase(c, running);
      results.push(measured.result);
      hit ??= measured.hit;
    }
    const hitCase = cases.find((c) => c.id === HIT_CASE_ID) as ReadCase;
    const throughput = hit
      ? await measureHitThroughput(
          {
            ...S,
            root: ROOT,
            tmpDir,
            cache: running['proxy-cache'],
            request: hitCase.request,
            hit,
            idle,
            log,
          },
          services,
        )
      : [];
    const h = throughput.find((t) => t.config === 'proxy-cache');
    if (!hit) notes.push('Throughput not measured: the cache mode never answered list-100 with a cache hit.');
    else if (h && h.latency.p50 > TARGETS.hitP50MsAtLoad) {
      notes.push(
        `In a closed loop of ${S.connections} connections p50 ≈ ${S.connections} / throughput ` +
          `(here ${((S.connections / h.reqPerSec) * 1000).toFixed(1)} ms): p50 ≤ ${TARGETS.hitP50MsAtLoad} ms ` +
          `needs ≥ ${((S.connections * 1000) / TARGETS.hitP50MsAtLoad).toLocaleString('en')} answers/s of ` +
          `${(hit.body.length / 2 ** 20).toFixed(2)} MiB.`,
      );
    }
    return {
      label: spec.label,
      prescriptions,
      tenant2Prescriptions: spec.tenant2Prescriptions,
      origin: data.origin,
      login: tenant.login,
      newByType,
      type,
      cases: results,
      throughput,
      notes,
    };
  } finally {
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const machine = machineInfo(ROOT);
  const [pgVersion, redis] = await Promise.all([postgresVersion(S.adminUrl), redisInfo(S.redisUrl)]);
  const admin = new pg.Client({ connectionString: S.adminUrl, application_name: 'arzti-v2-read-bench' });
  await admin.connect();
  const sizes: SizeResult[] = [];
  try {
    for (const prescriptions of S.sizes) sizes.push(await measureSize(prescriptions, admin));
  } finally {
    await admin.end().catch(() => undefined);
  }
  const jsonPath = `loadtest/results/v2-read-${S.sizes.map(sizeLabel).join('-')}.json`;
  const run = {
    command: S.command,
    machine,
    versions: { Node: process.version, PostgreSQL: pgVersion, Redis: redis.version },
    loadBefore,
    loadAfter: loadAverage(),
    method: methodText(S),
    jsonPath,
  };
  const markdown = renderReport(run, sizes, S);
  console.log(markdown);
  if (S.out) writeFileSync(resolve(S.out), markdown);
  const raw = { version: 1, ...run, settings: { ...S, targets: TARGETS }, sizes };
  writeFileSync(resolve(ROOT, jsonPath), `${JSON.stringify(raw, jsonNumbers, 1)}\n`);
  log(`wrote ${jsonPath}${S.out ? ` and ${S.out}` : ''}`);
}

// Exit paths stop every child this run started (SIGKILL as the last resort).
process.on('exit', killAllStartedSync);
process.once('SIGINT', () => process.exit(130));
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('v2-read-bench failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
