// Text forms of generated values (dates, times with fractions, UUIDs, 64-bit ids) — all pure functions of
// their inputs, so regenerated data is byte-identical. No clock is read.
import { fmix32, hash32, type Prng } from './prng.js';

const DAY_MS = 86_400_000;
const BASE_DAY = Date.UTC(2024, 0, 1) / DAY_MS;

const dateCache = new Map<number, string>();

/** ISO date `YYYY-MM-DD` for a day offset from 2024-01-01 (memoised: the generator asks millions of times). */
export function isoDate(dayOffset: number): string {
  let text = dateCache.get(dayOffset);
  if (text === undefined) {
    text = new Date((BASE_DAY + dayOffset) * DAY_MS).toISOString().slice(0, 10);
    if (dateCache.size < 100_000) dateCache.set(dayOffset, text);
  }
  return text;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * A time of day as PostgreSQL `time` input. Mixes whole seconds with 2- and 6-digit fractions
 * (values the JSON writer must reproduce), plus the two extremes of the day now and then.
 */
export function timeOfDay(prng: Prng): string {
  const r = prng.float();
  if (r < 0.005) return '00:00:00';
  if (r < 0.01) return '23:59:59.999999';
  const base = `${pad2(prng.int(6, 21))}:${pad2(prng.int(0, 59))}:${pad2(prng.int(0, 59))}`;
  if (r < 0.5) return base;
  if (r < 0.75) return `${base}.${pad2(prng.int(1, 99))}`.replace(/0$/, '');
  return `${base}.${String(prng.int(1, 999_999)).padStart(6, '0')}`.replace(/0+$/, '');
}

/**
 * A v4-formatted UUID that is a pure function of (seed, namespace, id). The first group is a bijection of
 * `id` for a fixed seed and namespace, so UUIDs are unique within a namespace by construction.
 */
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex8 = (v: number) =>
  (HEX_BYTE[(v >>> 24) & 0xff] as string) +
  (HEX_BYTE[(v >>> 16) & 0xff] as string) +
  (HEX_BYTE[(v >>> 8) & 0xff] as string) +
  (HEX_BYTE[v & 0xff] as string);

export function uuidFor(seed: number, namespace: number, id: number): string {
  const w0 = fmix32((id ^ hash32(seed, namespace, 0x51)) >>> 0);
  // The other groups are further mixes of w0 (cheap; uniqueness already comes from w0).
  const w1 = fmix32((w0 ^ 0x68e31da4) >>> 0);
  const w2 = (fmix32((w1 + 0xb5297a4d) >>> 0) & 0x3fffffff) | 0x80000000; // RFC 4122 variant bits
  const w3 = fmix32((w2 ^ 0x1b56c4e9) >>> 0);
  const h1 = hex8(w1);
  const h2 = hex8(w2);
  return `${hex8(w0)}-${h1.slice(0, 4)}-4${h1.slice(5, 8)}-${h2.slice(0, 4)}-${h2.slice(4)}${hex8(w3)}`;
}

/** 2^53 + 1: the smallest positive integer a JavaScript number cannot hold. */
export const UNSAFE_INTEGER_BASE = 9_007_199_254_740_993n;

/** An int8 value above 2^53 (odd, so a double rounds it); `k` spreads them apart. */
export function unsafeBigint(k: number): string {
  return (UNSAFE_INTEGER_BASE + 2n * BigInt(k)).toString();
}

/** Fixed-point money text with two decimals from a cent amount. */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${pad2(abs % 100)}`;
}
