// The command line of `npm run bench`, and the notes and smoke verdict derived from a run's summaries.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../../loadtest/lib/bench-profile.js';
import { summarize, withRatios, type RunRecord } from '../../../loadtest/lib/bench-results.js';
import { buildNotes, smokeProblems } from '../../../loadtest/lib/bench-texts.js';
import { skippedFreshness } from '../../../loadtest/lib/freshness-summary.js';
import { summarizeSorted } from '../../../loadtest/lib/percentile.js';

describe('parseBenchArgs', () => {
  it('defaults to the full profile at 100k with peers, two rounds and 16 connections', () => {
    const { profile, settings } = parseBenchArgs([]);
    expect(profile).toMatchObject({
      name: 'full',
      prescriptions: 100_000,
      rounds: 2,
      connections: 16,
      seconds: 10,
    });
    expect(profile.configs).toContain('nginx');
    expect(profile.routes).toHaveLength(4);
    expect(settings).toMatchObject({ seed: 42, installPeers: true, command: 'npm run bench' });
  });

  it('--quick is small and short; --size and --seconds override', () => {
    const { profile, settings } = parseBenchArgs(['--quick', '--size', '50k', '--seconds', '5']);
    expect(profile).toMatchObject({ name: 'quick', prescriptions: 50_000, seconds: 5, rounds: 1 });
    expect(profile.maxSeconds).toBe(5);
    expect(settings.command).toBe('npm run bench -- --quick --size 50k --seconds 5');
  });

  it('--smoke runs without peers and checks freshness on the emulator and the cache', () => {
    const { profile } = parseBenchArgs(['--smoke']);
    expect(profile.configs).not.toContain('nginx');
    expect(profile.configs).not.toContain('varnish');
    expect(profile.freshness.configs).toEqual(['emulator', 'proxy-cache']);
  });

  it('rejects contradictions and nonsense', () => {
    expect(() => parseBenchArgs(['--quick', '--smoke'])).toThrow(/exclude/);
    expect(() => parseBenchArgs(['--seconds=0'])).toThrow(/positive/);
    expect(() => parseBenchArgs(['--bogus'])).toThrow();
    expect(parseBenchArgs(['--no-freshness']).profile.freshness.configs).toEqual([]);
  });
});

const samples = Float64Array.from([5, 6]);
function run(config: RunRecord['config'], observed: Record<string, number>, completed = 2): RunRecord {
  return {
    route: 'list-1000',
    config,
    round: 1,
    completed,
    reqPerSec: 1,
    elapsedMs: 1000,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    bytes: 10,
    statusCounts: { 200: completed },
    observed,
    cpuMs: { front: 1, legacy: 0, db: 0 },
    frontRssBytes: 1,
    latency: summarizeSorted(completed ? samples : new Float64Array()),
    samples: completed ? samples : new Float64Array(),
  };
}

describe('buildNotes', () => {
  it('names a cache mode that bypassed the cache and explains X-Edge: sql', () => {
    const summaries = withRatios([
      summarize(
        'list-1000',
        'proxy-cache',
        [run('proxy-cache', { sql: 2 })],
        ['cache-hit', 'cache-miss', 'stale'],
      ),
    ]);
    const notes = buildNotes(summaries, [], { 'list-1000': 'the emulator' }, []);
    expect(notes[0]).toContain('arzti-edge, cache mode is not (fully) active** on list-1000 (observed sql)');
    expect(notes[0]).toContain('EDGE_CACHE_MAX_ENTRY_BYTES');
    expect(notes[1]).toBe(
      'The bare ceiling replays, with Content-Length, the bytes of the emulator (list-1000).',
    );
  });
});

describe('smokeProblems', () => {
  it('fails on a configuration without answers, a skipped one and an unclassified freshness run', () => {
    const { profile } = parseBenchArgs(['--smoke']);
    const summaries = withRatios([summarize('list-1000', 'emulator', [run('emulator', {}, 0)], ['(none)'])]);
    const problems = smokeProblems(
      profile,
      summaries,
      [skippedFreshness('proxy-cache', 100, 'not running')],
      new Map([['proxy-sql', 'did not start: port in use']]),
    );
    expect(problems).toEqual([
      'proxy-sql did not start: did not start: port in use',
      'emulator list-1000: no 2xx answer',
      'freshness proxy-cache: not running',
    ]);
  });
});
