// Markdown of `loadtest/v2-read-bench.ts`: per data size the issue #5 table (sql mode vs the emulator,
// single client) and the issue #6 tables (cache hit, single client and at 50 connections vs the bare
// ceiling), then the growth of the sql figures over the sizes. Pure: renders what it is given.
import { describeObserved } from './bench-results.js';
import { fmtMs, fmtNumber } from './bench-report.js';
import type { MachineInfo } from './machine-info.js';
import type { LatencySummary } from './percentile.js';
import type { SampledConfig } from './sequential-sampler.js';
import {
  HIT_CASE_ID,
  READ_CONFIG_TITLES,
  TARGETS,
  type PrescriptionTypeName,
  type ReadConfig,
} from './v2-read-cases.js';

/** A sampled configuration as reported: the warm-up answer reduced to its time and size. */
export type ConfigFigures = Omit<SampledConfig<ReadConfig>, 'warmup'> & {
  readonly warmupMs: number;
  readonly bytes: number;
  /** Body equal to the emulator's apart from the "now" timestamps (undefined for the emulator). */
  readonly sameAsEmulator?: boolean;
};

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly items: number;
  readonly sqlP95TargetMs?: number;
  readonly figures: readonly ConfigFigures[];
}

export interface ThroughputFigures {
  readonly config: 'proxy-cache' | 'bare';
  readonly reqPerSec: number;
  readonly completed: number;
  readonly latency: LatencySummary;
  readonly non2xx: number;
  readonly errors: number;
  readonly observed: Readonly<Record<string, number>>;
  readonly cpuUsPerRequest: number;
  /** The same request at a fixed rate with evenly spaced arrivals over the same connections. */
  readonly paced?: {
    readonly rate: number;
    readonly latency: LatencySummary;
    readonly errors: number;
    readonly observed: Readonly<Record<string, number>>;
  };
}

export interface SizeResult {
  readonly label: string;
  readonly prescriptions: number;
  readonly tenant2Prescriptions: number;
  readonly origin: string;
  readonly login: string;
  readonly newByType: Readonly<Record<PrescriptionTypeName, number>>;
  readonly type: PrescriptionTypeName;
  readonly cases: readonly CaseResult[];
  readonly throughput: readonly ThroughputFigures[];
  readonly notes: readonly string[];
}

export interface RunInfo {
  readonly command: string;
  readonly machine: MachineInfo;
  readonly versions: Readonly<Record<string, string>>;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly method: string;
  readonly jsonPath: string;
}

const fig = (c: CaseResult, config: ReadConfig) => c.figures.find((f) => f.config === config);
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? a / b : NaN);
const fmtX = (n: number) => (Number.isFinite(n) ? `${n >= 10 ? n.toFixed(0) : n.toFixed(1)}×` : '–');
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

function nCell(f: ConfigFigures | undefined): string {
  if (!f) return '–';
  return `${f.latency.n}${f.capped ? ' (capped)' : ''}`;
}

function activeCell(f: ConfigFigures | undefined): string {
  if (!f) return '';
  if (f.active) return '';
  const what = f.config === 'emulator' ? 'not all 200' : 'not active';
  return ` **${what}** (observed ${describeObserved(f.observed)}${f.failures.length ? `, ${f.failures.length} failed` : ''})`;
}

