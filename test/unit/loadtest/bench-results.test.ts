// Summaries of repeated runs and the "active" verdict: a configuration only counts as doing what its
// name says when the observed X-Edge / X-Cache-Status values are the expected ones.
import { describe, expect, it } from 'vitest';
import { expectedTokens, measuredOn, requestFor, runPlan } from '../../../loadtest/lib/bench-catalogue.js';
import { parseSize, sizeLabel } from '../../../loadtest/lib/bench-data.js';
import {
  activityOf,
  describeObserved,
  summarize,
  withRatios,
  type RunRecord,
} from '../../../loadtest/lib/bench-results.js';
import { summarizeSorted } from '../../../loadtest/lib/percentile.js';

function run(partial: Partial<RunRecord> & Pick<RunRecord, 'config'>): RunRecord {
  const samples = partial.samples ?? Float64Array.from([1, 2, 3, 4]);
  return {
    route: 'list-100',
    round: 1,
    completed: samples.length,
    reqPerSec: 100,
    elapsedMs: 1000,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    bytes: samples.length * 1000,
    statusCounts: { 200: samples.length },
    observed: {},
    cpuMs: { front: 4, legacy: 0, db: 2 },
    frontRssBytes: 100 * 2 ** 20,
    latency: summarizeSorted(samples),
    samples,
    ...partial,
  };
}

describe('activity verdict', () => {
  it('needs ≥ 99 % expected values to be active and < 1 % to be not active', () => {
    expect(activityOf(1, 10)).toBe('active');
    expect(activityOf(0.99, 10)).toBe('active');
    expect(activityOf(0.5, 10)).toBe('partial');
    expect(activityOf(0, 10)).toBe('not active');
    expect(activityOf(0, 0)).toBe('no answers');
  });

  it('reports a sql-mode proxy that still forwards to the legacy as not active', () => {
    const s = summarize(
      'list-100',
      'proxy-sql',
      [run({ config: 'proxy-sql', observed: { legacy: 4 } })],
      ['sql'],
    );
    expect(s.activity).toBe('not active');
    expect(s.expectedShare).toBe(0);
  });

  it('never counts legacy answers as cache hits', () => {
    const expected = expectedTokens('proxy-cache', 'list-100');
    expect(expected).not.toContain('legacy');
    const s = summarize(
      'list-100',
      'proxy-cache',
      [run({ config: 'proxy-cache', observed: { 'cache-hit': 2, legacy: 2 } })],
      expected,
    );
    expect(s.activity).toBe('partial');
    expect(s.expectedShare).toBe(0.5);
  });
});

describe('summarize', () => {
  it('pools latencies over rounds, averages req/s and divides CPU by all responses', () => {
    const s = summarize(
      'list-100',
      'proxy-cache',
      [
        run({
          config: 'proxy-cache',
          samples: Float64Array.from([1, 2]),
          reqPerSec: 100,
          observed: { 'cache-hit': 2 },
        }),
        run({
          config: 'proxy-cache',
          round: 2,
          samples: Float64Array.from([3, 4]),
          reqPerSec: 300,
          observed: { 'cache-hit': 2 },
        }),
      ],
      ['cache-hit', 'cache-miss'],
    );
    expect(s.reqPerSec).toBe(200);
    expect(s.latency.p50).toBe(3);
    expect(s.latency.n).toBe(4);
    expect(s.cpuUsPerRequest.front).toBe(2000); // 8 ms over 4 responses
    expect(s.cpuUsPerRequest.db).toBe(1000);
    expect(s.frontRssMiB).toBe(100);
    expect(s.bytesPerResponse).toBe(1000);
    expect(s.activity).toBe('active');
  });

  it('adds ratios against the emulator and the bare ceiling of the same route', () => {
    const rows = withRatios([
      summarize('list-100', 'emulator', [run({ config: 'emulator', reqPerSec: 10 })], ['(none)']),
      summarize('list-100', 'proxy-sql', [run({ config: 'proxy-sql', reqPerSec: 50 })], ['sql']),
      summarize('list-100', 'bare', [run({ config: 'bare', reqPerSec: 1000 })], ['bare']),
    ]);
    const sql = rows.find((r) => r.config === 'proxy-sql');
    expect(sql?.vsEmulator).toBe(5);
    expect(sql?.vsCeiling).toBe(0.05);
  });
});

describe('describeObserved', () => {
  it('lists values largest first with their share', () => {
    expect(describeObserved({ 'cache-miss': 1, 'cache-hit': 199 })).toBe(
      'cache-hit 99.5 %, cache-miss 0.5 %',
    );
    expect(describeObserved({ sql: 10 })).toBe('sql 100 %');
    expect(describeObserved({})).toBe('–');
  });
});

describe('catalogue', () => {
  it('expects pass-through from the peers on PATCH and on the health check', () => {
    expect(expectedTokens('nginx', 'statusuuid-100')).toEqual(['PASS']);
    expect(expectedTokens('varnish', 'health')).toEqual(['PASS']);
    expect(expectedTokens('varnish', 'list-1000')).toContain('HIT');
    expect(expectedTokens('proxy-sql', 'health')).toEqual(['legacy']);
  });

  it('does not measure the health check on the sql/cache proxies (same forwarding as legacy mode)', () => {
    expect(measuredOn('proxy-sql', 'health')).toBe(false);
    expect(measuredOn('proxy-legacy', 'health')).toBe(true);
    expect(measuredOn('proxy-cache', 'list-100')).toBe(true);
  });

  it('builds the statusuuid request with a JSON body and the credentials', () => {
    const req = requestFor('statusuuid-100', 'Basic x', ['a', 'b']);
    expect(req).toMatchObject({ method: 'PATCH', path: '/v2/rezept/statusuuid' });
    expect(req.headers).toMatchObject({ authorization: 'Basic x', 'content-type': 'application/json' });
    expect(JSON.parse(req.body as string)).toEqual({ rezeptUuids: ['a', 'b'] });
    expect(requestFor('health', 'Basic x', []).headers).toBeUndefined();
  });

  it('extends runs of configurations that need seconds per request, within bounds', () => {
    const settings = { seconds: 10, maxSeconds: 120, connections: 16, cores: 2 };
    expect(runPlan(5, settings)).toEqual({ seconds: 10, timeoutSeconds: 30 });
    expect(runPlan(NaN, settings)).toEqual({ seconds: 10, timeoutSeconds: 30 });
    expect(runPlan(3000, settings)).toEqual({ seconds: 48, timeoutSeconds: 96 }); // 16 × 3 s / 2 cores
    expect(runPlan(20_000, settings)).toEqual({ seconds: 120, timeoutSeconds: 600 });
    expect(runPlan(3000, { ...settings, maxSeconds: 10 }).seconds).toBe(10);
  });

  it('parses and labels data sizes', () => {
    expect(parseSize('100k')).toBe(100_000);
    expect(parseSize('1m')).toBe(1_000_000);
    expect(parseSize('2500')).toBe(2500);
    expect(() => parseSize('lots')).toThrow(/--size/);
    expect(sizeLabel(1_000_000)).toBe('1m');
    expect(sizeLabel(20_000)).toBe('20k');
    expect(sizeLabel(2500)).toBe('2500');
  });
});
