// Seeded pseudo-random numbers for the data generator (sfc32, 128-bit state) and stateless 32-bit
// hashing for values that must be a pure function of their inputs. Never Math.random, never the clock.

export interface Prng {
  /** Uniform unsigned 32-bit integer. */
  nextU32(): number;
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks an index by relative weights. */
  weighted(weights: readonly number[]): number;
}

/** Murmur3's finaliser: a bijection on 32-bit integers with good avalanche. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Order-sensitive hash of small integers (seeds, ids, salts) to one 32-bit value. */
export function hash32(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) h = fmix32((h ^ fmix32(part >>> 0)) + 0x7f4a7c15 + (h << 6) + (h >>> 2));
  return h >>> 0;
}

/** 32-bit hash of a string (for names used as salts). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

export function createPrng(...seedParts: readonly number[]): Prng {
  let a = hash32(...seedParts, 1);
  let b = hash32(...seedParts, 2);
  let c = hash32(...seedParts, 3);
  let d = hash32(...seedParts, 4) | 1;
  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i += 1) nextU32();
  const float = () => nextU32() / 4294967296;
  return {
    nextU32,
    float,
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    chance: (p) => float() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(float() * items.length)] as T;
    },
    weighted: (weights) => {
      let total = 0;
      for (const w of weights) total += w;
      let r = float() * total;
      for (let i = 0; i < weights.length; i += 1) {
        r -= weights[i] ?? 0;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
  };
}
