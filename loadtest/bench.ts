// `npm run bench`: arzti-edge side by side with its peers on this machine, all on loopback — the emulator
// (the legacy) directly, the proxy in legacy/sql/cache mode, nginx proxy_cache and Varnish in front of the
// emulator, and a bare node:http server replaying a cache hit's bytes (the ceiling). Same requests, same
// client settings, runs alternating per route (A B C … C B A) to cancel drift; then freshness under load.
// Writes the Markdown into BENCHMARKS.md (sections "Side by side" and "Freshness under load"), raw JSON
// and an SVG chart into loadtest/results/. Each configuration is checked for the path it really took
// (X-Edge / X-Cache-Status): a proxy mode that still forwards to the legacy is reported as "not active".
//
//   npm run bench [-- --quick | --smoke] [--size 100k|1m|<n>] [--seconds N] [--max-seconds N] [--rounds N]
//                 [--connections N] [--no-peers] [--no-install] [--no-freshness] [--fresh-seconds N]
//                 [--fresh-bound-ms 100] [--log-level info] [--admin-url postgres://…/postgres]
//                 [--redis-url redis://…] [--seed 42]
//
// --smoke (CI): tiny data, no nginx/varnish, ~1 s runs; fails (exit 1) unless every configuration answered
// and the freshness check classified reads; prints the tables, writes neither BENCHMARKS.md nor results.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { postgresVersion, redisInfo, settle } from './lib/backend-probes.js';
import {
  basicAuth,
  configInfo,
  expectedTokens,
  headerOf,
  measuredOn,
  ROUTES,
} from './lib/bench-catalogue.js';
import {
  markBenchDataClean,
  newPrescriptionUuids,
  prepareBenchData,
  sizeLabel,
  type BenchData,
  type BenchDataSpec,
} from './lib/bench-data.js';
import { parseBenchArgs, type Profile } from './lib/bench-profile.js';
import { freshnessSection, sideBySideSection, type ReportContext } from './lib/bench-report.js';
import { jsonNumbers, summarize, withRatios, type Summary } from './lib/bench-results.js';
import { servicesCpuMs, startServices, type StartedServices } from './lib/bench-services.js';
import {
  buildNotes,
  clientDescription,
  dataDescription,
  FRESHNESS_INTRO,
  freshnessDescription,
  SIDE_BY_SIDE_INTRO,
  smokeProblems,
} from './lib/bench-texts.js';
import { killAllStartedSync } from './lib/child-service.js';
import { LEGACY_ENVIRONMENT, startBareProcess } from './lib/edge-services.js';
import { runFreshness } from './lib/freshness-run.js';
import { skippedFreshness, summarizeFreshness, type FreshnessSummary } from './lib/freshness-summary.js';
import { chartPanels, renderLatencyChart } from './lib/latency-chart-svg.js';
import { loadAverage, machineInfo } from './lib/machine-info.js';
import { upsertSubsection } from './lib/markdown-sections.js';
import { runPreflight, runSideBySide, SETTLE_GRACE_MS } from './lib/side-by-side-run.js';

