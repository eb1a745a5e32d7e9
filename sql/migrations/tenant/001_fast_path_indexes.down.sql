-- edge:no-transaction
-- Reverts 001_fast_path_indexes.up.sql: drops exactly the nine arzti_edge_* fast-path indexes
-- (valid or left invalid by a failed concurrent build). Touches nothing else.
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_emuster16_daten_new;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_emuster16_status_abgerechnet;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_emuster16_status_first;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_prezept_daten_new;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_prezept_status_abgerechnet;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_prezept_status_first;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_erezept_daten_new;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_erezept_status_abgerechnet;
DROP INDEX CONCURRENTLY IF EXISTS arzti_edge_erezept_status_first;
