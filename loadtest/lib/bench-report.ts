// Markdown for BENCHMARKS.md and the console: the side-by-side tables (one per route) and the
// freshness table, with the machine, versions, settings and load average the run had. Pure.
import type { ConfigId, RouteId, Summary } from './bench-results.js';
import { describeObserved } from './bench-results.js';
import type { FreshnessSummary } from './freshness-summary.js';
import type { MachineInfo } from './machine-info.js';

export interface ConfigInfo {
  readonly id: ConfigId;
  readonly title: string;
  /** Header whose first token shows the path taken. */
  readonly header: string;
  readonly skipReason?: string;
}

export interface RouteInfo {
  readonly id: RouteId;
  readonly title: string;
  readonly note: string;
}

export interface ReportContext {
  readonly command: string;
  readonly machine: MachineInfo;
  readonly versions: Readonly<Record<string, string>>;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly data: string;
  readonly client: string;
  /** The profile's run length; longer (extended) runs are named in the responses column. */
  readonly runSeconds: number;
  readonly configs: readonly ConfigInfo[];
  readonly routes: readonly RouteInfo[];
  readonly summaries: readonly Summary[];
  readonly freshness: readonly FreshnessSummary[];
  readonly freshnessSettings: string;
  readonly notes: readonly string[];
  readonly chartPath?: string;
  readonly jsonPath?: string;
}

export function fmtNumber(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n < 10) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return n.toFixed(0);
}

function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

function fmtRatio(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return n >= 100 ? `${n.toFixed(0)}×` : n >= 10 ? `${n.toFixed(1)}×` : `${n.toFixed(2)}×`;
}

