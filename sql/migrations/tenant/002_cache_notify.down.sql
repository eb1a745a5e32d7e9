-- Reverts 002_cache_notify.up.sql: drops exactly the four arzti_edge_cache_* triggers on the ten
-- watched tables and the three arzti_edge_cache_* trigger functions. Touches nothing else.
-- lock_timeout: see up.sql (DROP TRIGGER locks the table too).
SET LOCAL lock_timeout = '5s';

DO $$
DECLARE
  watched CONSTANT text[] := ARRAY[
    'er_senderezepte_emuster16', 'er_senderezepte_emuster16_daten', 'er_senderezepte_emuster16_status',
    'er_senderezepte_prezept', 'er_senderezepte_prezept_daten', 'er_senderezepte_prezept_status',
    'er_senderezepte_erezept', 'er_senderezepte_erezept_daten', 'er_senderezepte_erezept_status',
    'er_apotheke'
  ];
  t text;
  trg text;
BEGIN
  FOREACH t IN ARRAY watched LOOP
    FOREACH trg IN ARRAY ARRAY['arzti_edge_cache_ins', 'arzti_edge_cache_upd', 'arzti_edge_cache_del', 'arzti_edge_cache_trunc'] LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', trg, t);
    END LOOP;
  END LOOP;
END
$$;

DROP FUNCTION IF EXISTS arzti_edge_cache_after_new_rows();
DROP FUNCTION IF EXISTS arzti_edge_cache_after_old_rows();
DROP FUNCTION IF EXISTS arzti_edge_cache_after_truncate();
