-- arzti-edge cache invalidation: one small NOTIFY on channel arzti_edge_cache per statement that
-- changed rows of a table the V2/v1/Apotheken reads depend on (CONTRACT §5.2). Additive only: three
-- trigger functions and statement-level triggers, all named arzti_edge_*; no table is altered.
--
-- Payload: '<table short name>:<clock_timestamp() in epoch ms>' (e.g. 'em16d:1732900000123', < 32 bytes,
-- far below the 8000-byte limit). The proxy bumps the tenant's cache epoch per notification, so row ids
-- are not needed; the timestamp lets it measure notification-to-eviction lag.
--
-- Load considerations (NOTIFY serialises committing transactions on a database-wide lock):
-- * FOR EACH STATEMENT with transition tables: statements that changed no row send nothing, so
--   zero-row UPDATE/DELETE sweeps by external jobs take no notify lock at all.
-- * At most one NOTIFY per (transaction, table): a transaction-local setting remembers that the table
--   was already signalled (like PostgreSQL's folding of identical payloads, but independent of the
--   timestamp). Notifications are delivered at commit anyway, so later ones would add nothing.
-- * PostgreSQL forbids transition tables on a trigger for more than one event, hence one trigger per
--   event (INSERT, UPDATE, DELETE) plus TRUNCATE (which cannot have transition tables).
-- * Transition tables copy the changed rows into a tuplestore (spilling beyond work_mem); for very large
--   bulk loads of *_daten XML this is measurable I/O. Dropping REFERENCING from the INSERT triggers would
--   avoid it at the price of a NOTIFY for zero-row INSERT … SELECT statements.
-- * The functions reference only pg_catalog and their transition tables, so they work whatever the
--   writer's search_path is (a failing trigger would fail the legacy's own write).
-- * CREATE TRIGGER takes a SHARE ROW EXCLUSIVE lock on each table until commit. lock_timeout keeps a
--   long-running legacy transaction from queueing every writer behind this migration: it fails instead
--   (retry later).
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION arzti_edge_cache_after_new_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM arzti_edge_new_rows)
     AND pg_catalog.current_setting('arzti_edge.cache_sent_' || TG_ARGV[0], true) IS DISTINCT FROM '1' THEN
    PERFORM pg_catalog.set_config('arzti_edge.cache_sent_' || TG_ARGV[0], '1', true);
    PERFORM pg_catalog.pg_notify('arzti_edge_cache',
      TG_ARGV[0] || ':' || pg_catalog.floor(extract(epoch FROM pg_catalog.clock_timestamp()) * 1000)::bigint);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION arzti_edge_cache_after_old_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM arzti_edge_old_rows)
     AND pg_catalog.current_setting('arzti_edge.cache_sent_' || TG_ARGV[0], true) IS DISTINCT FROM '1' THEN
    PERFORM pg_catalog.set_config('arzti_edge.cache_sent_' || TG_ARGV[0], '1', true);
    PERFORM pg_catalog.pg_notify('arzti_edge_cache',
      TG_ARGV[0] || ':' || pg_catalog.floor(extract(epoch FROM pg_catalog.clock_timestamp()) * 1000)::bigint);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION arzti_edge_cache_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.current_setting('arzti_edge.cache_sent_' || TG_ARGV[0], true) IS DISTINCT FROM '1' THEN
    PERFORM pg_catalog.set_config('arzti_edge.cache_sent_' || TG_ARGV[0], '1', true);
    PERFORM pg_catalog.pg_notify('arzti_edge_cache',
      TG_ARGV[0] || ':' || pg_catalog.floor(extract(epoch FROM pg_catalog.clock_timestamp()) * 1000)::bigint);
  END IF;
  RETURN NULL;
END
$$;

DO $$
DECLARE
  watched CONSTANT text[][] := ARRAY[
    ['er_senderezepte_emuster16', 'em16'],
    ['er_senderezepte_emuster16_daten', 'em16d'],
    ['er_senderezepte_emuster16_status', 'em16s'],
    ['er_senderezepte_prezept', 'prez'],
    ['er_senderezepte_prezept_daten', 'prezd'],
    ['er_senderezepte_prezept_status', 'prezs'],
    ['er_senderezepte_erezept', 'erez'],
    ['er_senderezepte_erezept_daten', 'erezd'],
    ['er_senderezepte_erezept_status', 'erezs'],
    ['er_apotheke', 'apo']
  ];
  i int;
BEGIN
  FOR i IN 1 .. array_length(watched, 1) LOOP
    EXECUTE format('CREATE TRIGGER arzti_edge_cache_ins AFTER INSERT ON %I '
      'REFERENCING NEW TABLE AS arzti_edge_new_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION arzti_edge_cache_after_new_rows(%L)', watched[i][1], watched[i][2]);
    EXECUTE format('CREATE TRIGGER arzti_edge_cache_upd AFTER UPDATE ON %I '
      'REFERENCING NEW TABLE AS arzti_edge_new_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION arzti_edge_cache_after_new_rows(%L)', watched[i][1], watched[i][2]);
    EXECUTE format('CREATE TRIGGER arzti_edge_cache_del AFTER DELETE ON %I '
      'REFERENCING OLD TABLE AS arzti_edge_old_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION arzti_edge_cache_after_old_rows(%L)', watched[i][1], watched[i][2]);
    EXECUTE format('CREATE TRIGGER arzti_edge_cache_trunc AFTER TRUNCATE ON %I '
      'FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_cache_after_truncate(%L)', watched[i][1], watched[i][2]);
  END LOOP;
END
$$;