function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n.toFixed(0)} B`;
}

function activityCell(s: Summary): string {
  switch (s.activity) {
    case 'active':
      return s.expected.length === 1 && s.expected[0] === 'PASS' ? 'pass-through' : 'active';
    case 'no answers':
      return '**no answers**';
    case 'not active':
      return `**not active** (expected ${s.expected.join('/')})`;
    case 'partial':
      return `**partial** (${(s.expectedShare * 100).toFixed(1)} % ${s.expected.join('/')})`;
  }
}

export function sideBySideTables(ctx: ReportContext): string {
  const out: string[] = [];
  for (const route of ctx.routes) {
    const rows = ctx.summaries.filter((s) => s.route === route.id);
    if (rows.length === 0) continue;
    const size =
      rows.find((r) => r.config === 'emulator')?.bytesPerResponse ?? rows[0]?.bytesPerResponse ?? NaN;
    out.push(`#### ${route.title}`, '', `${route.note} Response size ≈ ${fmtBytes(size)} (emulator).`, '');
    out.push(
      '| configuration | observed (X-Edge / X-Cache-Status) | verdict | req/s | × emulator | of ceiling | p50 ms | p95 ms | p99 ms | errors / non-2xx | front CPU µs/req | legacy CPU µs/req | PG + Redis CPU µs/req | front RSS MiB | responses |',
      '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const config of ctx.configs) {
      const s = rows.find((r) => r.config === config.id);
      if (!s) {
        if (config.skipReason) {
          out.push(
            `| ${config.title} | – | skipped: ${config.skipReason} |  |  |  |  |  |  |  |  |  |  |  |  |`,
          );
        }
        continue;
      }
      const ceiling = Number.isFinite(s.vsCeiling)
        ? `${(s.vsCeiling * 100).toFixed(s.vsCeiling < 0.1 ? 2 : 1)} %`
        : '–';
      out.push(
        `| ${config.title} | ${describeObserved(s.observed)} | ${activityCell(s)} | ${fmtRate(s.reqPerSec)} | ` +
          `${s.config === 'emulator' ? '1×' : fmtRatio(s.vsEmulator)} | ${ceiling} | ${fmtMs(s.latency.p50)} | ` +
          `${fmtMs(s.latency.p95)} | ${fmtMs(s.latency.p99)} | ${s.errors} / ${s.non2xx} | ` +
          `${fmtNumber(s.cpuUsPerRequest.front, 0)} | ${s.config === 'emulator' || s.config === 'bare' ? '–' : fmtNumber(s.cpuUsPerRequest.legacy, 0)} | ` +
          `${fmtNumber(s.cpuUsPerRequest.db, 0)} | ${fmtNumber(s.frontRssMiB, 0)} | ${s.completed}` +
          `${s.secondsPerRun > ctx.runSeconds + 1.5 ? ` (${s.runs} × ${s.secondsPerRun.toFixed(0)} s)` : ''} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

export function freshnessTable(ctx: ReportContext): string {
  if (ctx.freshness.length === 0) return '_No freshness run in this profile._\n';
  const bound = ctx.freshness[0]?.boundMs ?? NaN;
  const out = [
    `| configuration | observed | reads | fresh (≤ ${bound} ms) | stale | staleness p50 / p95 / max ms | foreign | unmatched | count ≠ state | errors | writes sql-transfer / sql-status / api | API write p50 ms | data restored |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const f of ctx.freshness) {
    const title = ctx.configs.find((c) => c.id === f.config)?.title ?? f.config;
    if (f.skipReason) {
      out.push(`| ${title} | – | skipped: ${f.skipReason} |  |  |  |  |  |  |  |  |  |  |`);
      continue;
    }
    const pct = (n: number) => (f.reads === 0 ? 'n/a' : `${n} (${((100 * n) / f.reads).toFixed(1)} %)`);
    out.push(
      `| ${title} | ${describeObserved(f.observed)} | ${f.reads} | ${pct(f.fresh)} | ${pct(f.stale)} | ` +
        `${fmtMs(f.staleMs.p50)} / ${fmtMs(f.staleMs.p95)} / ${fmtMs(f.staleMs.max)} | ` +
        `${f.foreign === 0 ? '0' : `**${f.foreign}**`} | ${f.unmatched} | ${f.countMismatches} | ${f.errors} | ` +
        `${f.writes['sql-transfer']} / ${f.writes['sql-status']} / ${f.writes['api-transfer']}${f.writeErrors ? ` (${f.writeErrors} failed)` : ''} | ` +
        `${fmtMs(f.apiWriteP50Ms)} | ${f.restored ? 'yes' : '**no**'} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

export function runHeader(ctx: ReportContext): string {
  const versions = Object.entries(ctx.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
  return [
    `Command: \`${ctx.command}\` · ${ctx.machine.dateUtc.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · commit ${ctx.machine.commit}`,
    '',
    `Machine: \`nproc\` ${ctx.machine.nproc}, ${ctx.machine.cpuModel}, ${ctx.machine.ramGiB} GiB RAM · ${versions}.`,
    `**Shared machine**: other sessions may run tests and builds on the same cores; load average before ${ctx.loadBefore}, after ${ctx.loadAfter}.`,
    '',
    `Data: ${ctx.data}`,
    '',
    `Client: ${ctx.client}`,
  ].join('\n');
}

export function sideBySideSection(ctx: ReportContext): string {
  const skipped = ctx.configs.filter((c) => c.skipReason);
  return [
    runHeader(ctx),
    '',
    ...(skipped.length > 0
      ? [`Skipped: ${skipped.map((c) => `${c.title} (${c.skipReason})`).join('; ')}.`, '']
      : []),
    sideBySideTables(ctx),
    ...(ctx.notes.length > 0 ? [ctx.notes.map((n) => `- ${n}`).join('\n'), ''] : []),
    ...(ctx.chartPath || ctx.jsonPath
      ? [
          [
            ctx.chartPath ? `Latency chart: [\`${ctx.chartPath}\`](${ctx.chartPath})` : '',
            ctx.jsonPath ? `raw results: [\`${ctx.jsonPath}\`](${ctx.jsonPath})` : '',
          ]
            .filter(Boolean)
            .join(' · ') + '.',
          '',
        ]
      : []),
  ].join('\n');
}

export function freshnessSection(ctx: ReportContext): string {
  return [
    `Command: \`${ctx.command}\` · ${ctx.machine.dateUtc.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · commit ${ctx.machine.commit} · load average before ${ctx.loadBefore}, after ${ctx.loadAfter}`,
    '',
    ctx.freshnessSettings,
    '',
    freshnessTable(ctx),
  ].join('\n');
}
