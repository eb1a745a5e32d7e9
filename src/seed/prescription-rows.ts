// The row generator for one prescription type: heads with their daten and status rows, in id order, in
// batches. Pure (no I/O): writers (COPY, multi-row INSERT) consume the batches. Edge cases the API must
// survive are placed on purpose — see docs/decisions/2026-11-29-migrations.md ("Generated data").
import { createPrng, hash32, type Prng } from './prng.js';
import { pharmacyRef } from './static-rows.js';
import {
  headerFacts,
  headerIdOf,
  newBlockOf,
  newIdsInBlock,
  TYPE_INDEX,
  type HeaderFacts,
  type TenantPlan,
} from './tenant-plan.js';
import { FIRST_NAMES, INSURERS, SURNAMES, TOWNS } from './german-text.js';
import type { PrescriptionType, Row, SqlValue } from './tenant-tables.js';
import { isoDate, money, timeOfDay, unsafeBigint, uuidFor } from './value-formats.js';
import { payloadSize, prescriptionXml } from './xml-payload.js';

export interface PrescriptionBatch {
  heads: Row[];
  daten: Row[];
  status: Row[];
}

/** UUID namespaces: one per daten table, one for UUIDs deliberately shared by two type tables. */
export const UUID_NAMESPACE = { emuster16: 1, prezept: 2, erezept: 3, shared: 9 } as const;

/** Every n-th new head (by ordinal) of eMuster16 and E-Rezept shares its first untransferred UUID. */
const SHARED_EVERY = 25;
/** Every n-th transferred E-Rezept daten row reuses the UUID of eMuster16 daten row id/n. */
const REUSED_EVERY = 97;

const STATUS_WORDS = [
  'VOR_PRUEFUNG',
  'GELESEN',
  'FEHLER',
  'VOR_ABRECHNUNG',
  'VERBESSERBAR',
  'RUECKWEISUNG',
  'STORNIERT',
  'HINWEIS',
  'ABRECHENBAR',
  'NEU',
  'VERARBEITET',
] as const;
const ABRECHEN_WORDS = ['VOR_PRUEFUNG', 'OK', 'FEHLER', 'HINWEIS', 'ABRECHENBAR'] as const;

type Category = 'new' | 'billedTransferred' | 'transferred' | 'nullOnly' | 'billedOpen';
const OLD_CATEGORIES: readonly Category[] = ['billedTransferred', 'transferred', 'nullOnly', 'billedOpen'];
const OLD_WEIGHTS = [0.6, 0.15, 0.05, 0.2];

export function* prescriptionBatches(
  plan: TenantPlan,
  type: PrescriptionType,
  batchHeads = 2000,
): Generator<PrescriptionBatch> {
  const n = plan.counts[type];
  const prng = createPrng(plan.seed, TYPE_INDEX[type], 0x726f7773);
  const tableNs = UUID_NAMESPACE[type];
  let datenId = 0;
  let statusId = 0;
  let newOrdinal = 0;
  let block = -1;
  let newIds = new Set<number>();
  let header: HeaderFacts | undefined;
  let batch: PrescriptionBatch = { heads: [], daten: [], status: [] };

  for (let id = 1; id <= n; id += 1) {
    if (newBlockOf(id) !== block) {
      block = newBlockOf(id);
      newIds = newIdsInBlock(plan, type, block);
    }
    const headerId = headerIdOf(plan, type, id);
    if (header?.id !== headerId) header = headerFacts(plan, headerId);
    const isNew = newIds.has(id);
    const newest = isNew && id === plan.newestNew[type];
    const category: Category = isNew ? 'new' : (OLD_CATEGORIES[prng.weighted(OLD_WEIGHTS)] as Category);
    const key = businessKey(prng, type, id, newest, header);
    batch.heads.push(headRow(prng, type, id, header, key));

    // Daten rows: which transfer flags, and which UUID the first untransferred row gets.
    const flags = transferFlags(prng, category);
    let sharedUuid: string | undefined;
    if (isNew && type !== 'prezept') {
      if (newest) sharedUuid = uuidFor(plan.seed, UUID_NAMESPACE.shared, 0);
      else if (newOrdinal % SHARED_EVERY === 3)
        sharedUuid = uuidFor(plan.seed, UUID_NAMESPACE.shared, newOrdinal + 1);
    }
    const pharmacy = pharmacyRef(header.pharmacy);
    let firstOpenSeen = false;
    for (const flag of flags) {
      datenId += 1;
      let uuid: string;
      if (flag === false && !firstOpenSeen && sharedUuid !== undefined) uuid = sharedUuid;
      else if (type === 'erezept' && flag === true && datenId % REUSED_EVERY === 0)
        uuid = uuidFor(plan.seed, UUID_NAMESPACE.emuster16, datenId / REUSED_EVERY);
      else uuid = uuidFor(plan.seed, tableNs, datenId);
      const showcase = (newest && flag === false && !firstOpenSeen) || datenId % 1009 === 0;
      if (flag === false) firstOpenSeen = true;
      const xml = prescriptionXml(
        prng,
        {
          type,
          uuid,
          headId: id,
          businessKey: key ?? '',
          apoIkNr: pharmacy.ikNr,
          pharmacyName: pharmacy.name,
          issued: header.date,
          showcase,
        },
        payloadSize(prng),
      );
      batch.daten.push([datenId, id, uuid, flag, xml]);
    }

    for (const row of statusRows(prng, type, category, header, key)) {
      statusId += 1;
      batch.status.push([statusId, id, ...row]);
    }
    if (isNew) newOrdinal += 1;

    if (batch.heads.length >= batchHeads) {
      yield batch;
      batch = { heads: [], daten: [], status: [] };
    }
  }
  if (batch.heads.length > 0) yield batch;
}

