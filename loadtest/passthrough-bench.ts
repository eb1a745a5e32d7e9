// Pass-through overhead of the edge: the same autocannon load (50 connections, pipelining 1) against a bare
// upstream directly and through the edge, alternating D P P D… to cancel drift, each process separate.
// Three scenarios: saturation (closed loop: p50 ≈ connections / throughput, so it shows capacity), a fixed
// rate below capacity with autocannon (which releases each tick's requests together, so they queue behind
// each other in the server) and the same rate with evenly spaced arrivals (lib/paced-load.ts: the latency
// the hop adds to a request that arrives alone). Prints Markdown.
// Run: npx tsx loadtest/passthrough-bench.ts [--seconds=10] [--rounds=2] [--rate=300] [--log-level=info]
//
// autocannon's own percentiles come from an integer-millisecond histogram (1 ms resolution); the exact
// per-response durations are also collected through setupClient and reported as "exact".
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { autocannon, type AutocannonClient } from './lib/autocannon-load.js';
import { pacedLoad } from './lib/paced-load.js';
import { freePort } from './lib/free-port.js';
import { loadAverage, machineSummary } from './lib/machine-info.js';
import { percentile } from './lib/percentile.js';
import { cpuMs } from './lib/proc-stats.js';
import { waitForHttp } from './lib/wait-for-http.js';

const ROOT = resolve(import.meta.dirname, '..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k as string, v ?? 'true'];
  }),
);

/** 2 KB of JSON, shaped like a small V2 list answer. */
function body2k(): Buffer {
  const item = {
    rezeptUuid: '0b6f6c1e-5d1a-4a53-9a7e-3f2c1d0e9b8a',
    type: 'E-Rezept',
    status: 'NEU',
    transferArz: false,
  };
  const items = [];
  let json = '';
  while (json.length < 2000) {
    items.push(item);
    json = JSON.stringify({ prescriptions: items, totalCount: items.length, page: 1 });
  }
  return Buffer.from(json.padEnd(2048, ' '));
}

interface Run {
  target: 'direct' | 'proxy';
  reqPerSec: number;
  p50: number;
  p97_5: number;
  p99: number;
  exactP50: number;
  exactP99: number;
  errors: number;
  samples: Float64Array;
  /** CPU time (user+sys) per request of the edge process and of the upstream process; NaN without /proc. */
  edgeCpuUs: number;
  upstreamCpuUs: number;
}

interface Pids {
  readonly edge: number | undefined;
  readonly upstream: number | undefined;
}

/** Evenly spaced arrivals (lib/paced-load.ts): the latency one request adds, without bursts. */
async function paced(
  port: number,
  seconds: number,
  target: Run['target'],
  pids: Pids,
  rate: number,
): Promise<Run> {
  const edgeCpu0 = cpuMs(pids.edge);
  const upstreamCpu0 = cpuMs(pids.upstream);
  const result = await pacedLoad({
    port,
    request: { method: 'GET', path: '/v2/rezept?page=1&pageSize=100' },
    connections: 50,
    rate,
    seconds,
  });
  const { durations: samples } = result;
  const completed = samples.length || 1;
  return {
    edgeCpuUs: ((cpuMs(pids.edge) - edgeCpu0) * 1000) / completed,
    upstreamCpuUs: ((cpuMs(pids.upstream) - upstreamCpu0) * 1000) / completed,
    target,
    reqPerSec: samples.length / result.seconds,
    p50: Number.NaN,
    p97_5: Number.NaN,
    p99: Number.NaN,
    exactP50: percentile(samples, 50),
    exactP99: percentile(samples, 99),
    errors: result.errors,
    samples,
  };
}

