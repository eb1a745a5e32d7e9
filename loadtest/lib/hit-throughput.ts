// Issue #6's throughput comparison: the proxy's cache hit against a bare node:http server replaying the
// same bytes, each first warmed, then a closed-loop autocannon run with exact latencies, the X-Edge
// values seen and the server's CPU per answer. Starts the bare server (appended to `services`).
import { runLoad, type LoadRequest } from './autocannon-load.js';
import { pacedLoad } from './paced-load.js';
import type { Service } from './child-service.js';
import { startBareProcess } from './edge-services.js';
import { summarizeSorted } from './percentile.js';
import { treeCpuMs } from './proc-stats.js';
import type { ThroughputFigures } from './v2-read-report.js';

export interface HitThroughputOptions {
  readonly root: string;
  readonly tmpDir: string;
  readonly cache: Service;
  readonly request: LoadRequest;
  /** The cache hit's answer, replayed by the bare server. */
  readonly hit: { readonly contentType: string; readonly body: Buffer };
  readonly connections: number;
  readonly seconds: number;
  /** Requests per second of the paced run (evenly spaced arrivals); 0 skips it. */
  readonly pacedRate: number;
  readonly warmupSeconds: number;
  /** Waits until the processes under test are idle. */
  readonly idle: (what: string) => Promise<void>;
  readonly log: (line: string) => void;
}

export async function measureHitThroughput(
  options: HitThroughputOptions,
  services: Service[],
): Promise<ThroughputFigures[]> {
  const bare = await startBareProcess(options.root, options.tmpDir, [
    {
      method: options.request.method,
      url: options.request.path,
      status: 200,
      contentType: options.hit.contentType,
      body: options.hit.body,
    },
  ]);
  services.push(bare);
  const figures: ThroughputFigures[] = [];
  for (const [config, service] of [
    ['proxy-cache', options.cache],
    ['bare', bare],
  ] as const) {
    const load = { port: service.port, request: options.request, connections: options.connections };
    if (options.warmupSeconds > 0) await runLoad({ ...load, seconds: options.warmupSeconds });
    await options.idle(`throughput ${config}`);
    options.log(`throughput ${config}: ${options.connections} connections, ${options.seconds} s …`);
    const r = await runLoad({
      ...load,
      seconds: options.seconds,
      observeHeader: 'x-edge',
      cpu: { server: () => treeCpuMs(service.pid) },
    });
    const paced =
      options.request.method === 'GET' && options.pacedRate > 0
        ? await pacedRun(options, service)
        : undefined;
    figures.push({
      ...(paced ? { paced } : {}),
      config,
      reqPerSec: r.reqPerSec,
      completed: r.completed,
      latency: summarizeSorted(r.samples),
      non2xx: r.non2xx,
      errors: r.errors,
      observed: r.observed,
      cpuUsPerRequest: ((r.cpuMs.server ?? NaN) * 1000) / r.completed,
    });
    options.log(
      `  ${r.reqPerSec.toFixed(0)} req/s, p50 ${summarizeSorted(r.samples).p50.toFixed(2)} ms, ` +
        `${JSON.stringify(r.observed)}, ${r.errors} errors, ${r.non2xx} non-2xx`,
    );
  }
  return figures;
}

/** The hit (or the bare replay) at a rate below capacity: what one answer costs when it arrives alone. */
async function pacedRun(options: HitThroughputOptions, service: Service) {
  await options.idle(`paced ${service.name}`);
  options.log(`paced ${service.name}: ${options.pacedRate} req/s over ${options.connections} connections …`);
  const r = await pacedLoad({
    port: service.port,
    request: options.request,
    connections: options.connections,
    rate: options.pacedRate,
    seconds: options.seconds,
  });
  const latency = summarizeSorted(r.durations);
  options.log(
    `  paced p50 ${latency.p50.toFixed(2)} ms, p95 ${latency.p95.toFixed(2)} ms, ${JSON.stringify(r.observed)}`,
  );
  return { rate: options.pacedRate, latency, errors: r.errors, observed: r.observed };
}
