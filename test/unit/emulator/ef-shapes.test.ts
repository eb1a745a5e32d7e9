// The emulator's V2 list and count statements are the EF Core 8 / Npgsql 8 shapes of
// shared/legacy/ef-shape-v2.sql (copied below), except for output-column aliases (node-postgres keys rows
// by name) and the $n placeholders.
import { describe, expect, it } from 'vitest';
import {
  EMUSTER16,
  EREZEPT,
  PREZEPT,
  countSql,
} from '../../../src/emulator/repositories/prescription-tables.js';
import { v2PageSql } from '../../../src/emulator/repositories/v2-list-repository.js';

const EF_LIST_EREZEPT = `SELECT t.id_senderezepte_erezept, t.erezept_id, t1.id_senderezepte_erezept_daten, t1.id_senderezepte_erezept, t1.rezept_uuid, t1.transfer_arz, t1.xml_request, t3.id_senderezepte_erezept_status, t3.abrechen_status, t3.erezept_id, t3.id_senderezepte_erezept, t3.rezept_check, t3.rezept_check_level, t3.rezept_status, t3.rz_abfrage_id, t3.status_abfrage_datum, t3.status_abfrage_zeit
FROM (
    SELECT e.id_senderezepte_erezept, e.erezept_id
    FROM er_senderezepte_erezept AS e
    WHERE EXISTS (
        SELECT 1
        FROM er_senderezepte_erezept_daten AS e0
        WHERE e.id_senderezepte_erezept = e0.id_senderezepte_erezept AND NOT (e0.transfer_arz)) AND NOT (EXISTS (
        SELECT 1
        FROM er_senderezepte_erezept_status AS e1
        WHERE e.id_senderezepte_erezept = e1.id_senderezepte_erezept AND e1.rezept_status = 'ABGERECHNET'))
    ORDER BY e.id_senderezepte_erezept DESC
    LIMIT :lim OFFSET :off
) AS t
LEFT JOIN (
    SELECT t0.id_senderezepte_erezept_daten, t0.id_senderezepte_erezept, t0.rezept_uuid, t0.transfer_arz, t0.xml_request
    FROM (
        SELECT e2.id_senderezepte_erezept_daten, e2.id_senderezepte_erezept, e2.rezept_uuid, e2.transfer_arz, e2.xml_request, ROW_NUMBER() OVER(PARTITION BY e2.id_senderezepte_erezept ORDER BY e2.id_senderezepte_erezept_daten) AS row
        FROM er_senderezepte_erezept_daten AS e2
        WHERE NOT (e2.transfer_arz)
    ) AS t0
    WHERE t0.row <= 1
) AS t1 ON t.id_senderezepte_erezept = t1.id_senderezepte_erezept
LEFT JOIN (
    SELECT t2.id_senderezepte_erezept_status, t2.abrechen_status, t2.erezept_id, t2.id_senderezepte_erezept, t2.rezept_check, t2.rezept_check_level, t2.rezept_status, t2.rz_abfrage_id, t2.status_abfrage_datum, t2.status_abfrage_zeit
    FROM (
        SELECT e3.id_senderezepte_erezept_status, e3.abrechen_status, e3.erezept_id, e3.id_senderezepte_erezept, e3.rezept_check, e3.rezept_check_level, e3.rezept_status, e3.rz_abfrage_id, e3.status_abfrage_datum, e3.status_abfrage_zeit, ROW_NUMBER() OVER(PARTITION BY e3.id_senderezepte_erezept ORDER BY e3.id_senderezepte_erezept_status) AS row
        FROM er_senderezepte_erezept_status AS e3
    ) AS t2
    WHERE t2.row <= 1
) AS t3 ON t.id_senderezepte_erezept = t3.id_senderezepte_erezept
ORDER BY t.id_senderezepte_erezept DESC;`;

const EF_COUNT_EREZEPT = `SELECT count(*)::int
FROM er_senderezepte_erezept AS e
WHERE EXISTS (
        SELECT 1
        FROM er_senderezepte_erezept_daten AS e0
        WHERE e.id_senderezepte_erezept = e0.id_senderezepte_erezept AND NOT (e0.transfer_arz)) AND NOT (EXISTS (
        SELECT 1
        FROM er_senderezepte_erezept_status AS e1
        WHERE e.id_senderezepte_erezept = e1.id_senderezepte_erezept AND e1.rezept_status = 'ABGERECHNET'));`;

const normalize = (sql: string) =>
  sql
    .replace(/ AS [ds]_\w+/g, '')
    .replace(':lim', '$1')
    .replace(':off', '$2')
    .replace(/;\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();

describe('EF Core statement shapes (ef-shape-v2.sql)', () => {
  it('issues the E-Rezept list shape', () => {
    expect(normalize(v2PageSql(EREZEPT))).toBe(normalize(EF_LIST_EREZEPT));
  });

  it('issues the E-Rezept count shape', () => {
    expect(normalize(countSql(EREZEPT))).toBe(normalize(EF_COUNT_EREZEPT));
  });

  it('uses the same shape with their own tables and head columns for eMuster16 and P-Rezept', () => {
    const em = v2PageSql(EMUSTER16);
    expect(em).toContain('SELECT t.id_senderezepte_emuster16, t.rz_liefer_id, t.muster16_id, t1.');
    expect(em).toContain(
      'ROW_NUMBER() OVER(PARTITION BY e3.id_senderezepte_emuster16 ORDER BY e3.id_senderezepte_emuster16_status)',
    );
    const p = v2PageSql(PREZEPT);
    expect(p).toContain(
      'SELECT e.id_senderezepte_prezept, e.transaktions_nummer\n    FROM er_senderezepte_prezept AS e',
    );
    expect(p).toContain(
      'SELECT e3.id_senderezepte_prezept_status, e3.abrechen_status, e3.id_senderezepte_prezept, e3.rezept_check, e3.rezept_status, e3.rz_abfrage_id, e3.status_abfrage_datum, e3.status_abfrage_zeit, e3.transaktions_nummer, ROW_NUMBER()',
    );
  });
});
