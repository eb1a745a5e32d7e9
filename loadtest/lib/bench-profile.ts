// The command line of `npm run bench` and the three profiles it selects: smoke (CI: tiny data, no peers,
// ~1 s runs), quick (small data, short runs, < 3 minutes) and full (default 100k, `--size 1m`). Pure.
import { parseArgs } from 'node:util';
import { CONFIG_ORDER, ROUTE_ORDER } from './bench-catalogue.js';
import { parseSize } from './bench-data.js';
import type { ConfigId, RouteId } from './bench-results.js';

export type ProfileName = 'smoke' | 'quick' | 'full';

export interface Profile {
  readonly name: ProfileName;
  readonly prescriptions: number;
  readonly seconds: number;
  /** Upper bound of a run extended for a slow configuration (see runPlan). */
  readonly maxSeconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly routes: readonly RouteId[];
  readonly configs: readonly ConfigId[];
  readonly settleMaxMs: number;
  readonly freshness: {
    readonly configs: readonly ConfigId[];
    readonly seconds: number;
    readonly readersPerTenant: number;
    readonly readRate: number;
    readonly writeIntervalMs: number;
    readonly pageSize: number;
    readonly boundMs: number;
  };
}

/** Everything else the command line sets. */
export interface BenchSettings {
  readonly logLevel: string;
  readonly adminUrl: string;
  readonly redisUrl: string;
  readonly seed: number;
  /** apt-get install nginx/varnish when absent (as root). */
  readonly installPeers: boolean;
  /** How the run was started, for the report. */
  readonly command: string;
}

const DEFAULTS = {
  smoke: {
    size: 2000,
    seconds: 1,
    max: 3,
    warmup: 0,
    rounds: 1,
    connections: 4,
    settle: 3000,
    fresh: 1.5,
    readRate: 200,
  },
  quick: {
    size: 20_000,
    seconds: 3,
    max: 4,
    warmup: 0,
    rounds: 1,
    connections: 8,
    settle: 8000,
    fresh: 3,
    readRate: 300,
  },
  full: {
    size: 100_000,
    seconds: 10,
    max: 60,
    warmup: 3,
    rounds: 2,
    connections: 16,
    settle: 60_000,
    fresh: 15,
    readRate: 300,
  },
} as const;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}

export function parseBenchArgs(args: readonly string[]): { profile: Profile; settings: BenchSettings } {
  const { values: argv } = parseArgs({
    args: [...args],
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      size: { type: 'string' },
      seconds: { type: 'string' },
      'max-seconds': { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      'no-peers': { type: 'boolean', default: false },
      'no-install': { type: 'boolean', default: false },
      'no-freshness': { type: 'boolean', default: false },
      'fresh-seconds': { type: 'string' },
      'fresh-bound-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
      seed: { type: 'string', default: '42' },
    },
    strict: true,
  });
  if (argv.quick && argv.smoke) throw new Error('--quick and --smoke exclude each other');
  const name: ProfileName = argv.smoke ? 'smoke' : argv.quick ? 'quick' : 'full';
  const base = DEFAULTS[name];
  const peers = name !== 'smoke' && !argv['no-peers'];
  const configs = CONFIG_ORDER.filter((c) => peers || (c !== 'nginx' && c !== 'varnish'));
  const seconds = positive('seconds', argv.seconds, base.seconds);
  const seed = Number(argv.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${argv.seed}`);
  const profile: Profile = {
    name,
    prescriptions: argv.size ? parseSize(argv.size) : base.size,
    seconds,
    maxSeconds: Math.max(seconds, positive('max-seconds', argv['max-seconds'], base.max)),
    warmupSeconds: base.warmup,
    rounds: Math.round(positive('rounds', argv.rounds, base.rounds)),
    connections: Math.round(positive('connections', argv.connections, base.connections)),
    routes: name === 'smoke' ? ['list-100', 'statusuuid-100'] : ROUTE_ORDER,
    configs,
    settleMaxMs: base.settle,
    freshness: {
      configs: argv['no-freshness']
        ? []
        : name === 'smoke'
          ? ['emulator', 'proxy-cache']
          : configs.filter((c) => c !== 'bare' && c !== 'proxy-legacy'),
      seconds: positive('fresh-seconds', argv['fresh-seconds'], base.fresh),
      readersPerTenant: 4,
      readRate: base.readRate,
      writeIntervalMs: 250,
      pageSize: 20,
      boundMs: positive('fresh-bound-ms', argv['fresh-bound-ms'], 100),
    },
  };
  return {
    profile,
    settings: {
      logLevel: argv['log-level'] as string,
      adminUrl: argv['admin-url'] as string,
      redisUrl: argv['redis-url'] as string,
      seed,
      installPeers: !argv['no-install'],
      command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
    },
  };
}
