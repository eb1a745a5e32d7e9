// The date/time texts System.Text.Json writes for the legacy DTOs (CONTRACT §3.2), and a sub-millisecond
// UTC clock standing in for DateTime.UtcNow. Pure formatting: no time zones, no locale, no I/O.
import { hrtime } from 'node:process';
import { EdgeError } from '../errors.js';

const TICKS_PER_SECOND = 10_000_000n;
const TICKS_PER_MS = 10_000n;
// DateTime's range: 0001-01-01T00:00:00 up to, not including, 10000-01-01T00:00:00 (Unix seconds).
const MIN_UNIX_SECONDS = -62_135_596_800n;
const END_UNIX_SECONDS = 253_402_300_800n;

/** 0..9_999_999 ticks -> "" or "." + up to 7 digits without trailing zeros (DateTime's "FFFFFFF"). */
function trimmedFraction(ticks: number): string {
  if (ticks === 0) return '';
  return '.' + String(ticks).padStart(7, '0').replace(/0+$/, '');
}

/**
 * A DateTime of Kind Utc (`deliveryTimestamp`, `responseTimestamp`) as STJ writes it:
 * `yyyy-MM-ddTHH:mm:ss[.fffffff]Z`, fraction trimmed of trailing zeros and omitted when zero.
 * `ticks` counts 100 ns since the Unix epoch (see createUtcClock).
 */
export function formatUtcTicks(ticks: bigint): string {
  let seconds = ticks / TICKS_PER_SECOND;
  let fraction = ticks % TICKS_PER_SECOND;
  if (fraction < 0n) {
    fraction += TICKS_PER_SECOND;
    seconds -= 1n;
  }
  if (seconds < MIN_UNIX_SECONDS || seconds >= END_UNIX_SECONDS) {
    throw new EdgeError('EDGE_INTERNAL', `formatUtcTicks: ${ticks} is outside the range of DateTime`);
  }
  // toISOString is "yyyy-MM-ddTHH:mm:ss.sssZ" for years 0..9999; the first 19 characters are exact.
  return (
    new Date(Number(seconds) * 1000).toISOString().slice(0, 19) + trimmedFraction(Number(fraction)) + 'Z'
  );
}

// How far the hrtime-extrapolated value may stray from Date.now() before the clock re-anchors
// (NTP steps, VM pauses). Normal jitter is below 1 ms because Date.now() truncates to milliseconds.
const REANCHOR_TICKS = 5n * TICKS_PER_MS;

/**
 * A stand-in for DateTime.UtcNow with sub-millisecond resolution: Date.now() (ms) anchors
 * process.hrtime (ns). Values are 100-ns ticks since the Unix epoch and strictly increase from call to
 * call, so per-item timestamps of one response are distinct and ordered as in the legacy (§3.7).
 * Invariants: each value lies within 5 ms of `nowMs()` unless the wall clock stepped backwards; after a
 * backward step the clock advances one tick per call until wall time catches up, instead of going back.
 */
export function createUtcClock(nowMs: () => number = Date.now): () => bigint {
  const wallTicks = (): bigint => BigInt(Math.floor(nowMs())) * TICKS_PER_MS;
  let anchorTicks = wallTicks();
  let anchorNs = hrtime.bigint();
  let last = anchorTicks - 1n;
  return () => {
    const ns = hrtime.bigint();
    const wall = wallTicks();
    let ticks = anchorTicks + (ns - anchorNs) / 100n;
    if (ticks < wall - REANCHOR_TICKS || ticks > wall + REANCHOR_TICKS) {
      anchorTicks = wall;
      anchorNs = ns;
      ticks = wall;
    }
    if (ticks <= last) ticks = last + 1n;
    last = ticks;
    return ticks;
  };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// PostgreSQL `time` text is HH:MM:SS[.ffffff]; 7 digits are accepted for values made in .NET terms.
const ISO_TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

function invalid(what: string, text: string): EdgeError {
  return new EdgeError('EDGE_INTERNAL', `${what}: ${JSON.stringify(text.slice(0, 40))} is not a valid value`);
}

function checkedDate(date: string): string {
  const m = ISO_DATE.exec(date);
  const [year, month, day] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  // setUTCFullYear, unlike Date.UTC, does not map years below 100 to 19xx; a rolled-over field
  // (2025-02-30 -> March) shows up as a mismatch.
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  if (m === null || year < 1 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw invalid('date', date);
  }
  return date;
}

/** [HH:mm:ss, fraction digits as 7-digit tick count]; rejects 24:00:00, which DateTime/TimeOnly cannot hold. */
function checkedTime(time: string): [string, number] {
  const m = ISO_TIME.exec(time);
  if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) throw invalid('time', time);
  return [time.slice(0, 8), Number((m[4] ?? '').padEnd(7, '0'))];
}

/**
 * A DateTime of Kind Unspecified built from PostgreSQL ISO texts of a `date` and an optional `time`
 * (`statusAbfrageDatum`, `statusAbfrageZeit`, `lastUpdated`): `2025-11-03T00:00:00` when time is
 * null, else `2025-11-04T08:15:30.25` (fraction trimmed of trailing zeros, as .NET does).
 */
export function formatUnspecifiedDateTime(date: string, time: string | null): string {
  const day = checkedDate(date);
  if (time === null) return day + 'T00:00:00';
  const [hms, fraction] = checkedTime(time);
  return day + 'T' + hms + trimmedFraction(fraction);
}

/**
 * A TimeOnly (`aenZeit`) in TimeSpan's constant format: `HH:mm:ss` when the sub-second part is
 * zero, otherwise exactly seven fraction digits (`14:22:05.1234570`), from PostgreSQL `time` text.
 */
export function formatTimeOnly(time: string): string {
  const [hms, fraction] = checkedTime(time);
  return fraction === 0 ? hms : hms + '.' + String(fraction).padStart(7, '0');
}
