// The shape of one generated tenant database, fixed before any row is produced: how many heads of each
// type, which header rows they hang off, which heads are "new" (CONTRACT §6.1.2) and which rows carry
// UUIDs shared across two type tables. Pure functions of the options.
import { createPrng, hash32 } from './prng.js';
import { PRESCRIPTION_TYPES, type PrescriptionType } from './tenant-tables.js';
import { isoDate, timeOfDay } from './value-formats.js';

export interface TenantPlanOptions {
  /** Prescription heads over all three types. */
  prescriptions: number;
  /** Share of heads that are "new" (default 0.05), spread uniformly over each type's id range. */
  newShare?: number;
  seed?: number;
  /** Relative type shares; default 30% eMuster16, 10% P-Rezept, 60% E-Rezept (PERFORMANCE-NOTES). */
  typeShares?: Readonly<Record<PrescriptionType, number>>;
}

export interface TenantPlan {
  seed: number;
  newShare: number;
  counts: Readonly<Record<PrescriptionType, number>>;
  /** First header id minus one of each type's header range. */
  headerOffset: Readonly<Record<PrescriptionType, number>>;
  headerCount: number;
  /** The highest head id that is new, per type (0 if none). */
  newestNew: Readonly<Record<PrescriptionType, number>>;
  newCounts: Readonly<Record<PrescriptionType, number>>;
}

export const DEFAULT_TYPE_SHARES: Readonly<Record<PrescriptionType, number>> = {
  emuster16: 0.3,
  prezept: 0.1,
  erezept: 0.6,
};
/** Heads per er_senderezepte_header row (one delivery of one type). */
export const HEADS_PER_HEADER = 10;
/** New heads are chosen per block of this many ids: exact counts, uniform spread. */
const NEW_BLOCK = 1000;
/** Days covered by the generated deliveries (2024-01-01 onwards). */
const SPAN_DAYS = 700;
export const PHARMACY_COUNT = 24;

export const TYPE_INDEX: Readonly<Record<PrescriptionType, number>> = {
  emuster16: 1,
  prezept: 2,
  erezept: 3,
};

export function planTenant(options: TenantPlanOptions): TenantPlan {
  const total = Math.floor(options.prescriptions);
  if (!Number.isFinite(total) || total < 0) throw new Error('prescriptions must be a non-negative integer');
  if (total > 2_000_000_000) throw new Error('prescriptions must fit the integer primary keys');
  const newShare = options.newShare ?? 0.05;
  if (!(newShare >= 0 && newShare <= 1)) throw new Error('newShare must be within [0, 1]');
  const shares = options.typeShares ?? DEFAULT_TYPE_SHARES;
  const shareSum = shares.emuster16 + shares.prezept + shares.erezept;
  const emuster16 = Math.round((total * shares.emuster16) / shareSum);
  const prezept = Math.min(total - emuster16, Math.round((total * shares.prezept) / shareSum));
  const counts = { emuster16, prezept, erezept: total - emuster16 - prezept };
  const groups = (n: number) => Math.ceil(n / HEADS_PER_HEADER);
  const headerOffset = {
    emuster16: 0,
    prezept: groups(counts.emuster16),
    erezept: groups(counts.emuster16) + groups(counts.prezept),
  };
  const plan: TenantPlan = {
    seed: (options.seed ?? 42) >>> 0,
    newShare,
    counts,
    headerOffset,
    headerCount: headerOffset.erezept + groups(counts.erezept),
    newestNew: { emuster16: 0, prezept: 0, erezept: 0 },
    newCounts: { emuster16: 0, prezept: 0, erezept: 0 },
  };
  const newestNew = { emuster16: 0, prezept: 0, erezept: 0 };
  const newCounts = { emuster16: 0, prezept: 0, erezept: 0 };
  for (const type of PRESCRIPTION_TYPES) {
    newCounts[type] = newTarget(plan, type, counts[type]);
    for (
      let block = Math.ceil(counts[type] / NEW_BLOCK) - 1;
      block >= 0 && newestNew[type] === 0;
      block -= 1
    ) {
      const ids = newIdsInBlock(plan, type, block);
      if (ids.size > 0) newestNew[type] = Math.max(...ids);
    }
  }
  return { ...plan, newestNew, newCounts };
}

/** Number of new heads among ids 1..k of a type (error diffusion, at least one if the share is > 0). */
function newTarget(plan: TenantPlan, type: PrescriptionType, k: number): number {
  const n = plan.counts[type];
  const exact = Math.round(plan.newShare * k);
  return k === n && exact === 0 && n > 0 && plan.newShare > 0 ? 1 : exact;
}

/** The new head ids of one block of a type (block b covers ids b*1000+1 … b*1000+1000). */
export function newIdsInBlock(plan: TenantPlan, type: PrescriptionType, block: number): Set<number> {
  const first = block * NEW_BLOCK + 1;
  const last = Math.min(plan.counts[type], first + NEW_BLOCK - 1);
  const size = last - first + 1;
  const wanted = Math.min(size, newTarget(plan, type, last) - newTarget(plan, type, first - 1));
  const prng = createPrng(plan.seed, TYPE_INDEX[type], block, 0x6e6577);
  const slots = Array.from({ length: size }, (_, i) => first + i);
  for (let i = 0; i < wanted; i += 1) {
    const j = prng.int(i, size - 1);
    const tmp = slots[i] as number;
    slots[i] = slots[j] as number;
    slots[j] = tmp;
  }
  return new Set(slots.slice(0, wanted));
}

export function newBlockOf(id: number): number {
  return Math.floor((id - 1) / NEW_BLOCK);
}

export interface HeaderFacts {
  id: number;
  type: PrescriptionType;
  rzLieferId: string;
  /** Index into the pharmacy list (0-based). */
  pharmacy: number;
  dayOffset: number;
  date: string;
  time: string;
}

export function headerIdOf(plan: TenantPlan, type: PrescriptionType, headId: number): number {
  return plan.headerOffset[type] + Math.floor((headId - 1) / HEADS_PER_HEADER) + 1;
}

/** Everything about a header row that its heads repeat; a pure function of (seed, header id). */
export function headerFacts(plan: TenantPlan, id: number): HeaderFacts {
  const type: PrescriptionType =
    id > plan.headerOffset.erezept ? 'erezept' : id > plan.headerOffset.prezept ? 'prezept' : 'emuster16';
  const first = plan.headerOffset[type] + 1;
  const groups = Math.max(1, Math.ceil(plan.counts[type] / HEADS_PER_HEADER));
  const prng = createPrng(plan.seed, 0x68647220, id);
  const dayOffset = Math.floor(((id - first) / groups) * SPAN_DAYS);
  return {
    id,
    type,
    rzLieferId: `RZ${String((hash32(plan.seed, 0x727a) % 90) + 10)}${String(id).padStart(17, '0')}`,
    pharmacy: hash32(plan.seed, 0x61706f, id) % PHARMACY_COUNT,
    dayOffset,
    date: isoDate(dayOffset),
    time: timeOfDay(prng),
  };
}
