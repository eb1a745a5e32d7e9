-- Reverts 001_auth_notify.up.sql: drops exactly the twelve triggers and the function it created.
DROP TRIGGER IF EXISTS arzti_edge_auth_ins ON arzsw_benutzer;
DROP TRIGGER IF EXISTS arzti_edge_auth_upd ON arzsw_benutzer;
DROP TRIGGER IF EXISTS arzti_edge_auth_del ON arzsw_benutzer;
DROP TRIGGER IF EXISTS arzti_edge_auth_trunc ON arzsw_benutzer;
DROP TRIGGER IF EXISTS arzti_edge_auth_ins ON arzsw_datenbank;
DROP TRIGGER IF EXISTS arzti_edge_auth_upd ON arzsw_datenbank;
DROP TRIGGER IF EXISTS arzti_edge_auth_del ON arzsw_datenbank;
DROP TRIGGER IF EXISTS arzti_edge_auth_trunc ON arzsw_datenbank;
DROP TRIGGER IF EXISTS arzti_edge_auth_ins ON arzsw_mandant;
DROP TRIGGER IF EXISTS arzti_edge_auth_upd ON arzsw_mandant;
DROP TRIGGER IF EXISTS arzti_edge_auth_del ON arzsw_mandant;
DROP TRIGGER IF EXISTS arzti_edge_auth_trunc ON arzsw_mandant;
DROP FUNCTION IF EXISTS arzti_edge_auth_notify();
