// The command line of `loadtest/v2-read-bench.ts` → frozen settings, and the paragraph of the report that
// describes how the figures were taken (it quotes the settings, so both live here). Pure.
import { parseArgs } from 'node:util';
import { parseSize } from './bench-data.js';
import { STATUSUUID_COUNT, TARGETS } from './v2-read-cases.js';

export interface V2ReadSettings {
  /** Prescriptions of tenant 1 per measured data set, in measuring order. */
  readonly sizes: readonly number[];
  readonly samples: number;
  readonly slowSamples: number;
  readonly slowMs: number;
  readonly capMs: number;
  readonly timeoutMs: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Rate of the paced (evenly spaced, below capacity) hit-latency run; 0 = off. */
  readonly pacedRate: number;
  readonly settleMaxMs: number;
  readonly logLevel: string;
  readonly adminUrl: string;
  readonly redisUrl: string;
  readonly out?: string;
  readonly command: string;
}

export function parseV2ReadArgs(args: readonly string[]): V2ReadSettings {
  const { values: argv } = parseArgs({
    args: [...args],
    options: {
      sizes: { type: 'string', default: '10k,100k,1m' },
      samples: { type: 'string', default: '15' },
      'slow-samples': { type: 'string', default: '5' },
      'slow-ms': { type: 'string', default: '1000' },
      'cap-seconds': { type: 'string', default: '120' },
      'timeout-seconds': { type: 'string', default: '300' },
      seconds: { type: 'string', default: '10' },
      'warmup-seconds': { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      'paced-rate': { type: 'string', default: '100' },
      'settle-max-seconds': { type: 'string', default: '30' },
      'log-level': { type: 'string', default: 'info' },
      out: { type: 'string' },
      'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    },
    strict: true,
  });
  const num = (name: keyof typeof argv, min: number): number => {
    const n = Number(argv[name]);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`--${name} must be a number ≥ ${min}, got ${argv[name]}`);
    return n;
  };
  return Object.freeze({
    sizes: (argv.sizes as string).split(',').map(parseSize),
    samples: Math.round(num('samples', 1)),
    slowSamples: Math.round(num('slow-samples', 1)),
    slowMs: num('slow-ms', 0),
    capMs: num('cap-seconds', 0) * 1000,
    timeoutMs: num('timeout-seconds', 1) * 1000,
    seconds: num('seconds', 1),
    warmupSeconds: num('warmup-seconds', 0),
    connections: Math.round(num('connections', 1)),
    pacedRate: num('paced-rate', 0),
    settleMaxMs: num('settle-max-seconds', 0) * 1000,
    logLevel: argv['log-level'] as string,
    adminUrl: argv['admin-url'] as string,
    redisUrl: argv['redis-url'] as string,
    ...(argv.out !== undefined ? { out: argv.out } : {}),
    command: `npx tsx loadtest/v2-read-bench.ts ${args.join(' ')}`.trim(),
  });
}

export function methodText(s: V2ReadSettings): string {
  return (
    "Everything on loopback on this machine: the emulator (the legacy's HTTP API and query shapes, as `Test`, " +
    'MaxPageSize 1000) directly, and arzti-edge in front of it in `sql` and in `cache` mode (one process per mode, ' +
    `from source with tsx, LOG_LEVEL=${s.logLevel}, Redis L2 on). **Single client**: sequential requests over one ` +
    'keep-alive connection per configuration, interleaved across the configurations (A B, B A, …); after one warm-up ' +
    'answer each (kept to compare the bodies apart from the "now" timestamps; the cache warmed until a hit), ' +
    `${s.samples} samples per configuration, ${Math.min(s.samples, s.slowSamples)} for one whose warm-up took over ` +
    `${s.slowMs / 1000} s, ` +
    `and a configuration stops after ${s.capMs / 1000} s of sampling ("(capped)" in the n column; at least one ` +
    'sample). Latency: request written → last byte received; nearest-rank percentiles (below 20 samples p95 is the ' +
    'slowest sample). Every answer must be 200 with `X-Edge: sql` (sql mode), `cache-hit` (cache mode) or without ' +
    'X-Edge (emulator); otherwise the configuration is **not active** and its targets are not judged. statusuuid ' +
    `sends ${STATUSUUID_COUNT} uuids: the newest new prescriptions, a third per type, padded with unknown uuids when ` +
    'fewer exist ("items" = found). Speed-up = emulator p50 / sql p50 (and the p95 ratio). The targets of issue #5 ' +
    `(p95 ≤ ${TARGETS.singleTypeP95Ms} ms for the single-type 1000 page, ≤ ${TARGETS.allTypesP95Ms} ms for the ` +
    `3-type 1000 page, ≥ ${TARGETS.speedUp}×) refer to the 1M data set; smaller sizes are judged for orientation. ` +
    `**Throughput**: autocannon in this process, ${s.connections} connections, pipelining 1, ${s.warmupSeconds} s ` +
    `warm-up then ${s.seconds} s per configuration; the bare server replays the cache hit's bytes with ` +
    'Content-Length; CPU µs/req = user+system CPU of the server process tree (/proc, 10 ms ticks) / answers. ' +
    (s.pacedRate > 0
      ? `Then each at ${s.pacedRate} req/s with evenly spaced arrivals over ${s.connections} keep-alive connections ` +
        '(open loop, loadtest/lib/paced-load.ts): the latency of a hit that does not queue behind others. '
      : '') +
    `Before each case and run the harness waits (≤ ${s.settleMaxMs / 1000} s) until the processes under test are ` +
    'idle and no statement runs on the benchmark databases.'
  );
}
