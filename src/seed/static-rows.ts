// Rows that do not scale with the prescription count: the pharmacies (er_apotheke) and the delivery
// headers (er_senderezepte_header, FK parent of the three head tables). Pure functions of the plan.
import { PHARMACIES, STREETS, SURNAMES, FIRST_NAMES, TOWNS } from './german-text.js';
import { createPrng } from './prng.js';
import { headerFacts, PHARMACY_COUNT, type TenantPlan } from './tenant-plan.js';
import type { Row } from './tenant-tables.js';
import { isoDate, timeOfDay } from './value-formats.js';

export interface PharmacyRef {
  id: number;
  name: string;
  ikNr: string;
  intNr: number;
}

export function pharmacyRef(index: number): PharmacyRef {
  const base = PHARMACIES[index % PHARMACIES.length] as string;
  const name = index < PHARMACIES.length ? base : `${base} ${Math.floor(index / PHARMACIES.length) + 1}`;
  return { id: index + 1, name, ikNr: String(308_412_345 + index * 1_013), intNr: 4711 + index };
}

const BUNDESLAENDER = ['Baden-Württemberg', 'Bayern', 'Thüringen', 'Sachsen', 'Nordrhein-Westfalen'];

export function apothekeRows(plan: TenantPlan): Row[] {
  const prng = createPrng(plan.seed, 0x61706f74);
  const rows: Row[] = [];
  for (let i = 0; i < PHARMACY_COUNT; i += 1) {
    const ref = pharmacyRef(i);
    const [plz, ort] = prng.pick(TOWNS);
    const sparse = i % 5 === 4; // every fifth pharmacy has only the NOT NULL columns and defaults
    const filiale = i % 7 === 3;
    rows.push([
      ref.id,
      i === 2 ? 'Apotheke „Zum Stern“ & Drogerie' : ref.name,
      sparse ? null : prng.pick(['Inh. e.K.', 'OHG', 'Filiale Süd', 'im Ärztehaus', "Patient's Corner"]),
      ref.ikNr,
      sparse ? null : prng.pick(FIRST_NAMES),
      sparse ? null : prng.pick(SURNAMES),
      ref.intNr,
      sparse ? null : Number(plz), // integer column: "01067" becomes 1067
      sparse ? null : ort,
      sparse ? null : `${prng.pick(STREETS)} ${prng.int(1, 120)}`,
      sparse ? null : `info@apotheke-${i + 1}.example`,
      sparse ? null : `+49 ${prng.int(30, 999)} ${prng.int(10_000, 999_999)}`,
      null,
      i % 3 === 0 ? `0${prng.int(30, 999)} ${prng.int(10_000, 999_999)}` : null,
      i === 0 ? 'Notdienst-Apotheke; Öffnungszeiten:\tMo–Fr 8–18 Uhr\nSa 9–13 Uhr' : null,
      sparse ? null : prng.pick(BUNDESLAENDER),
      i === 7 ? 'HRST' : 'APO',
      filiale ? 1 : 0,
      filiale ? 1 : 0,
      i === 11,
      sparse ? null : isoDate(prng.int(0, 600)),
      sparse ? null : timeOfDay(prng),
    ]);
  }
  return rows;
}

const SOFTWARE = [
  ['GfAL GmbH', 'ArzTi-Connect', '3.0.12'],
  ['Pharmatechnik GmbH & Co. KG', 'IXOS', '2025.3'],
  ['ADG Apotheken-Dienstleistungsgesellschaft', 'S3000', '24.1.7'],
  ['CGM Lauer', 'Winapo® 64 ux', '1.0.4'],
] as const;

const REZ_TYP = { emuster16: 'eM16', prezept: 'pRez', erezept: 'eRez' } as const;

/** Header rows with ids from..to (inclusive). */
export function headerRows(plan: TenantPlan, from: number, to: number): Row[] {
  const rows: Row[] = [];
  for (let id = from; id <= to; id += 1) {
    const facts = headerFacts(plan, id);
    const pharmacy = pharmacyRef(facts.pharmacy);
    const [hersteller, name, version] = SOFTWARE[id % SOFTWARE.length] as (typeof SOFTWARE)[number];
    rows.push([
      id,
      String(pharmacy.intNr),
      pharmacy.ikNr,
      hersteller,
      name,
      version,
      id % 997 === 0,
      facts.rzLieferId,
      facts.date,
      facts.time,
      String(1_000_000_000 + id),
      'VOR_PRUEFUNG',
      id % 3 === 0,
      REZ_TYP[facts.type],
      facts.type === 'erezept',
      facts.type === 'emuster16',
      facts.type === 'prezept',
      id % 11 === 0 ? 1 : 0,
    ]);
  }
  return rows;
}