/** muster16_id / transaktions_nummer / erezept_id; 2% (and the newest new head) above 2^53. */
function businessKey(
  prng: Prng,
  type: PrescriptionType,
  id: number,
  newest: boolean,
  header: HeaderFacts,
): string | null {
  const unsafe = newest || prng.chance(0.02);
  if (type === 'emuster16') return unsafe ? unsafeBigint(id) : String(160_000_000_000 + id);
  if (type === 'prezept') {
    return unsafe
      ? unsafeBigint(id + 1_000_000_000)
      : `${header.date.replaceAll('-', '')}${String(id % 1_000_000).padStart(6, '0')}`;
  }
  if (prng.chance(0.005) && !newest) return null;
  const prefix = prng.pick(['160', '160', '160', '169', '200', '209']);
  const digits = String(id).padStart(12, '0');
  return `${prefix}.${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}.${digits.slice(9, 12)}.${String(hash32(id) % 100).padStart(2, '0')}`;
}

function headRow(
  prng: Prng,
  type: PrescriptionType,
  id: number,
  header: HeaderFacts,
  key: string | null,
): Row {
  const pharmacy = pharmacyRef(header.pharmacy);
  const common: SqlValue[] = [
    id,
    header.id,
    header.rzLieferId,
    `${header.date}T${header.time.slice(0, 8)}`,
    header.date,
    header.time,
    `AVS${hash32(header.id, 7) % 100_000}`,
    header.date.slice(0, 7).replace('-', ''),
  ];
  if (type === 'erezept') {
    return [
      ...common,
      pharmacy.ikNr,
      key,
      prng.chance(0.3) ? Buffer.from(`eRezept ${key ?? ''} ${id}`).toString('base64') : null,
    ];
  }
  const brutto = prng.int(150, 250_000);
  const insurer = prng.pick(INSURERS);
  const verordnet = isoDate(Math.max(0, header.dayOffset - prng.int(0, 28)));
  if (type === 'emuster16') {
    const [plz, ort] = prng.pick(TOWNS);
    return [
      ...common,
      prng.pick(['STANDARDREZEPT', 'STANDARDREZEPT', 'BTM', 'SPRECHSTUNDENBEDARF']),
      key,
      prng.pick(['01', '02', '03']),
      pharmacy.ikNr,
      prng.pick(['GKV', 'PKV', 'BG']),
      money(brutto),
      money(Math.min(brutto, prng.pick([0, 500, 1000]))),
      header.date,
      String(prng.int(100_000_000, 999_999_999)),
      String(prng.int(100_000_000, 999_999_999)),
      verordnet,
      String(prng.int(100_000_000, 109_999_999)),
      `${String.fromCharCode(65 + (id % 26))}${String(prng.int(100_000_000, 999_999_999))}`,
      prng.pick(['1000001', '3000001', '5000001']),
      insurer,
      prng.pick(SURNAMES),
      prng.pick(FIRST_NAMES),
      plz,
      ort,
      isoDate(-prng.int(365, 36_000)),
      prng.chance(0.03) ? 1 : 0,
      prng.chance(0.1) ? null : `PTA ${prng.pick(SURNAMES)}`,
      prng.chance(0.5) ? null : `Kasse ${prng.int(1, 4)}`,
    ];
  }
  return [
    ...common,
    prng.pick(['PARENTERALIA', 'ZYTOSTATIKA', 'BTM-REZEPTUR']),
    key,
    pharmacy.ikNr,
    money(brutto),
    money(prng.pick([0, 500, 1000])),
    String(prng.int(1_000_000, 19_999_999)),
    prng.int(1, 5) * 1000,
    money(prng.int(100, 90_000)),
    header.date,
    `${header.date}T${header.time.slice(0, 8)}.000`,
    hash32(id, 0x68).toString(16).padStart(8, '0') + hash32(id, 0x69).toString(16).padStart(8, '0'),
    String(prng.int(100_000_000, 999_999_999)),
    verordnet,
    String(prng.int(100_000_000, 109_999_999)),
    insurer,
    prng.chance(0.1) ? null : `PTA ${prng.pick(SURNAMES)}`,
  ];
}

