// Step 5 of the legacy handler: the one management query (arzsw_benutzer INNER JOIN arzsw_mandant,
// arzsw_datenbank by login name, LIMIT 1) and the row checks EF's materializer would make.
// Knows SQL and row shapes only; no caching, no password logic.
import type { SqlExecutor } from '../../core/sql-port.js';
import type { Principal } from '../../core/principal.js';
import type { StoredPassword } from './password-check.js';

// Every column EF materializes for the three entities that a NULL would make throw (non-nullable CLR
// properties), so that a NULL in a NOT NULL-mapped column fails the login like it does in the legacy.
export const USER_LOOKUP_SQL = `SELECT b.arzsw_benutzer_id, b.benutzer_name, b.login_name, b.login_passwort,
       b.login_passwort_crypt, b.arzsw_mandant_id, b.arzsw_datenbank_id,
       m.arzsw_mandant_id AS mandant_pk, m.code_kenner, m.mandant_name,
       d.arzsw_datenbank_id AS datenbank_pk, d.datenbank_name, d.datenbank_connection_string,
       d.arzsw_mandant_id AS datenbank_mandant_id
  FROM arzsw_benutzer AS b
  INNER JOIN arzsw_mandant AS m ON b.arzsw_mandant_id = m.arzsw_mandant_id
  INNER JOIN arzsw_datenbank AS d ON b.arzsw_datenbank_id = d.arzsw_datenbank_id
 WHERE b.login_name = $1
 LIMIT 1`;

interface UserRow {
  arzsw_benutzer_id: number | null;
  benutzer_name: string | null;
  login_name: string | null;
  login_passwort: string | null;
  login_passwort_crypt: string | null;
  arzsw_mandant_id: number | null;
  arzsw_datenbank_id: number | null;
  mandant_pk: number | null;
  code_kenner: string | null;
  mandant_name: string | null;
  datenbank_pk: number | null;
  datenbank_name: string | null;
  datenbank_connection_string: string | null;
  datenbank_mandant_id: number | null;
}

const REQUIRED: ReadonlyArray<keyof UserRow> = [
  'arzsw_benutzer_id',
  'benutzer_name',
  'login_name',
  'login_passwort',
  'arzsw_mandant_id',
  'arzsw_datenbank_id',
  'mandant_pk',
  'code_kenner',
  'mandant_name',
  'datenbank_pk',
  'datenbank_name',
  'datenbank_connection_string',
  'datenbank_mandant_id',
];

export type UserLookup =
  | { readonly found: false }
  /** The row exists but EF could not have materialized it (a NULL where the mapping forbids one). */
  | { readonly found: true; readonly usable: false }
  | {
      readonly found: true;
      readonly usable: true;
      readonly principal: Principal;
      readonly password: StoredPassword;
    };

/** Throws when the management database cannot be queried (the caller turns that into "unavailable"). */
export async function lookupUser(db: SqlExecutor, loginName: string): Promise<UserLookup> {
  const { rows } = await db.query<UserRow>(USER_LOOKUP_SQL, [loginName]);
  const row = rows[0];
  if (!row) return { found: false };
  if (REQUIRED.some((column) => row[column] === null || row[column] === undefined)) {
    return { found: true, usable: false };
  }
  const principal: Principal = Object.freeze({
    userId: row.arzsw_benutzer_id as number,
    loginName: row.login_name as string,
    mandantId: row.arzsw_mandant_id as number,
    clientCode: row.code_kenner as string,
    tenant: Object.freeze({
      datenbankId: row.arzsw_datenbank_id as number,
      connectionString: row.datenbank_connection_string as string,
    }),
  });
  return {
    found: true,
    usable: true,
    principal,
    password: { plain: row.login_passwort as string, crypt: row.login_passwort_crypt },
  };
}
