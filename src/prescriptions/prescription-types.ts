// The three prescription kinds of the V2 reads and the fixed block order in which the legacy
// concatenates them (CONTRACT §6.1.3). Pure data; no I/O.

export type PrescriptionType = 'eMuster16' | 'P-Rezept' | 'E-Rezept';

/** Block order of every V2 read: eMuster16, then P-Rezept, then E-Rezept. */
export const PRESCRIPTION_TYPES: readonly PrescriptionType[] = Object.freeze([
  'eMuster16',
  'P-Rezept',
  'E-Rezept',
]);

/** Table-name stem of a type: er_senderezepte_<stem>, …_daten, …_status. */
export const TABLE_STEM: Readonly<Record<PrescriptionType, 'emuster16' | 'prezept' | 'erezept'>> =
  Object.freeze({
    eMuster16: 'emuster16',
    'P-Rezept': 'prezept',
    'E-Rezept': 'erezept',
  });