const ROOT = resolve(import.meta.dirname, '..');
const T0 = performance.now();
const log = (line: string) =>
  console.error(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${line}`);

async function freshnessPhase(
  profile: Profile,
  started: StartedServices,
  data: BenchData,
  admin: pg.Client,
  adminUrl: string,
): Promise<FreshnessSummary[]> {
  const freshness: FreshnessSummary[] = [];
  const databases = [data.managementDb, ...data.tenants.map((t) => t.database)];
  for (const config of profile.freshness.configs) {
    const service = started.running.get(config);
    if (!service) {
      const reason = started.skipped.get(config) ?? 'not running';
      freshness.push(skippedFreshness(config, profile.freshness.boundMs, reason));
      continue;
    }
    log(`freshness ${config} (${profile.freshness.seconds} s) …`);
    await settle(admin, databases, () => servicesCpuMs(started.running), {
      graceMs: SETTLE_GRACE_MS,
      maxWaitMs: profile.settleMaxMs,
    });
    // Marked as changed while the writer runs: a run that dies here makes the next one rebuild the data.
    await markBenchDataClean(adminUrl, data.spec, false);
    const result = await runFreshness({
      port: service.port,
      observeHeader: headerOf(config),
      tenants: data.tenants.map((t, i) => ({
        index: i + 1,
        dbUrl: t.url,
        authorization: basicAuth(t.login, t.password),
      })),
      seconds: profile.freshness.seconds,
      readersPerTenant: profile.freshness.readersPerTenant,
      readRate: profile.freshness.readRate,
      writeIntervalMs: profile.freshness.writeIntervalMs,
      boundMs: profile.freshness.boundMs,
      pageSize: profile.freshness.pageSize,
      log,
    });
    if (result.restored) await markBenchDataClean(adminUrl, data.spec, true);
    const summary = summarizeFreshness(config, profile.freshness.boundMs, result);
    freshness.push(summary);
    log(
      `  ${summary.reads} reads: ${summary.fresh} fresh, ${summary.stale} stale, ${summary.foreign} foreign, ` +
        `${summary.unmatched} unmatched, ${summary.errors} errors ${JSON.stringify(summary.readFailures)}; ` +
        `observed ${JSON.stringify(summary.observed)}`,
    );
  }
  return freshness;
}

async function main(): Promise<number> {
  const { profile, settings } = parseBenchArgs(process.argv.slice(2));
  const loadBefore = loadAverage();
  const machine = machineInfo(ROOT);
  const [pgVersion, redis] = await Promise.all([
    postgresVersion(settings.adminUrl),
    redisInfo(settings.redisUrl),
  ]);
  const versions: Record<string, string> = {
    Node: process.version,
    PostgreSQL: pgVersion,
    Redis: redis.version,
  };
  const spec: BenchDataSpec = {
    label: sizeLabel(profile.prescriptions),
    prescriptions: profile.prescriptions,
    tenant2Prescriptions: Math.min(profile.prescriptions, 100_000),
    seed: settings.seed,
    newShare: 0.05,
  };
  log(
    `profile ${profile.name}: ${spec.prescriptions} prescriptions, ${profile.seconds} s runs, ${profile.rounds} round(s)`,
  );
  const data = await prepareBenchData(spec, { adminUrl: settings.adminUrl, log });
  const tenant1 = data.tenants[0];
  const auth1 = basicAuth(tenant1.login, tenant1.password);
  const uuids = await newPrescriptionUuids(tenant1.url, 100);
  const databases = [data.managementDb, ...data.tenants.map((t) => t.database)];

  const tmpDir = mkdtempSync(join(tmpdir(), 'arzti-bench-'));
  const admin = new pg.Client({ connectionString: settings.adminUrl, application_name: 'arzti-bench' });
  await admin.connect();
  let started: StartedServices | undefined;
  const stopAll = async () => {
    const current = started;
    started = undefined;
    if (!current) return;
    await Promise.all(current.services.map((s) => s.stop().catch(() => undefined)));
    for (const dir of current.peerDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    log('interrupted: stopping the services this run started …');
    void stopAll().finally(() => process.exit(130));
  });

  try {
    started = await startServices(profile, data, {
      root: ROOT,
      tmpDir,
      redisUrl: settings.redisUrl,
      logLevel: settings.logLevel,
      installPeers: settings.installPeers,
      log,
    });
    const { running, skipped } = started;
    Object.assign(versions, started.versions);

    const preflight = await runPreflight(profile, running, auth1, uuids, log);
    if (profile.configs.includes('bare')) {
      try {
        const bare = await startBareProcess(ROOT, tmpDir, preflight.bareAnswers);
        started.services.push(bare);
        running.set('bare', bare);
      } catch (err) {
        skipped.set('bare', `did not start: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    const { runs, settleNotes } = await runSideBySide({
      profile,
      running,
      singleMs: preflight.singleMs,
      authorization: auth1,
      uuids,
      admin,
      databases,
      redisPid: redis.pid,
      cores: machine.nproc,
      log,
    });
    const freshness = await freshnessPhase(profile, started, data, admin, settings.adminUrl);
    const loadAfter = loadAverage();

    // ---------------------------------------------------------------- report
    const active = profile.configs.filter((c) => running.has(c));
    const summaries: Summary[] = withRatios(
      profile.routes.flatMap((route) =>
        active
          .filter((config) => measuredOn(config, route))
          .map((config) =>
            summarize(
              route,
              config,
              runs.filter((r) => r.route === route && r.config === config),
              expectedTokens(config, route),
            ),
          ),
      ),
    );
    const configInfos = profile.configs.map((c) => configInfo(c, skipped.get(c)));
    const base = profile.name === 'full' ? `bench-${spec.label}` : `bench-${profile.name}`;
    const jsonPath = `loadtest/results/${base}.json`;
    const chartPath = `loadtest/results/${base}.svg`;
    const ctx: ReportContext = {
      command: settings.command,
      machine,
      versions,
      loadBefore,
      loadAfter,
      data: dataDescription({
        ...spec,
        origin: data.origin,
        legacyEnvironment: LEGACY_ENVIRONMENT,
        login: tenant1.login,
      }),
      client: clientDescription(profile, active, SETTLE_GRACE_MS, settings.logLevel),
      runSeconds: profile.seconds,
      configs: configInfos,
      routes: profile.routes.map((r) => ROUTES[r]),
      summaries,
      freshness,
      freshnessSettings: freshnessDescription(profile),
      notes: buildNotes(summaries, freshness, preflight.bareSource, settleNotes),
      ...(profile.name === 'smoke' ? {} : { chartPath, jsonPath }),
    };
    const sideBySide = sideBySideSection(ctx);
    const fresh = freshnessSection(ctx);
    console.log(
      `## Side by side — ${profile.name}\n\n${sideBySide}\n## Freshness under load — ${profile.name}\n\n${fresh}`,
    );

    if (profile.name === 'smoke') {
      const inactive = summaries.filter((s) => s.activity !== 'active');
      if (inactive.length > 0) {
        log(
          `smoke: not active (reported, not a failure): ${inactive.map((s) => `${s.config} ${s.route}`).join(', ')}`,
        );
      }
      const problems = smokeProblems(profile, summaries, freshness, skipped);
      if (problems.length > 0) {
        log(`smoke FAILED:\n  ${problems.join('\n  ')}`);
        return 1;
      }
      log('smoke ok: every configuration answered; tables rendered (BENCHMARKS.md not written)');
      return 0;
    }

    const results = {
      version: 1,
      profile: profile.name,
      command: settings.command,
      machine,
      versions,
      loadBefore,
      loadAfter,
      settings: {
        connections: profile.connections,
        pipelining: 1,
        seconds: profile.seconds,
        maxSeconds: profile.maxSeconds,
        warmupSeconds: profile.warmupSeconds,
        rounds: profile.rounds,
        order: active,
        freshness: profile.freshness,
        proxy: started.proxySettings,
        legacyEnvironment: LEGACY_ENVIRONMENT,
      },
      data: {
        ...spec,
        origin: data.origin,
        managementDb: data.managementDb,
        tenants: data.tenants.map((t) => ({
          database: t.database,
          prescriptions: t.prescriptions,
          seed: t.seed,
          login: t.login,
        })),
      },
      configs: configInfos,
      preflight: preflight.seen,
      bareSource: preflight.bareSource,
      runs: runs.map(({ samples: _samples, ...rest }) => rest),
      summaries,
      freshness,
      notes: ctx.notes,
    };
    writeFileSync(resolve(ROOT, jsonPath), `${JSON.stringify(results, jsonNumbers, 1)}\n`);
    writeFileSync(
      resolve(ROOT, chartPath),
      renderLatencyChart(
        `Latency per configuration (${profile.name}, ${spec.label} prescriptions, ${profile.connections} connections), ${machine.dateUtc.slice(0, 10)}`,
        chartPanels(summaries, ctx.routes, configInfos),
      ),
    );
    const docPath = resolve(ROOT, 'BENCHMARKS.md');
    const title = profile.name === 'quick' ? 'Quick run' : `Full run, ${spec.label} prescriptions`;
    let doc = readFileSync(docPath, 'utf8');
    doc = upsertSubsection(doc, 'Side by side', SIDE_BY_SIDE_INTRO, title, sideBySide);
    doc = upsertSubsection(doc, 'Freshness under load', FRESHNESS_INTRO, title, fresh);
    writeFileSync(docPath, doc);
    log(`wrote BENCHMARKS.md (${title}), ${jsonPath}, ${chartPath}`);
    return 0;
  } finally {
    await stopAll();
    await admin.end().catch(() => undefined);
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

process.on('exit', killAllStartedSync);
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bench failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
