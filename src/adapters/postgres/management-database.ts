// The proxy's own pool on the management (ArzSw) database (ARZSW_DATABASE_URL: URL or Npgsql string)
// and the LISTEN connection config derived from it. Short timeouts: a slow management DB must turn into
// "unavailable → forward to the legacy" quickly, not into hanging requests.
import type pg from 'pg';
import { parseDatabaseLocator } from '../../core/npgsql-connection-string.js';
import type { SqlDatabase } from '../../core/sql-port.js';
import { createPgDatabase } from './pg-database.js';

export interface ManagementDatabaseOptions {
  /** Connection cap of the proxy's management pool. */
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly applicationName?: string;
}

export const MANAGEMENT_DB_DEFAULTS: ManagementDatabaseOptions = Object.freeze({
  maxConnections: 5,
  connectTimeoutMs: 2_000,
  statementTimeoutMs: 2_000,
  applicationName: 'arzti-edge-auth',
});

/** pg settings for the management DB; throws EdgeError EDGE_AUTH_CONNECTION_STRING (no values echoed). */
export function managementPoolConfig(
  locator: string,
  options: ManagementDatabaseOptions = MANAGEMENT_DB_DEFAULTS,
): pg.PoolConfig {
  const base = parseDatabaseLocator(locator);
  return {
    ...base,
    max: Math.min(base.max ?? options.maxConnections, options.maxConnections),
    min: 0,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + 500,
    application_name: base.application_name ?? options.applicationName ?? 'arzti-edge-auth',
  };
}

export function createManagementDatabase(
  locator: string,
  options: ManagementDatabaseOptions = MANAGEMENT_DB_DEFAULTS,
): SqlDatabase {
  return createPgDatabase(managementPoolConfig(locator, options));
}

/** Client settings for the LISTEN connection on the management DB (see createPgListener). */
export function managementListenConfig(
  locator: string,
  options: ManagementDatabaseOptions = MANAGEMENT_DB_DEFAULTS,
): pg.ClientConfig {
  const {
    max: _max,
    min: _min,
    idleTimeoutMillis: _idle,
    statement_timeout: _st,
    query_timeout: _qt,
    ...client
  } = managementPoolConfig(locator, options);
  return { ...client, application_name: `${options.applicationName ?? 'arzti-edge-auth'}-listen` };
}
