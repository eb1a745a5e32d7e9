import { describe, expect, it } from 'vitest';
import {
  HEALTH_CHECK_ACTIVATION,
  renderDeveloperExceptionPage,
} from '../../../src/emulator/developer-exception-page.js';
import { normalizePathBase, resolveLegacySettings } from '../../../src/emulator/emulator-config.js';
import { createLocalClock, toPgTime } from '../../../src/emulator/local-clock.js';

describe('resolveLegacySettings (§11, Q13, Q15)', () => {
  it('maps the hosting environment to the environment value, MaxPageSize and Development features', () => {
    const s = (environment?: string, maxPageSize?: number) => {
      const r = resolveLegacySettings({ environment, maxPageSize });
      return [r.environmentValue, r.maxPageSize, r.isDevelopment];
    };
    expect(s()).toEqual(['Development', 500, true]);
    expect(s('Production')).toEqual(['Production', 500, false]);
    expect(s('Test')).toEqual(['Test', 1000, false]);
    expect(s('staging')).toEqual(['Staging', 10000, false]);
    expect(s('Live')).toEqual(['Live', 100000, false]);
    expect(s('Live', 42)).toEqual(['Live', 42, false]);
    expect(resolveLegacySettings().maxBulkSize).toBe(1000);
  });

  it('normalizes the path base and rejects unknown time zones', () => {
    expect(normalizePathBase('ArzTi3/')).toBe('/ArzTi3');
    expect(normalizePathBase('/')).toBe('');
    expect(() => resolveLegacySettings({ timeZone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
  });
});

describe('createLocalClock', () => {
  it('gives the wall clock of the zone with 7 fraction digits', () => {
    // 2025-03-30T00:59:59.1234567Z is 01:59:59 CET; one second later it is 03:00:00 CEST.
    const base = BigInt(Date.UTC(2025, 2, 30, 0, 59, 59)) * 10_000n + 1_234_567n;
    let next = base;
    const clock = createLocalClock('Europe/Berlin', () => next);
    expect(clock.now()).toEqual({ date: '2025-03-30', time: '01:59:59.1234567' });
    next = base + 10_000_000n;
    expect(clock.now()).toEqual({ date: '2025-03-30', time: '03:00:00.1234567' });
    next = BigInt(Date.UTC(2025, 11, 31, 23, 30)) * 10_000n;
    expect(clock.today()).toBe('2026-01-01');
    expect(toPgTime('14:22:05.1234567')).toBe('14:22:05.123456');
  });
});

describe('renderDeveloperExceptionPage', () => {
  it('dumps Exception.ToString() and the request headers as CRLF text', () => {
    const page = renderDeveloperExceptionPage(HEALTH_CHECK_ACTIVATION, undefined, [
      'Host',
      'x',
      'X-A',
      '1',
      'x-a',
      '2',
    ]);
    expect(page.contentType).toBe('text/plain; charset=utf-8');
    expect(page.body).toMatch(/^System\.InvalidOperationException: Unable to resolve service for type/);
    expect(page.body.endsWith('\r\n\r\nHEADERS\r\n=======\r\nHost: x\r\nX-A: 1,2\r\n')).toBe(true);
    expect(renderDeveloperExceptionPage(HEALTH_CHECK_ACTIVATION, 'text/html', []).contentType).toBe(
      'text/html; charset=utf-8',
    );
  });
});
