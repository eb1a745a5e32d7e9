// The list-count memo against fake epochs, a fake bypass oracle and a fake clock: a count is used only under
// the epoch it was read under and while the tenant's feed is up, never stored when the feed is down or the
// epoch moved during the count, bounded in age and in tenants (least recently used evicted).
import { describe, expect, it } from 'vitest';
import type { BypassReason, EpochSnapshot } from '../../../src/core/cache-port.js';
import { CountMemo, type CountMemoOptions } from '../../../src/prescriptions/count-memo.js';
import type { PrescriptionType } from '../../../src/prescriptions/prescription-types.js';

const ALL: PrescriptionType[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];
const E: PrescriptionType[] = ['E-Rezept'];
const ROUTE = 'v2-rezept-list';

function harness(options: Partial<CountMemoOptions> = {}) {
  const epochs = new Map<number, number>();
  const down = new Map<number, BypassReason>();
  const lookups: string[] = [];
  let nowMs = 1000;
  const memo = new CountMemo({
    epochs: {
      peek: (id): EpochSnapshot | undefined => {
        const epoch = epochs.get(id);
        return epoch === undefined ? undefined : { epoch, shared: false };
      },
    },
    bypass: { bypassReason: (id) => down.get(id) },
    maxAgeMs: 60_000,
    now: () => nowMs,
    onLookup: (route, outcome) => lookups.push(`${route}:${outcome}`),
    ...options,
  });
  // Tenants 1..3 watched with their feed up, epoch 1.
  for (const id of [1, 2, 3]) epochs.set(id, 1);
  return {
    memo,
    epochs,
    down,
    lookups,
    advance: (ms: number) => {
      nowMs += ms;
    },
    bump: (id: number) => epochs.set(id, (epochs.get(id) ?? 0) + 1),
    /** A lookup whose miss is answered by "SQL" with `counts`. */
    fill(tenantId: number, types: PrescriptionType[], counts: Record<string, number>) {
      const lookup = memo.lookup({ tenantId, routeId: ROUTE, types });
      lookup.remember(counts);
      return lookup;
    },
    known: (tenantId: number, types: PrescriptionType[] = ALL) =>
      memo.lookup({ tenantId, routeId: ROUTE, types }).knownCounts,
  };
}

const COUNTS = { eMuster16: 5, 'P-Rezept': 0, 'E-Rezept': 20 };

