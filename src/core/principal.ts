// Who is calling, as the legacy's Basic handler would establish it (CONTRACT §4.1 step 8), and which
// tenant database that caller sees. The tenant id, never a credential, is what cache keys carry.

export interface Tenant {
  /** arzsw_datenbank.arzsw_datenbank_id */
  readonly datenbankId: number;
  /** arzsw_datenbank.datenbank_connection_string (Npgsql keyword syntax); a secret: never log it. */
  readonly connectionString: string;
}

export interface Principal {
  /** arzsw_benutzer.arzsw_benutzer_id */
  readonly userId: number;
  /** arzsw_benutzer.login_name (case-sensitive) */
  readonly loginName: string;
  /** arzsw_benutzer.arzsw_mandant_id */
  readonly mandantId: number;
  /** arzsw_mandant.code_kenner */
  readonly clientCode: string;
  readonly tenant: Tenant;
}