function load(port: number, seconds: number, target: Run['target'], pids: Pids, rate?: number): Promise<Run> {
  const durations: number[] = [];
  const edgeCpu0 = cpuMs(pids.edge);
  const upstreamCpu0 = cpuMs(pids.upstream);
  return new Promise((resolvePromise, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/v2/rezept?page=1&pageSize=100`,
        connections: 50,
        pipelining: 1,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
        setupClient: (client: AutocannonClient) => client.on('response', (_s, _b, ms) => durations.push(ms)),
      },
      (err, result) => {
        if (err) return reject(err);
        const samples = Float64Array.from(durations).sort();
        const completed = durations.length || 1;
        resolvePromise({
          edgeCpuUs: ((cpuMs(pids.edge) - edgeCpu0) * 1000) / completed,
          upstreamCpuUs: ((cpuMs(pids.upstream) - upstreamCpu0) * 1000) / completed,
          target,
          reqPerSec: result.requests.average,
          p50: result.latency.p50,
          p97_5: result.latency.p97_5,
          p99: result.latency.p99,
          exactP50: percentile(samples, 50),
          exactP99: percentile(samples, 99),
          errors: result.errors + result.timeouts + result.non2xx,
          samples,
        });
      },
    );
  });
}

function startUpstream(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'loadtest/passthrough-bench.ts', '--role=upstream'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolvePromise) => {
    child.stdout?.once('data', (chunk: Buffer) => {
      resolvePromise({ child, port: (JSON.parse(chunk.toString()) as { port: number }).port });
    });
  });
}

async function startEdge(upstreamPort: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const adminPort = await freePort();
  // Production settings (LOG_LEVEL=info: one JSON line per request, to /dev/null here).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LEGACY_URL: `http://127.0.0.1:${upstreamPort}`,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: String(port),
      EDGE_ADMIN_PORT: String(adminPort),
      LOG_LEVEL: args.get('log-level') ?? 'info',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHttp(adminPort, '/healthz');
  return { child, port };
}

/** autocannon's integer-ms percentile, or – where autocannon did not run (paced scenario). */
const ac = (ms: number) => (Number.isNaN(ms) ? '–' : String(ms));

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

function report(
  title: string,
  runs: Run[],
  seconds: number,
  order: Run['target'][],
  generator: string,
): string {
  const pooled = (target: Run['target']) => {
    const mine = runs.filter((r) => r.target === target);
    const all = Float64Array.from(mine.flatMap((r) => Array.from(r.samples))).sort();
    return {
      reqPerSec: mine.reduce((sum, r) => sum + r.reqPerSec, 0) / mine.length,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
    };
  };
  const direct = pooled('direct');
  const proxy = pooled('proxy');
  return [
    `### ${title}`,
    `${generator}, ${seconds} s per run, order ${order.map((t) => (t === 'direct' ? 'D' : 'P')).join(' ')}, ` +
      `2 KB JSON body, edge LOG_LEVEL=${args.get('log-level') ?? 'info'}`,
    '',
    '| run | target | req/s | p50 ms (ac) | p97.5 ms (ac) | p99 ms (ac) | p50 ms (exact) | p99 ms (exact) | errors | edge CPU µs/req | upstream CPU µs/req |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.target} | ${fmt(r.reqPerSec, 0)} | ${ac(r.p50)} | ${ac(r.p97_5)} | ${ac(r.p99)} | ` +
        `${fmt(r.exactP50, 3)} | ${fmt(r.exactP99, 3)} | ${r.errors} | ` +
        `${r.target === 'proxy' ? fmt(r.edgeCpuUs, 0) : '–'} | ${fmt(r.upstreamCpuUs, 0)} |`,
    ),
    '',
    '| summary | req/s | p50 ms (exact) | p99 ms (exact) |',
    '|---|---:|---:|---:|',
    `| direct (baseline) | ${fmt(direct.reqPerSec, 0)} | ${fmt(direct.p50, 3)} | ${fmt(direct.p99, 3)} |`,
    `| through the edge | ${fmt(proxy.reqPerSec, 0)} | ${fmt(proxy.p50, 3)} | ${fmt(proxy.p99, 3)} |`,
    `| added by the edge | ${fmt(proxy.reqPerSec - direct.reqPerSec, 0)} ` +
      `(${fmt((proxy.reqPerSec / direct.reqPerSec - 1) * 100, 1)} %) | ` +
      `+${fmt(proxy.p50 - direct.p50, 3)} | +${fmt(proxy.p99 - direct.p99, 3)} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const seconds = Number(args.get('seconds') ?? 10);
  const rounds = Number(args.get('rounds') ?? 2);
  const upstream = await startUpstream();
  const edge = await startEdge(upstream.port);
  const ports = { direct: upstream.port, proxy: edge.port };
  try {
    console.error('warm-up (3 s each, not recorded)…');
    const pids: Pids = { edge: edge.child.pid, upstream: upstream.child.pid };
    await load(ports.direct, 3, 'direct', pids);
    await load(ports.proxy, 3, 'proxy', pids);

    const order: Run['target'][] = [];
    for (let r = 0; r < rounds; r += 1) {
      order.push(...(r % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)));
    }
    const rate = Number(args.get('rate') ?? 300);
    const sections = [machineSummary(ROOT), `load average before: ${loadAverage()}`];
    for (const scenario of [
      { title: 'saturation (closed loop, 50 connections)', rate: undefined, paced: false },
      { title: `fixed rate ${rate} req/s (50 connections, below capacity)`, rate, paced: false },
      {
        title: `paced ${rate} req/s (50 keep-alive connections, evenly spaced arrivals)`,
        rate,
        paced: true,
      },
    ]) {
      const runs: Run[] = [];
      for (const target of order) {
        console.error(`${scenario.title}: ${target} ${seconds} s…`);
        runs.push(
          scenario.paced
            ? await paced(ports[target], seconds, target, pids, rate)
            : await load(ports[target], seconds, target, pids, scenario.rate),
        );
      }
      const generator = scenario.paced
        ? 'node:http client in the harness (keep-alive agent, 50 sockets, open loop)'
        : 'autocannon 8, pipelining 1';
      sections.push(report(scenario.title, runs, seconds, order, generator));
    }
    sections.push(`load average after: ${loadAverage()}`);
    console.log(sections.join('\n\n'));
  } finally {
    edge.child.kill('SIGTERM');
    upstream.child.kill('SIGTERM');
  }
}

function serveUpstream(): void {
  const body = body2k();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': body.length,
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () =>
    console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })),
  );
}

if (args.get('role') === 'upstream') serveUpstream();
else await main();
