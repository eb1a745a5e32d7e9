import { describe, expect, it } from 'vitest';
import { prescriptionBatches, type PrescriptionBatch } from '../../../src/seed/prescription-rows.js';
import { headerRows, apothekeRows } from '../../../src/seed/static-rows.js';
import { planTenant } from '../../../src/seed/tenant-plan.js';
import {
  APOTHEKE,
  HEADER,
  PRESCRIPTION_TYPES,
  typeTables,
  type PrescriptionType,
} from '../../../src/seed/tenant-tables.js';

const plan = planTenant({ prescriptions: 3000, seed: 42 });

function collect(type: PrescriptionType, batchHeads = 2000): PrescriptionBatch {
  const all: PrescriptionBatch = { heads: [], daten: [], status: [] };
  for (const b of prescriptionBatches(plan, type, batchHeads)) {
    all.heads.push(...b.heads);
    all.daten.push(...b.daten);
    all.status.push(...b.status);
  }
  return all;
}

/** CONTRACT §6.1.2 evaluated on generated rows: some daten row false, no status row 'ABGERECHNET'. */
function newIds(rows: PrescriptionBatch): number[] {
  const open = new Set(rows.daten.filter((d) => d[3] === false).map((d) => d[1] as number));
  const billed = new Set(rows.status.filter((s) => s[3] === 'ABGERECHNET').map((s) => s[1] as number));
  return [...open].filter((id) => !billed.has(id)).sort((a, b) => a - b);
}

describe('tenant plan', () => {
  it('splits types 30/10/60 and picks the requested share of new heads', () => {
    expect(plan.counts).toEqual({ emuster16: 900, prezept: 300, erezept: 1800 });
    expect(plan.newCounts).toEqual({ emuster16: 45, prezept: 15, erezept: 90 });
    expect(plan.headerCount).toBe(300);
  });

  it('keeps at least one new head for tiny databases', () => {
    const tiny = planTenant({ prescriptions: 10, seed: 1 });
    expect(tiny.newCounts.emuster16 + tiny.newCounts.prezept + tiny.newCounts.erezept).toBeGreaterThanOrEqual(
      3,
    );
    expect(planTenant({ prescriptions: 10, newShare: 0 }).newCounts).toEqual({
      emuster16: 0,
      prezept: 0,
      erezept: 0,
    });
  });
});

describe('prescription rows', () => {
  for (const type of PRESCRIPTION_TYPES) {
    it(`${type}: rows fit the table specs and exactly the planned heads are new`, () => {
      const rows = collect(type);
      const tables = typeTables(type);
      expect(rows.heads).toHaveLength(plan.counts[type]);
      for (const r of rows.heads) expect(r).toHaveLength(tables.head.columns.length);
      for (const r of rows.daten) expect(r).toHaveLength(tables.daten.columns.length);
      for (const r of rows.status) expect(r).toHaveLength(tables.status.columns.length);
      const ids = newIds(rows);
      expect(ids).toHaveLength(plan.newCounts[type]);
      expect(ids.at(-1)).toBe(plan.newestNew[type]);
      // spread over the id range, not clustered at one end
      expect(ids.some((id) => id <= plan.counts[type] / 3)).toBe(true);
      expect(ids.some((id) => id > (2 * plan.counts[type]) / 3)).toBe(true);
      expect(new Set(rows.daten.map((d) => d[2])).size).toBe(rows.daten.length);
    });
  }

  it('does not depend on the batch size', () => {
    expect(collect('prezept', 7)).toEqual(collect('prezept', 2000));
  });

  it('places the edge cases the API must survive', () => {
    const em = collect('emuster16');
    const p = collect('prezept');
    const e = collect('erezept');
    const unsafe = (v: unknown) => typeof v === 'string' && /^\d+$/.test(v) && BigInt(v) > 2n ** 53n;
    expect(em.heads.some((h) => unsafe(h[9]))).toBe(true); // muster16_id
    expect(p.heads.some((h) => unsafe(h[9]))).toBe(true); // transaktions_nummer
    expect(em.heads.some((h) => typeof h[9] === 'string' && !unsafe(h[9]))).toBe(true);
    // the newest new head of each type carries an unsafe id and the showcase payload
    expect(unsafe(em.heads[plan.newestNew.emuster16 - 1]?.[9])).toBe(true);
    const newestXml = e.daten.find((d) => d[1] === plan.newestNew.erezept && d[3] === false)?.[4] as string;
    expect(newestXml).toContain('😀');
    // UUIDs shared by eMuster16 and E-Rezept, among them the two newest new heads' first open rows
    const emUuids = new Set(em.daten.map((d) => d[2]));
    expect(e.daten.filter((d) => emUuids.has(d[2])).length).toBeGreaterThan(1);
    const firstOpen = (rows: PrescriptionBatch, head: number) =>
      rows.daten.find((d) => d[1] === head && d[3] === false)?.[2];
    expect(firstOpen(em, plan.newestNew.emuster16)).toBe(firstOpen(e, plan.newestNew.erezept));
    // transfer_arz NULL rows, lower daten PKs that are not the first open row, several open rows
    expect(e.daten.some((d) => d[3] === null)).toBe(true);
    const byHead = new Map<number, unknown[]>();
    for (const d of e.daten) byHead.set(d[1] as number, [...(byHead.get(d[1] as number) ?? []), d[3]]);
    expect([...byHead.values()].some((f) => f[0] !== false && f.includes(false))).toBe(true);
    expect([...byHead.values()].some((f) => f.filter((x) => x === false).length >= 2)).toBe(true);
  });

  it('writes pharmacies and headers that fit their tables', () => {
    for (const r of apothekeRows(plan)) expect(r).toHaveLength(APOTHEKE.columns.length);
    const headers = headerRows(plan, 1, plan.headerCount);
    expect(headers).toHaveLength(plan.headerCount);
    for (const r of headers) expect(r).toHaveLength(HEADER.columns.length);
    expect(new Set(headers.map((h) => h[7])).size).toBe(headers.length);
  });
});
