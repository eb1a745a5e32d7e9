// The measuring part of `npm run bench`: a preflight per configuration and route (what path each really
// takes, how long one request needs, which bytes the bare ceiling replays), then the load runs, route by
// route, configurations in alternating order per round, each after a settle step, with CPU and RSS.
import type pg from 'pg';
import { runLoad } from './autocannon-load.js';
import { backendCpuDelta, backendCpuMs, settle } from './backend-probes.js';
import { headerOf, measuredOn, requestFor, runPlan } from './bench-catalogue.js';
import type { Profile } from './bench-profile.js';
import type { ConfigId, RouteId, RunRecord } from './bench-results.js';
import { cpuProbes, servicesCpuMs } from './bench-services.js';
import type { Service } from './child-service.js';
import type { BareAnswer } from './edge-services.js';
import { summarizeSorted } from './percentile.js';
import { probeSeries, type ProbeAnswer } from './preflight.js';
import { cpuMs, treeRssBytes } from './proc-stats.js';

export interface Preflight {
  /** `config route` → the observed `status header` sequence. */
  readonly seen: Record<string, string>;
  /** `config route` → the fastest single request (ms). */
  readonly singleMs: Map<string, number>;
  readonly bareAnswers: BareAnswer[];
  /** Route → where the bare server's bytes come from. */
  readonly bareSource: Partial<Record<RouteId, string>>;
}

export async function runPreflight(
  profile: Profile,
  running: ReadonlyMap<ConfigId, Service>,
  authorization: string,
  uuids: readonly string[],
  log: (line: string) => void,
): Promise<Preflight> {
  log('preflight: 2 sequential requests per configuration and route …');
  const result: Preflight = { seen: {}, singleMs: new Map(), bareAnswers: [], bareSource: {} };
  for (const route of profile.routes) {
    const request = requestFor(route, authorization, uuids);
    let emulatorAnswer: ProbeAnswer | undefined;
    let cacheAnswer: ProbeAnswer | undefined;
    for (const config of profile.configs) {
      const service = running.get(config);
      if (!service || config === 'bare' || !measuredOn(config, route)) continue;
      const key = `${config} ${route}`;
      try {
        // Two probes; the proxy cache until it shows a hit (its first answers are bypass/miss).
        const { last, fastestMs, seen } = await probeSeries(service.port, request, headerOf(config), {
          min: 2,
          max: config === 'proxy-cache' ? 5 : 2,
          done: (answer) => config !== 'proxy-cache' || answer.header === 'cache-hit',
        });
        result.seen[key] = seen.join(' → ');
        result.singleMs.set(key, fastestMs);
        log(`  ${config.padEnd(13)} ${route.padEnd(15)} ${seen.join(' → ')}`);
        if (config === 'emulator') emulatorAnswer = last;
        if (config === 'proxy-cache' && last.header === 'cache-hit') cacheAnswer = last;
      } catch (err) {
        result.seen[key] = `failed: ${(err as Error).message}`;
        log(`  ${config} ${route}: preflight failed: ${(err as Error).message}`);
      }
    }
    const source = cacheAnswer ?? emulatorAnswer;
    if (source) {
      result.bareSource[route] = cacheAnswer ? 'the proxy cache hit' : 'the emulator';
      result.bareAnswers.push({
        method: request.method,
        url: request.path,
        status: source.status,
        contentType: source.contentType,
        body: source.body,
      });
    }
  }
  return result;
}

export interface SideBySideOptions {
  readonly profile: Profile;
  readonly running: ReadonlyMap<ConfigId, Service>;
  readonly singleMs: ReadonlyMap<string, number>;
  readonly authorization: string;
  readonly uuids: readonly string[];
  /** A maintenance connection (settle checks, backend CPU snapshots). */
  readonly admin: pg.Client;
  /** The benchmark's databases: their backends' CPU counts, their statements are settled. */
  readonly databases: readonly string[];
  readonly redisPid: number | undefined;
  readonly cores: number;
  readonly log: (line: string) => void;
}