describe('CountMemo', () => {
  it('misses, remembers what was counted, then hits with the counts of every selected type', () => {
    const h = harness();
    expect(h.fill(1, ALL, COUNTS).outcome).toBe('miss');
    const hit = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL });
    expect(hit).toMatchObject({ outcome: 'hit', knownCounts: COUNTS });
    // One type of a remembered selection is known too; counts are per tenant, not per route.
    expect(h.memo.lookup({ tenantId: 1, routeId: 'other', types: E }).knownCounts).toEqual({
      'E-Rezept': 20,
    });
    expect(h.lookups).toEqual([`${ROUTE}:miss`, `${ROUTE}:hit`, 'other:hit']);
    // Tenants are separate.
    expect(h.known(2)).toBeUndefined();
  });

  it('hits only when every selected type is known; types remembered separately add up', () => {
    const h = harness();
    h.fill(1, E, { 'E-Rezept': 20 });
    expect(h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL }).outcome).toBe('miss');
    h.fill(1, ['eMuster16'], { eMuster16: 5 });
    h.fill(1, ['P-Rezept'], { 'P-Rezept': 0 });
    expect(h.known(1)).toEqual(COUNTS);
  });

  it('an epoch bump (NOTIFY, forwarded write, reconnect) makes every remembered count a miss', () => {
    const h = harness();
    h.fill(1, ALL, COUNTS);
    h.bump(1);
    const lookup = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL });
    expect(lookup.outcome).toBe('miss');
    expect(lookup.knownCounts).toBeUndefined();
    // The old epoch's values are gone for good; the new count is remembered under the new epoch.
    lookup.remember({ ...COUNTS, 'E-Rezept': 19 });
    expect(h.known(1)).toEqual({ ...COUNTS, 'E-Rezept': 19 });
  });

  it('while the feed is down (or not yet watched) nothing is used and nothing is stored', () => {
    const h = harness();
    h.fill(1, ALL, COUNTS);
    for (const reason of [
      'listener-down',
      'listener-connecting',
      'triggers-unverified',
      'not-watched',
    ] as const) {
      h.down.set(1, reason);
      const lookup = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL });
      expect(lookup).toMatchObject({ outcome: 'bypass', knownCounts: undefined });
      lookup.remember({ ...COUNTS, 'E-Rezept': 7 });
    }
    // Same epoch, feed up again (a real reconnect would also bump): what was stored before is still the
    // only value; nothing counted during the outage was kept.
    h.down.delete(1);
    expect(h.known(1)).toEqual(COUNTS);

    h.down.set(2, 'listener-down');
    h.fill(2, ALL, COUNTS);
    h.down.delete(2);
    expect(h.memo.lookup({ tenantId: 2, routeId: ROUTE, types: ALL }).outcome).toBe('miss');
    expect(h.lookups.filter((l) => l.endsWith('bypass'))).toHaveLength(5);
  });

  it('an unknown epoch means no memo', () => {
    const h = harness();
    expect(h.fill(9, ALL, COUNTS).outcome).toBe('bypass');
    h.epochs.set(9, 1);
    expect(h.memo.lookup({ tenantId: 9, routeId: ROUTE, types: ALL }).outcome).toBe('miss');
  });

  it('reads the epoch before the count: a bump during the count means the value is never used', () => {
    const h = harness();
    const lookup = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL }); // epoch 1 read here
    h.bump(1); // a change commits while the statement runs; its NOTIFY arrives
    lookup.remember(COUNTS); // read under epoch 1: it may predate the change
    expect(h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL }).outcome).toBe('miss');
    expect(h.known(1)).toBeUndefined();
  });

  it('a slow count of an old epoch does not replace the current epoch`s value', () => {
    const h = harness();
    const slow = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL });
    h.bump(1);
    h.fill(1, ALL, { ...COUNTS, 'E-Rezept': 21 });
    slow.remember(COUNTS);
    expect(h.known(1)).toEqual({ ...COUNTS, 'E-Rezept': 21 });
  });

  it('a feed that goes down during the count keeps the value out', () => {
    const h = harness();
    const lookup = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL });
    h.down.set(1, 'listener-down');
    lookup.remember(COUNTS);
    h.down.delete(1);
    expect(h.known(1)).toBeUndefined();
  });

  it('uses a count at most maxAgeMs after the lookup that read it; hits do not extend it', () => {
    const h = harness({ maxAgeMs: 5000 });
    h.fill(1, ALL, COUNTS);
    h.advance(4999);
    const hit = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL });
    expect(hit.outcome).toBe('hit');
    hit.remember(COUNTS); // a hit's counts are the memo's own: not stored again
    h.advance(1);
    const expired = h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL });
    expect(expired.outcome).toBe('miss');
    expired.remember(COUNTS);
    h.advance(4999);
    expect(h.known(1)).toEqual(COUNTS);
  });

  it('keeps at most maxTenants tenants, evicting the least recently used', () => {
    const h = harness({ maxTenants: 2 });
    h.fill(1, ALL, COUNTS);
    h.fill(2, ALL, COUNTS);
    expect(h.known(1)).toEqual(COUNTS); // 1 is now more recent than 2
    h.fill(3, ALL, COUNTS);
    expect(h.memo.size).toBe(2);
    expect(h.known(2)).toBeUndefined();
    expect(h.known(1)).toEqual(COUNTS);
    expect(h.known(3)).toEqual(COUNTS);
  });

  it('maxAgeMs 0 turns it off; bad options are refused', () => {
    const h = harness({ maxAgeMs: 0 });
    expect(h.fill(1, ALL, COUNTS).outcome).toBe('bypass');
    expect(h.memo.lookup({ tenantId: 1, routeId: ROUTE, types: ALL }).outcome).toBe('bypass');
    expect(() => harness({ maxAgeMs: -1 })).toThrow(RangeError);
    expect(() => harness({ maxTenants: 0 })).toThrow(RangeError);
  });
});
