// The background recount in front of a real CountMemo with fake epochs, a fake feed state and a fake
// counting database: after an epoch change of a recently read tenant the counts are recounted once
// (coalesced) and the next read is a hit with the new counts; nothing is counted or stored when the memo
// would not keep it, a failure is reported, and at most maxConcurrent recounts run at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BypassReason, EpochSnapshot } from '../../../src/core/cache-port.js';
import type { Tenant } from '../../../src/core/principal.js';
import { CountMemo } from '../../../src/prescriptions/count-memo.js';
import { CountRefresher } from '../../../src/prescriptions/count-refresher.js';
import type { TypeCounts } from '../../../src/prescriptions/fast-queries.js';
import type { PrescriptionType } from '../../../src/prescriptions/prescription-types.js';

const tenant = (id: number): Tenant => ({ datenbankId: id, connectionString: `Host=db;Database=t${id}` });
const E: PrescriptionType[] = ['E-Rezept'];

function harness(options: { maxConcurrent?: number; activeForMs?: number } = {}) {
  const epochs = new Map<number, number>([
    [1, 1],
    [2, 1],
    [3, 1],
  ]);
  const down = new Map<number, BypassReason>();
  let nowMs = 0;
  const memo = new CountMemo({
    epochs: {
      peek: (id): EpochSnapshot | undefined =>
        epochs.has(id) ? { epoch: epochs.get(id) as number, shared: false } : undefined,
    },
    bypass: { bypassReason: (id) => down.get(id) },
    maxAgeMs: 60_000,
    now: () => nowMs,
  });
  /** What the database counts right now, per tenant. */
  const truth = new Map<number, Record<string, number>>();
  const counted: { tenantId: number; types: readonly PrescriptionType[] }[] = [];
  let release: (() => void)[] = [];
  let hold = false;
  const outcomes: string[] = [];
  const errors: number[] = [];
  let fail = false;
  const refresher = new CountRefresher({
    memo,
    activeForMs: options.activeForMs ?? 60_000,
    delayMs: 10,
    ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
    now: () => nowMs,
    count: async (t, types): Promise<TypeCounts> => {
      counted.push({ tenantId: t.datenbankId, types });
      if (hold) await new Promise<void>((resolve) => release.push(resolve));
      if (fail) throw new Error('connection refused');
      const all = truth.get(t.datenbankId) ?? {};
      return Object.fromEntries(types.map((type) => [type, all[type] ?? 0]));
    },
    onRecount: (outcome) => outcomes.push(outcome),
    onError: (_err, id) => errors.push(id),
  });
  /** A list read as the sql executor does it: lookup, and on a miss count "in SQL" and remember. */
  const read = (id: number, types: PrescriptionType[] = E) => {
    const lookup = refresher.lookup({ tenantId: id, tenant: tenant(id), routeId: 'v2-rezept-list', types });
    if (lookup.outcome === 'miss') {
      const all = truth.get(id) ?? {};
      lookup.remember(Object.fromEntries(types.map((type) => [type, all[type] ?? 0])));
    }
    return lookup;
  };
  const bump = (id: number) => {
    epochs.set(id, (epochs.get(id) as number) + 1);
    refresher.epochChanged(id);
  };
  return {
    refresher,
    truth,
    counted,
    outcomes,
    errors,
    down,
    read,
    bump,
    advance: (ms: number) => (nowMs += ms),
    holdCounts: () => (hold = true),
    releaseCounts: () => {
      hold = false;
      const pending = release;
      release = [];
      for (const r of pending) r();
    },
    failCounts: () => (fail = true),
  };
}

const settle = async () => {
  await vi.advanceTimersByTimeAsync(20);
  await vi.advanceTimersByTimeAsync(0);
};

describe('CountRefresher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('recounts a recently read tenant after its epoch changed; the next read is a hit with the new count', async () => {
    const h = harness();
    h.truth.set(1, { 'E-Rezept': 20 });
    expect(h.read(1).outcome).toBe('miss');
    expect(h.read(1).outcome).toBe('hit');
    h.truth.set(1, { 'E-Rezept': 19 }); // a prescription was billed
    h.bump(1);
    await settle();
    expect(h.counted).toEqual([{ tenantId: 1, types: E }]);
    expect(h.outcomes).toEqual(['counted']);
    const next = h.read(1);
    expect(next.outcome).toBe('hit');
    expect(next.knownCounts).toEqual({ 'E-Rezept': 19 });
  });

  it('recounts every type the tenant was read with, in block order', async () => {
    const h = harness();
    h.read(1, ['E-Rezept']);
    h.read(1, ['eMuster16']);
    h.bump(1);
    await settle();
    expect(h.counted).toEqual([{ tenantId: 1, types: ['eMuster16', 'E-Rezept'] }]);
  });

  it('coalesces a burst of changes into one recount, and a change during a recount into exactly one more', async () => {
    const h = harness();
    h.read(1);
    for (let i = 0; i < 5; i++) h.bump(1);
    h.holdCounts();
    await settle();
    expect(h.counted).toHaveLength(1);
    h.bump(1);
    h.bump(1);
    h.releaseCounts();
    await settle();
    await settle();
    expect(h.counted).toHaveLength(2);
    // The first recount read an epoch that moved before it finished: not stored ('counted' is handed over,
    // the memo refuses it); the second one is current.
    expect(h.read(1).outcome).toBe('hit');
  });

  it('does not recount tenants never read, or not read within activeForMs', async () => {
    const h = harness({ activeForMs: 1000 });
    h.bump(2); // never read
    h.read(1);
    h.advance(1001);
    h.bump(1);
    await settle();
    expect(h.counted).toEqual([]);
  });

  it('counts nothing while the tenant feed is down (the memo would not keep it)', async () => {
    const h = harness();
    h.read(1);
    h.down.set(1, 'listener-down');
    h.bump(1);
    await settle();
    expect(h.counted).toEqual([]);
    expect(h.outcomes).toEqual(['skipped']);
  });

  it('reports a failed recount; the next read counts itself', async () => {
    const h = harness();
    h.read(1);
    h.failCounts();
    h.bump(1);
    await settle();
    expect(h.errors).toEqual([1]);
    expect(h.outcomes).toEqual(['failed']);
    expect(h.read(1).outcome).toBe('miss');
  });

  it('runs at most maxConcurrent recounts at once', async () => {
    const h = harness({ maxConcurrent: 1 });
    h.read(1);
    h.read(2);
    h.holdCounts();
    h.bump(1);
    h.bump(2);
    await settle();
    expect(h.counted.map((c) => c.tenantId)).toEqual([1]);
    h.releaseCounts();
    h.holdCounts();
    await settle();
    expect(h.counted.map((c) => c.tenantId)).toEqual([1, 2]);
    h.releaseCounts();
    await settle();
  });

  it('schedules nothing after close()', async () => {
    const h = harness();
    h.read(1);
    h.refresher.close();
    h.bump(1);
    await settle();
    expect(h.counted).toEqual([]);
  });
});