function bodyCell(c: CaseResult): string {
  const emu = fig(c, 'emulator');
  const sql = fig(c, 'proxy-sql');
  if (!emu || !sql) return '–';
  const kib = (n: number) => `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
  return sql.sameAsEmulator
    ? `= emulator, ${kib(sql.bytes)}`
    : `**differs**: ${kib(sql.bytes)} vs ${kib(emu.bytes)}`;
}

export function issue5Table(size: SizeResult): string {
  const out = [
    '| request | items | body (sql vs emulator, modulo timestamps) | emulator n | emulator p50 / p95 ms | sql n | sql p50 / p95 ms | speed-up p50 | speed-up p95 | targets |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const c of size.cases) {
    const emu = fig(c, 'emulator');
    const sql = fig(c, 'proxy-sql');
    const up50 = ratio(emu?.latency.p50 ?? NaN, sql?.latency.p50 ?? NaN);
    const up95 = ratio(emu?.latency.p95 ?? NaN, sql?.latency.p95 ?? NaN);
    const targets = [`≥ ${TARGETS.speedUp}×: ${verdict(up50 >= TARGETS.speedUp)}`];
    if (c.sqlP95TargetMs !== undefined) {
      targets.unshift(
        `p95 ≤ ${c.sqlP95TargetMs} ms: ${verdict((sql?.latency.p95 ?? Infinity) <= c.sqlP95TargetMs)}`,
      );
    }
    const inactive = [emu, sql].some((f) => f && !f.active);
    out.push(
      `| ${c.title} | ${fmtNumber(c.items, 0)} | ${bodyCell(c)} | ${nCell(emu)} | ` +
        `${fmtMs(emu?.latency.p50 ?? NaN)} / ${fmtMs(emu?.latency.p95 ?? NaN)}${activeCell(emu)} | ${nCell(sql)} | ` +
        `${fmtMs(sql?.latency.p50 ?? NaN)} / ${fmtMs(sql?.latency.p95 ?? NaN)}${activeCell(sql)} | ` +
        `${fmtX(up50)} | ${fmtX(up95)} | ${inactive ? 'not judged (not active)' : targets.join('; ')} |`,
    );
  }
  return out.join('\n');
}

export function issue6Tables(size: SizeResult, connections: number, seconds: number): string {
  const c = size.cases.find((x) => x.id === HIT_CASE_ID);
  const out: string[] = [];
  if (c) {
    const emuP50 = fig(c, 'emulator')?.latency.p50 ?? NaN;
    out.push(
      `Single client, sequential (${c.title}, ${fmtNumber(c.items, 0)} items):`,
      '',
      '| configuration | observed (status X-Edge) | n | p50 ms | p95 ms | × emulator (p50) | body vs emulator |',
      '|---|---|---:|---:|---:|---:|---|',
    );
    for (const config of ['proxy-cache', 'proxy-sql', 'emulator'] as const) {
      const f = fig(c, config);
      if (!f) continue;
      out.push(
        `| ${READ_CONFIG_TITLES[config]}${activeCell(f)} | ${describeObserved(f.observed)} | ${nCell(f)} | ` +
          `${fmtMs(f.latency.p50)} | ${fmtMs(f.latency.p95)} | ${config === 'emulator' ? '1×' : fmtX(ratio(emuP50, f.latency.p50))} | ` +
          `${f.sameAsEmulator === undefined ? '–' : f.sameAsEmulator ? 'equal' : '**differs**'} |`,
      );
    }
    out.push('');
  }
  if (size.throughput.length > 0) {
    const bare = size.throughput.find((t) => t.config === 'bare');
    const hit = size.throughput.find((t) => t.config === 'proxy-cache');
    out.push(
      `Throughput, ${connections} connections, closed loop, ${seconds} s (autocannon; latency exact per 2xx answer):`,
      '',
      '| configuration | observed (X-Edge) | req/s | of bare | p50 ms | p95 ms | p99 ms | errors / non-2xx | CPU µs/req |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const t of size.throughput) {
      const share = ratio(t.reqPerSec, bare?.reqPerSec ?? NaN);
      out.push(
        `| ${t.config === 'bare' ? 'bare node:http, same bytes (ceiling)' : READ_CONFIG_TITLES[t.config]} | ` +
          `${describeObserved(t.observed)} | ${fmtNumber(t.reqPerSec, 0)} | ${Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : '–'} | ` +
          `${fmtMs(t.latency.p50)} | ${fmtMs(t.latency.p95)} | ${fmtMs(t.latency.p99)} | ${t.errors} / ${t.non2xx} | ` +
          `${fmtNumber(t.cpuUsPerRequest, 0)} |`,
      );
    }
    const pacedRows = size.throughput.filter((t) => t.paced !== undefined);
    if (pacedRows.length > 0) {
      const rate = pacedRows[0]?.paced?.rate ?? NaN;
      out.push(
        '',
        `Latency below capacity: ${fmtNumber(rate, 0)} req/s over the same ${connections} keep-alive connections, ` +
          `evenly spaced arrivals (open loop, loadtest/lib/paced-load.ts), ${seconds} s, timed from write to last byte:`,
        '',
        '| configuration | observed (X-Edge) | p50 ms | p95 ms | p99 ms | errors |',
        '|---|---|---:|---:|---:|---:|',
      );
      for (const t of pacedRows) {
        const p = t.paced!;
        out.push(
          `| ${t.config === 'bare' ? 'bare node:http, same bytes (ceiling)' : READ_CONFIG_TITLES[t.config]} | ` +
            `${describeObserved(p.observed)} | ${fmtMs(p.latency.p50)} | ${fmtMs(p.latency.p95)} | ` +
            `${fmtMs(p.latency.p99)} | ${p.errors} |`,
        );
      }
    }
    if (hit && bare) {
      const hitOnly = Object.keys(hit.observed).every((k) => k === 'cache-hit');
      const share = ratio(hit.reqPerSec, bare.reqPerSec);
      out.push(
        '',
        `Targets (issue #6): hit p50 ≤ ${TARGETS.hitP50MsAtLoad} ms at ${connections} connections: ` +
          `${fmtMs(hit.latency.p50)} ms, ${verdict(hit.latency.p50 <= TARGETS.hitP50MsAtLoad)}; throughput ≥ ` +
          `${TARGETS.hitShareOfBare * 100} % of bare: ${Number.isFinite(share) ? (share * 100).toFixed(1) : 'n/a'} %, ` +
          `${verdict(share >= TARGETS.hitShareOfBare)}${hitOnly ? '' : ' — **not only cache hits** (see observed)'}.` +
          (hit.paced
            ? ` Below capacity (paced, ${fmtNumber(hit.paced.rate, 0)} req/s): hit p50 ${fmtMs(hit.paced.latency.p50)} ms ` +
              `(${verdict(hit.paced.latency.p50 <= TARGETS.hitP50MsAtLoad)}), the bare server ` +
              `${fmtMs(bare.paced?.latency.p50 ?? NaN)} ms with the same bytes.`
            : ''),
      );
    }
  }
  return out.join('\n');
}