/** Transfer flags of a head's daten rows (lowest PK first). New heads have at least one `false`. */
function transferFlags(prng: Prng, category: Category): (boolean | null)[] {
  const count = 1 + prng.weighted([0.78, 0.15, 0.07]);
  switch (category) {
    case 'new': {
      // The first untransferred row is often not the lowest daten PK (earlier rows transferred or NULL).
      const flags: (boolean | null)[] = [];
      const firstOpen = count === 1 ? 0 : prng.int(0, count - 1);
      for (let i = 0; i < count; i += 1) {
        if (i < firstOpen) flags.push(prng.chance(0.75) ? true : null);
        else if (i === firstOpen) flags.push(false);
        else flags.push(prng.pick([false, true, null]));
      }
      return flags;
    }
    case 'billedOpen':
      return Array.from({ length: count }, (_, i) => (i === 0 || prng.chance(0.5) ? false : true));
    case 'nullOnly':
      return Array.from({ length: count }, (_, i) => (i === 0 || prng.chance(0.6) ? null : true));
    case 'billedTransferred':
    case 'transferred':
      return Array.from({ length: count }, () => (prng.chance(0.97) ? true : null));
  }
}

/** Status rows (without PK and FK) in chronological order: the oldest is rarely the newest (Q8). */
function statusRows(
  prng: Prng,
  type: PrescriptionType,
  category: Category,
  header: HeaderFacts,
  key: string | null,
): SqlValue[][] {
  const billed = category === 'billedTransferred' || category === 'billedOpen';
  const count = billed ? 1 + prng.weighted([0.4, 0.35, 0.25]) : prng.weighted([0.12, 0.35, 0.3, 0.23]);
  const billedAt = billed ? (prng.chance(0.7) ? count - 1 : prng.int(0, count - 1)) : -1;
  const rows: SqlValue[][] = [];
  let day = header.dayOffset;
  for (let i = 0; i < count; i += 1) {
    day += prng.int(0, 20);
    let status: string | null;
    if (i === billedAt) status = 'ABGERECHNET';
    else if (i === 0 && prng.chance(0.6)) status = 'VOR_PRUEFUNG';
    else if (prng.chance(0.003))
      status = 'abgerechnet'; // case differs: does NOT exclude (CONTRACT §6.1.2)
    else if (prng.chance(0.01)) status = null;
    else status = prng.pick(STATUS_WORDS);
    const hasDate = !prng.chance(0.08);
    const hasTime = !prng.chance(0.08);
    const row: SqlValue[] = [
      key === null ? null : type === 'erezept' ? key.slice(0, 22) : prng.chance(0.05) ? null : key,
      status,
      prng.chance(0.4),
      hasDate ? isoDate(day) : null,
      hasTime ? timeOfDay(prng) : null,
      prng.chance(0.05) ? null : prng.pick(ABRECHEN_WORDS),
      prng.chance(0.3) ? null : `RCS${String(prng.int(1, 99_999_999)).padStart(8, '0')}`,
    ];
    if (type === 'erezept') row.push(prng.int(0, 4));
    rows.push(row);
  }
  return rows;
}
