// Rendering of the benchmark outputs: the Markdown tables, the SVG chart and the peer config templates.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configInfo, ROUTES } from '../../../loadtest/lib/bench-catalogue.js';
import {
  freshnessTable,
  fmtMs,
  sideBySideTables,
  type ReportContext,
} from '../../../loadtest/lib/bench-report.js';
import { summarize, withRatios, type RunRecord } from '../../../loadtest/lib/bench-results.js';
import { skippedFreshness, type FreshnessSummary } from '../../../loadtest/lib/freshness-summary.js';
import { chartPanels, escapeXml, renderLatencyChart } from '../../../loadtest/lib/latency-chart-svg.js';
import { renderTemplate } from '../../../loadtest/lib/peer-config.js';
import { summarizeSorted } from '../../../loadtest/lib/percentile.js';

const samples = Float64Array.from([1, 2, 3, 40]);
const base: RunRecord = {
  route: 'list-100',
  config: 'emulator',
  round: 1,
  completed: 4,
  reqPerSec: 10,
  elapsedMs: 400,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  bytes: 4096,
  statusCounts: { 200: 4 },
  observed: { '(none)': 4 },
  cpuMs: { front: 4, legacy: 0, db: 1 },
  frontRssBytes: 2 ** 20,
  latency: summarizeSorted(samples),
  samples,
};

const summaries = withRatios([
  summarize('list-100', 'emulator', [base], ['(none)']),
  summarize('list-100', 'proxy-sql', [{ ...base, config: 'proxy-sql', observed: { legacy: 4 } }], ['sql']),
]);

function ctx(freshness: FreshnessSummary[] = []): ReportContext {
  return {
    command: 'npm run bench -- --quick',
    machine: {
      dateUtc: '2026-11-29T21:00:00.000Z',
      nproc: 2,
      cpuModel: 'AMD EPYC',
      ramGiB: 23.5,
      node: 'v20.20.2',
      commit: 'abc1234',
      commitHash: 'abc1234',
      dirty: false,
    },
    versions: { Node: 'v20.20.2' },
    loadBefore: '1 1 1',
    loadAfter: '2 2 2',
    data: 'data',
    client: 'client',
    runSeconds: 3,
    configs: [configInfo('emulator'), configInfo('proxy-sql'), configInfo('nginx', 'nginx is not installed')],
    routes: [ROUTES['list-100']],
    summaries,
    freshness,
    freshnessSettings: 'settings',
    notes: [],
  };
}

describe('side-by-side tables', () => {
  it('renders one row per configuration with ratio, verdict and skipped peers', () => {
    const md = sideBySideTables(ctx());
    expect(md).toContain('#### GET /v2/rezept?page=1&pageSize=100');
    expect(md).toMatch(/\| emulator \(the legacy, direct\) \| no header 100 % \| active \| 10\.0 \| 1× \|/);
    expect(md).toContain('| arzti-edge, sql mode | legacy 100 % | **not active** (expected sql) |');
    expect(md).toContain('| nginx proxy_cache, 5 s TTL | – | skipped: nginx is not installed |');
    for (const line of md.split('\n').filter((l) => l.startsWith('|'))) {
      expect(line.split('|').length).toBe(17); // 15 columns
    }
  });

  it('formats milliseconds with sensible precision', () => {
    expect(fmtMs(0.1234)).toBe('0.12');
    expect(fmtMs(12.345)).toBe('12.3');
    expect(fmtMs(1234.5)).toBe('1235');
    expect(fmtMs(NaN)).toBe('n/a');
  });
});

describe('freshness table', () => {
  it('renders skipped configurations and highlights foreign answers', () => {
    const foreign: FreshnessSummary = {
      ...skippedFreshness('nginx', 100, ''),
      skipReason: undefined,
      reads: 10,
      fresh: 5,
      stale: 3,
      foreign: 2,
    };
    const md = freshnessTable({
      ...ctx([skippedFreshness('varnish', 100, 'varnishd did not start'), foreign]),
      configs: [configInfo('nginx'), configInfo('varnish')],
    });
    expect(md).toContain('| fresh (≤ 100 ms) |');
    expect(md).toContain('| Varnish, 5 s TTL | – | skipped: varnishd did not start |');
    expect(md).toContain('| 5 (50.0 %) | 3 (30.0 %) |');
    expect(md).toContain('| **2** |');
  });
});

describe('latency chart', () => {
  it('is a standalone SVG with one row per measured configuration and escaped labels', () => {
    const svg = renderLatencyChart(
      'Latency <quick>',
      chartPanels(summaries, [ROUTES['list-100']], ctx().configs),
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Latency &lt;quick&gt;');
    expect(svg).toContain('arzti-edge, sql mode (not active)');
    expect(svg.match(/<circle /g)).toHaveLength(6); // 2 rows × p50/p95/p99
    expect(escapeXml('a&"b"')).toBe('a&amp;&quot;b&quot;');
  });
});

describe('peer templates', () => {
  const dir = resolve(import.meta.dirname, '../../../loadtest/peers');

  it('renders nginx.conf with the Authorization header in the cache key and a 5 s TTL', () => {
    const conf = renderTemplate(readFileSync(resolve(dir, 'nginx.conf'), 'utf8'), {
      USER_LINE: '',
      DIR: '/tmp/x',
      PORT: 8081,
      UPSTREAM_PORT: 5017,
    });
    expect(conf).toContain(
      'proxy_cache_key "$scheme|$request_method|$host|$request_uri|$http_authorization";',
    );
    expect(conf).toContain('proxy_cache_valid 200 5s;');
    expect(conf).toContain('proxy_cache_lock on;');
    expect(conf).toContain('listen 127.0.0.1:8081;');
    expect(conf).not.toMatch(/\{\{/);
  });

  it('renders default.vcl hashing Authorization instead of passing', () => {
    const vcl = renderTemplate(readFileSync(resolve(dir, 'default.vcl'), 'utf8'), { UPSTREAM_PORT: 5017 });
    expect(vcl).toContain('hash_data(req.http.Authorization);');
    expect(vcl).toContain('set beresp.ttl = 5s;');
    expect(vcl).toContain('.port = "5017";');
  });

  it('rejects missing and unused values', () => {
    expect(() => renderTemplate('{{A}}', {})).toThrow(/\{\{A\}\}/);
    expect(() => renderTemplate('x', { A: 1 })).toThrow(/not used/);
  });
});
