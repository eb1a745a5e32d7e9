-- edge:no-transaction
-- arzti-edge fast SQL path (issue #5): three additive indexes per prescription type that let the V2 reads
-- touch O(new prescriptions) rows instead of whole tables (legacy/PERFORMANCE-NOTES.md):
--   *_daten  (fk, pk) WHERE transfer_arz = false   enumerates "new" heads, finds the lowest-PK
--                                                  untransferred daten row (CONTRACT §6.1.2, §6.1.4)
--   *_status (fk) WHERE rezept_status = 'ABGERECHNET'  the "not billed" anti-join
--   *_status (fk, pk)                               the oldest status row of a head (§6.1.4, Q8)
-- Additive only: no table, column, constraint or existing index is altered; all names arzti_edge_*.
-- CONCURRENTLY keeps the legacy's writes flowing while an index builds, which is why this file runs
-- statement by statement outside a transaction. A failed concurrent build leaves an INVALID index that
-- IF NOT EXISTS would then skip, so the last statement refuses to report success in that case (run the
-- .down.sql, which drops invalid ones too, then this file again).
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_emuster16_daten_new
  ON er_senderezepte_emuster16_daten (id_senderezepte_emuster16, id_senderezepte_emuster16_daten) WHERE transfer_arz = false;
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_emuster16_status_abgerechnet
  ON er_senderezepte_emuster16_status (id_senderezepte_emuster16) WHERE rezept_status = 'ABGERECHNET';
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_emuster16_status_first
  ON er_senderezepte_emuster16_status (id_senderezepte_emuster16, id_senderezepte_emuster16_status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_prezept_daten_new
  ON er_senderezepte_prezept_daten (id_senderezepte_prezept, id_senderezepte_prezept_daten) WHERE transfer_arz = false;
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_prezept_status_abgerechnet
  ON er_senderezepte_prezept_status (id_senderezepte_prezept) WHERE rezept_status = 'ABGERECHNET';
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_prezept_status_first
  ON er_senderezepte_prezept_status (id_senderezepte_prezept, id_senderezepte_prezept_status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_erezept_daten_new
  ON er_senderezepte_erezept_daten (id_senderezepte_erezept, id_senderezepte_erezept_daten) WHERE transfer_arz = false;
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_erezept_status_abgerechnet
  ON er_senderezepte_erezept_status (id_senderezepte_erezept) WHERE rezept_status = 'ABGERECHNET';
CREATE INDEX CONCURRENTLY IF NOT EXISTS arzti_edge_erezept_status_first
  ON er_senderezepte_erezept_status (id_senderezepte_erezept, id_senderezepte_erezept_status);
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
             WHERE NOT i.indisvalid AND c.relname IN (
      'arzti_edge_emuster16_daten_new',
      'arzti_edge_emuster16_status_abgerechnet',
      'arzti_edge_emuster16_status_first',
      'arzti_edge_prezept_daten_new',
      'arzti_edge_prezept_status_abgerechnet',
      'arzti_edge_prezept_status_first',
      'arzti_edge_erezept_daten_new',
      'arzti_edge_erezept_status_abgerechnet',
      'arzti_edge_erezept_status_first')
             AND pg_catalog.pg_table_is_visible(c.oid)) THEN
    RAISE EXCEPTION 'arzti-edge fast-path index build left an INVALID index; run 001_fast_path_indexes.down.sql and retry';
  END IF;
END $$;
