// stj-datetime: the §3.2 formats (Utc, Unspecified, TimeOnly) and the monotonic sub-millisecond clock.
import { describe, expect, it } from 'vitest';
import { isEdgeError } from '../../../src/errors.js';
import {
  createUtcClock,
  formatTimeOnly,
  formatUnspecifiedDateTime,
  formatUtcTicks,
} from '../../../src/core/stj-datetime.js';

const ticksOf = (iso: string, fraction = 0n) => BigInt(Date.parse(iso)) * 10_000n + fraction;

function expectInternalError(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isEdgeError(caught, 'EDGE_INTERNAL')).toBe(true);
}

describe('formatUtcTicks', () => {
  it('trims the 7-digit fraction and omits it when zero (§3.2 examples)', () => {
    expect(formatUtcTicks(ticksOf('2025-11-04T09:41:12Z', 3456781n))).toBe('2025-11-04T09:41:12.3456781Z');
    expect(formatUtcTicks(ticksOf('2025-11-04T09:41:12Z', 3500000n))).toBe('2025-11-04T09:41:12.35Z');
    expect(formatUtcTicks(ticksOf('2025-11-04T09:41:12Z'))).toBe('2025-11-04T09:41:12Z');
    expect(formatUtcTicks(ticksOf('2025-11-04T09:41:12Z', 1n))).toBe('2025-11-04T09:41:12.0000001Z');
    expect(formatUtcTicks(ticksOf('2025-11-04T09:41:12Z', 10_000n))).toBe('2025-11-04T09:41:12.001Z');
  });

  it('handles the epoch, times before it and the ends of the DateTime range', () => {
    expect(formatUtcTicks(0n)).toBe('1970-01-01T00:00:00Z');
    expect(formatUtcTicks(-1n)).toBe('1969-12-31T23:59:59.9999999Z');
    expect(formatUtcTicks(-62_135_596_800n * 10_000_000n)).toBe('0001-01-01T00:00:00Z');
    expect(formatUtcTicks(253_402_300_800n * 10_000_000n - 1n)).toBe('9999-12-31T23:59:59.9999999Z');
    expectInternalError(() => formatUtcTicks(-62_135_596_800n * 10_000_000n - 1n));
    expectInternalError(() => formatUtcTicks(253_402_300_800n * 10_000_000n));
  });
});

describe('createUtcClock', () => {
  it('starts at the injected wall time, strictly increases and stays within 5 ms of it', () => {
    const baseMs = Date.UTC(2025, 10, 4, 9, 41, 12, 345);
    const startedAt = performance.now();
    const nowMs = () => baseMs + (performance.now() - startedAt);
    const clock = createUtcClock(nowMs);
    let previous = clock();
    expect(previous).toBeGreaterThanOrEqual(BigInt(baseMs) * 10_000n);
    for (let i = 0; i < 10_000; i++) {
      const next = clock();
      expect(next > previous).toBe(true);
      previous = next;
    }
    const drift = previous - BigInt(Math.floor(nowMs())) * 10_000n;
    expect(drift > -60_000n && drift < 60_000n).toBe(true);
  });

  it('holds close to a frozen wall clock instead of running away from it', () => {
    const wallMs = Date.UTC(2025, 10, 4, 9, 41, 12, 345);
    const clock = createUtcClock(() => wallMs);
    let last = 0n;
    for (let i = 0; i < 1000; i++) last = clock();
    expect(last).toBeLessThan(BigInt(wallMs) * 10_000n + 50_000n + 1000n + 1n);
  });

  it('resolves below a millisecond', () => {
    const clock = createUtcClock();
    const values = Array.from({ length: 200 }, () => clock());
    expect(values.some((t) => t % 10_000n !== 0n)).toBe(true);
    const wall = BigInt(Date.now()) * 10_000n;
    expect(values.at(-1)! <= wall + 60_000n).toBe(true);
  });

  it('follows a forward jump of the wall clock and never goes back on a backward one', () => {
    let wallMs = Date.UTC(2025, 0, 1);
    const clock = createUtcClock(() => wallMs);
    const before = clock();
    wallMs += 60_000;
    const afterForward = clock();
    expect(afterForward - before).toBeGreaterThanOrEqual(600_000_000n - 60_000n);
    wallMs -= 3_600_000;
    const afterBackward = clock();
    expect(afterBackward > afterForward).toBe(true);
    expect(clock() > afterBackward).toBe(true);
  });
});

describe('formatUnspecifiedDateTime', () => {
  it.each([
    ['2025-11-03', null, '2025-11-03T00:00:00'],
    ['2025-11-03', '14:22:05', '2025-11-03T14:22:05'],
    ['2025-11-04', '08:15:30.25', '2025-11-04T08:15:30.25'],
    ['2025-11-04', '08:15:30.123456', '2025-11-04T08:15:30.123456'],
    ['2025-11-04', '08:15:30.250000', '2025-11-04T08:15:30.25'],
    ['2025-11-04', '08:15:30.000000', '2025-11-04T08:15:30'],
    ['2025-11-04', '23:59:59.9999999', '2025-11-04T23:59:59.9999999'],
    ['2024-02-29', '00:00:00', '2024-02-29T00:00:00'],
    ['0001-01-01', null, '0001-01-01T00:00:00'],
  ])('%s + %s -> %s', (date, time, expected) => {
    expect(formatUnspecifiedDateTime(date, time)).toBe(expected);
  });

  it.each([
    ['2025-11-03 BC', null],
    ['10000-01-01', null],
    ['infinity', null],
    ['0000-01-01', null],
    ['2025-02-29', null],
    ['2025-13-01', null],
    ['2025-04-31', null],
    ['2025-11-03', '24:00:00'],
    ['2025-11-03', '12:60:00'],
    ['2025-11-03', '12:00'],
    ['2025-11-03', '12:00:00.12345678'],
    ['2025-11-03', '12:00:00+01'],
  ])('rejects %s + %s', (date, time) => {
    expectInternalError(() => formatUnspecifiedDateTime(date, time));
  });
});

describe('formatTimeOnly', () => {
  it.each([
    ['14:22:05', '14:22:05'],
    ['14:22:05.123457', '14:22:05.1234570'],
    ['14:22:05.5', '14:22:05.5000000'],
    ['14:22:05.000000', '14:22:05'],
    ['00:00:00', '00:00:00'],
    ['23:59:59.9999999', '23:59:59.9999999'],
  ])('%s -> %s', (time, expected) => {
    expect(formatTimeOnly(time)).toBe(expected);
  });

  it('rejects text that is not a time of day', () => {
    expectInternalError(() => formatTimeOnly('24:00:00'));
    expectInternalError(() => formatTimeOnly('1:02:03'));
    expectInternalError(() => formatTimeOnly(''));
  });
});
