-- arzti-edge: change notifications for the proxy's credential cache (issue #4).
-- Additive only: one trigger function and statement-level triggers on arzsw_benutzer, arzsw_datenbank
-- and arzsw_mandant; no table, column or index is altered. Needs table ownership or TRIGGER privilege.
--
-- Each INSERT/UPDATE/DELETE statement that touches at least one row sends ONE notification on channel
-- arzti_edge_auth with payload '<table>:<id>,<id>,…' (distinct primary keys from the transition tables,
-- old and new for UPDATE), or '<table>:*' when the list would exceed 7000 bytes (NOTIFY's limit is
-- 8000) and for TRUNCATE. Delivered only after commit; the proxy drops the affected cache entries.

CREATE FUNCTION arzti_edge_auth_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('arzti_edge_auth', TG_TABLE_NAME || ':*');
    RETURN NULL;
  END IF;
  -- TG_ARGV[0] names the primary-key column; the transition tables are edge_old / edge_new.
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT string_agg(DISTINCT %I::text, '','') FROM edge_new', TG_ARGV[0]) INTO ids;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT string_agg(DISTINCT %I::text, '','') FROM edge_old', TG_ARGV[0]) INTO ids;
  ELSE
    EXECUTE format(
      'SELECT string_agg(DISTINCT id::text, '','') FROM (SELECT %1$I AS id FROM edge_old UNION ALL SELECT %1$I FROM edge_new) AS changed',
      TG_ARGV[0]) INTO ids;
  END IF;
  IF ids IS NULL THEN
    RETURN NULL; -- the statement touched no row
  END IF;
  IF octet_length(ids) > 7000 THEN
    ids := '*';
  END IF;
  PERFORM pg_notify('arzti_edge_auth', TG_TABLE_NAME || ':' || ids);
  RETURN NULL;
END
$$;

CREATE TRIGGER arzti_edge_auth_ins AFTER INSERT ON arzsw_benutzer
  REFERENCING NEW TABLE AS edge_new FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_benutzer_id');
CREATE TRIGGER arzti_edge_auth_upd AFTER UPDATE ON arzsw_benutzer
  REFERENCING OLD TABLE AS edge_old NEW TABLE AS edge_new FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_benutzer_id');
CREATE TRIGGER arzti_edge_auth_del AFTER DELETE ON arzsw_benutzer
  REFERENCING OLD TABLE AS edge_old FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_benutzer_id');
CREATE TRIGGER arzti_edge_auth_trunc AFTER TRUNCATE ON arzsw_benutzer
  FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_benutzer_id');

CREATE TRIGGER arzti_edge_auth_ins AFTER INSERT ON arzsw_datenbank
  REFERENCING NEW TABLE AS edge_new FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_datenbank_id');
CREATE TRIGGER arzti_edge_auth_upd AFTER UPDATE ON arzsw_datenbank
  REFERENCING OLD TABLE AS edge_old NEW TABLE AS edge_new FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_datenbank_id');
CREATE TRIGGER arzti_edge_auth_del AFTER DELETE ON arzsw_datenbank
  REFERENCING OLD TABLE AS edge_old FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_datenbank_id');
CREATE TRIGGER arzti_edge_auth_trunc AFTER TRUNCATE ON arzsw_datenbank
  FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_datenbank_id');

CREATE TRIGGER arzti_edge_auth_ins AFTER INSERT ON arzsw_mandant
  REFERENCING NEW TABLE AS edge_new FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_mandant_id');
CREATE TRIGGER arzti_edge_auth_upd AFTER UPDATE ON arzsw_mandant
  REFERENCING OLD TABLE AS edge_old NEW TABLE AS edge_new FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_mandant_id');
CREATE TRIGGER arzti_edge_auth_del AFTER DELETE ON arzsw_mandant
  REFERENCING OLD TABLE AS edge_old FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_mandant_id');
CREATE TRIGGER arzti_edge_auth_trunc AFTER TRUNCATE ON arzsw_mandant
  FOR EACH STATEMENT EXECUTE FUNCTION arzti_edge_auth_notify('arzsw_mandant_id');