export function growthTable(sizes: readonly SizeResult[]): string {
  const ids = sizes[0]?.cases.map((c) => c.id) ?? [];
  const out = [
    `| request | ${sizes.map((s) => `${s.label}: sql p50 / p95 ms | ${s.label}: × emulator (p50)`).join(' | ')} |`,
    `|---|${sizes.map(() => '---:|---:').join('|')}|`,
  ];
  for (const id of ids) {
    const cells = sizes.map((s) => {
      const c = s.cases.find((x) => x.id === id);
      const sql = c && fig(c, 'proxy-sql');
      const emu = c && fig(c, 'emulator');
      if (!sql) return '– | –';
      return (
        `${fmtMs(sql.latency.p50)} / ${fmtMs(sql.latency.p95)}${sql.active ? '' : ' (not active)'} | ` +
        fmtX(ratio(emu?.latency.p50 ?? NaN, sql.latency.p50))
      );
    });
    const title = sizes[0]?.cases.find((c) => c.id === id)?.title ?? id;
    out.push(`| ${title.replace(/&type=[^&\s)]+/, '&type=…')} | ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}

export function dataLine(size: SizeResult): string {
  const news = Object.entries(size.newByType)
    .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
    .join(', ');
  return (
    `Data: tenant 1 (measured) ${size.prescriptions.toLocaleString('en')} prescriptions, of them new: ${news} ` +
    `(\`type=${size.type}\`: the type with the most new prescriptions); tenant 2 ${size.tenant2Prescriptions.toLocaleString('en')} ` +
    `(not measured); seed 42, 5 % new, generated by the seed library (${size.origin}); migrations applied ` +
    `(fast-path indexes, NOTIFY triggers). Requests authenticate as ${size.login}.`
  );
}

export function renderReport(
  run: RunInfo,
  sizes: readonly SizeResult[],
  settings: { connections: number; seconds: number },
): string {
  const m = run.machine;
  const versions = Object.entries(run.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
  const out = [
    '## V2 reads: latency and speed-up (issues #5, #6)',
    '',
    `Command: \`${run.command}\` · ${m.dateUtc.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · commit ${m.commit}`,
    '',
    `Machine: \`nproc\` ${m.nproc}, ${m.cpuModel}, ${m.ramGiB} GiB RAM · ${versions}. ` +
      `Load average before ${run.loadBefore}, after ${run.loadAfter}.`,
    '',
    run.method,
    '',
  ];
  for (const size of sizes) {
    out.push(
      `### ${size.label} prescriptions`,
      '',
      dataLine(size),
      '',
      '#### Issue #5: sql mode vs the emulator, single client',
      '',
      issue5Table(size),
      '',
      `#### Issue #6: cache hit, GET /v2/rezept?page=1&pageSize=100`,
      '',
      issue6Tables(size, settings.connections, settings.seconds),
      '',
      ...(size.notes.length > 0 ? [size.notes.map((n) => `- ${n}`).join('\n'), ''] : []),
    );
  }
  out.push(
    `### Growth of the sql mode (single client, ${sizes.map((s) => s.label).join(' → ')})`,
    '',
    growthTable(sizes),
    '',
    `Raw results: [\`${run.jsonPath}\`](${run.jsonPath}).`,
    '',
  );
  return out.join('\n');
}