export const SETTLE_GRACE_MS = 2000;

export async function runSideBySide(
  options: SideBySideOptions,
): Promise<{ runs: RunRecord[]; settleNotes: string[] }> {
  const { profile, running, admin, databases, log } = options;
  const runs: RunRecord[] = [];
  const settleNotes: string[] = [];
  const active = profile.configs.filter((c) => running.has(c));
  const settleOptions = { graceMs: SETTLE_GRACE_MS, maxWaitMs: profile.settleMaxMs };
  const planFor = (config: ConfigId, route: RouteId) =>
    runPlan(options.singleMs.get(`${config} ${route}`) ?? NaN, {
      seconds: profile.seconds,
      maxSeconds: profile.maxSeconds,
      connections: profile.connections,
      cores: options.cores,
    });
  for (const route of profile.routes) {
    const request = requestFor(route, options.authorization, options.uuids);
    const configs = active.filter((c) => measuredOn(c, route));
    if (profile.warmupSeconds > 0) {
      // Configurations that need a second or more per request were warmed by the preflight already.
      for (const config of configs.filter((c) => (options.singleMs.get(`${c} ${route}`) ?? 0) < 1000)) {
        log(`warm-up ${route} ${config} ${profile.warmupSeconds} s`);
        await runLoad({
          port: running.get(config)!.port,
          request,
          seconds: profile.warmupSeconds,
          connections: profile.connections,
          timeoutSeconds: planFor(config, route).timeoutSeconds,
        });
      }
    }
    for (let round = 0; round < profile.rounds; round += 1) {
      const order = round % 2 === 0 ? configs : [...configs].reverse();
      for (const config of order) {
        const settled = await settle(admin, databases, () => servicesCpuMs(running), settleOptions);
        if (settled.busy) {
          settleNotes.push(
            `before ${config} ${route} round ${round + 1}: still busy after ${(settled.waitedMs / 1000).toFixed(1)} s ` +
              `(work abandoned by the previous run)${settled.cancelled > 0 ? `; ${settled.cancelled} statement(s) cancelled` : ''}`,
          );
        }
        const service = running.get(config)!;
        const plan = planFor(config, route);
        log(`run ${route} ${config} round ${round + 1}/${profile.rounds} (${plan.seconds} s) …`);
        const dbBefore = await backendCpuMs(admin, databases);
        const redisBefore = cpuMs(options.redisPid);
        const result = await runLoad({
          port: service.port,
          request,
          seconds: plan.seconds,
          connections: profile.connections,
          timeoutSeconds: plan.timeoutSeconds,
          observeHeader: headerOf(config),
          cpu: cpuProbes(config, running),
        });
        const dbMs =
          backendCpuDelta(dbBefore, await backendCpuMs(admin, databases)) +
          (cpuMs(options.redisPid) - redisBefore || 0);
        const latency = summarizeSorted(result.samples);
        runs.push({
          route,
          config,
          round: round + 1,
          completed: result.completed,
          reqPerSec: result.reqPerSec,
          elapsedMs: result.elapsedMs,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          bytes: result.bytes,
          statusCounts: result.statusCounts,
          observed: result.observed,
          cpuMs: { front: result.cpuMs.front ?? NaN, legacy: result.cpuMs.legacy ?? NaN, db: dbMs },
          frontRssBytes: treeRssBytes(service.pid),
          settle: { waitedMs: settled.waitedMs, cancelled: settled.cancelled },
          latency,
          samples: result.samples,
        });
        log(
          `  ${result.reqPerSec.toFixed(1)} req/s, p50 ${latency.p50.toFixed(2)} ms, ${result.non2xx} non-2xx, ` +
            `${result.errors} errors, observed ${JSON.stringify(result.observed)}`,
        );
      }
    }
  }
  return { runs, settleNotes };
}
