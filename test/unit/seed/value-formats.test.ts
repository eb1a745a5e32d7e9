import { describe, expect, it } from 'vitest';
import { createPrng, hash32 } from '../../../src/seed/prng.js';
import { isoDate, money, timeOfDay, unsafeBigint, uuidFor } from '../../../src/seed/value-formats.js';

describe('prng', () => {
  it('is a pure function of its seed', () => {
    const a = createPrng(42, 1);
    const b = createPrng(42, 1);
    const c = createPrng(42, 2);
    const seqA = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(seqA);
  });

  it('keeps int() within bounds and float() in [0, 1)', () => {
    const p = createPrng(7);
    for (let i = 0; i < 10_000; i += 1) {
      const n = p.int(3, 5);
      expect(n >= 3 && n <= 5).toBe(true);
      const f = p.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
    expect(hash32(1, 2)).not.toBe(hash32(2, 1));
  });
});

describe('value formats', () => {
  it('formats dates without reading the clock', () => {
    expect(isoDate(0)).toBe('2024-01-01');
    expect(isoDate(366)).toBe('2025-01-01');
    expect(isoDate(-1)).toBe('2023-12-31');
  });

  it('produces PostgreSQL time literals with and without fractions', () => {
    const p = createPrng(3);
    const times = Array.from({ length: 2000 }, () => timeOfDay(p));
    for (const t of times) expect(t).toMatch(/^\d\d:\d\d:\d\d(\.\d{1,6})?$/);
    expect(times.some((t) => /\.\d{1,2}$/.test(t))).toBe(true);
    expect(times.some((t) => /\.\d{5,6}$/.test(t))).toBe(true);
    expect(times.some((t) => !t.includes('.'))).toBe(true);
  });

  it('derives v4-shaped UUIDs that are unique per namespace by construction', () => {
    const seen = new Set<string>();
    for (let id = 1; id <= 200_000; id += 1) seen.add(uuidFor(42, 1, id));
    expect(seen.size).toBe(200_000);
    const sample = uuidFor(42, 1, 1);
    expect(sample).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidFor(42, 1, 1)).toBe(sample);
    expect(uuidFor(42, 2, 1)).not.toBe(sample);
  });

  it('makes int8 values a double cannot hold', () => {
    const v = unsafeBigint(0);
    expect(v).toBe('9007199254740993');
    expect(String(Number(v))).not.toBe(v);
    expect(BigInt(unsafeBigint(5))).toBeGreaterThan(2n ** 53n);
    expect(money(1234)).toBe('12.34');
    expect(money(5)).toBe('0.05');
  });
});
