// A dependency-free SVG of latency percentiles per configuration: one panel per route, one row per
// configuration with p50/p95/p99 marks on a shared logarithmic millisecond axis. Pure.
import type { Summary } from './bench-results.js';

export interface ChartRow {
  readonly label: string;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Drawn grey with a note when the configuration did not answer the way its name says. */
  readonly note?: string;
}

export interface ChartPanel {
  readonly title: string;
  readonly rows: readonly ChartRow[];
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
export const escapeXml = (text: string): string => text.replace(/[&<>"]/g, (c) => ESC[c] as string);

const WIDTH = 960;
const LABEL_W = 250;
const PLOT_W = WIDTH - LABEL_W - 40;
const ROW_H = 22;
const PANEL_GAP = 46;
const COLORS = { p50: '#1f77b4', p95: '#ff7f0e', p99: '#d62728' } as const;

function ticks(minMs: number, maxMs: number): number[] {
  const out: number[] = [];
  for (let exp = Math.floor(Math.log10(minMs)); exp <= Math.ceil(Math.log10(maxMs)); exp += 1) {
    out.push(10 ** exp);
  }
  return out;
}

export function renderLatencyChart(title: string, panels: readonly ChartPanel[]): string {
  const values = panels
    .flatMap((p) => p.rows.flatMap((r) => [r.p50, r.p95, r.p99]))
    .filter((v) => v > 0 && Number.isFinite(v));
  const minMs = values.length ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0.1;
  const maxMs = values.length ? 10 ** Math.ceil(Math.log10(Math.max(...values))) : 1000;
  const x = (ms: number) =>
    LABEL_W + (PLOT_W * (Math.log10(ms) - Math.log10(minMs))) / (Math.log10(maxMs) - Math.log10(minMs) || 1);
  const parts: string[] = [];
  let y = 40;
  parts.push(
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  const legendX = LABEL_W;
  (['p50', 'p95', 'p99'] as const).forEach((k, i) => {
    parts.push(
      `<rect x="${legendX + i * 70}" y="${y - 10}" width="10" height="10" fill="${COLORS[k]}"/>`,
      `<text x="${legendX + i * 70 + 14}" y="${y}" font-size="12">${k}</text>`,
    );
  });
  parts.push(`<text x="${WIDTH - 40}" y="${y}" font-size="12" text-anchor="end">ms, log scale</text>`);
  y += 18;
  for (const panel of panels) {
    parts.push(
      `<text x="10" y="${y + 12}" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`,
    );
    y += 22;
    const top = y;
    for (const row of panel.rows) {
      const cy = y + ROW_H / 2;
      const grey = row.note !== undefined;
      parts.push(
        `<text x="${LABEL_W - 8}" y="${cy + 4}" font-size="12" text-anchor="end" fill="${grey ? '#888' : '#000'}">${escapeXml(row.label + (row.note ? ` (${row.note})` : ''))}</text>`,
      );
      if ([row.p50, row.p99].every((v) => v > 0 && Number.isFinite(v))) {
        parts.push(
          `<line x1="${x(row.p50).toFixed(1)}" x2="${x(row.p99).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#bbb" stroke-width="6"/>`,
        );
      }
      for (const k of ['p50', 'p95', 'p99'] as const) {
        const v = row[k];
        if (!(v > 0 && Number.isFinite(v))) continue;
        parts.push(
          `<circle cx="${x(v).toFixed(1)}" cy="${cy}" r="5" fill="${grey ? '#999' : COLORS[k]}"><title>${escapeXml(`${row.label} ${k} ${v.toFixed(3)} ms`)}</title></circle>`,
        );
      }
      y += ROW_H;
    }
    for (const t of ticks(minMs, maxMs)) {
      parts.push(
        `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top}" y2="${y}" stroke="#ddd" stroke-dasharray="3,3"/>`,
        `<text x="${x(t).toFixed(1)}" y="${y + 13}" font-size="11" text-anchor="middle" fill="#555">${t >= 1 ? t.toFixed(0) : t}</text>`,
      );
    }
    y += PANEL_GAP - 20;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** Panels from summaries, one per route in the given order, rows in the given configuration order. */
export function chartPanels(
  summaries: readonly Summary[],
  routes: readonly { id: string; title: string }[],
  configs: readonly { id: string; title: string }[],
): ChartPanel[] {
  return routes
    .map((route) => ({
      title: route.title,
      rows: configs.flatMap((config) => {
        const s = summaries.find((x) => x.route === route.id && x.config === config.id);
        if (!s) return [];
        return [
          {
            label: config.title,
            p50: s.latency.p50,
            p95: s.latency.p95,
            p99: s.latency.p99,
            ...(s.activity === 'active' ? {} : { note: s.activity }),
          },
        ];
      }),
    }))
    .filter((p) => p.rows.length > 0);
}
