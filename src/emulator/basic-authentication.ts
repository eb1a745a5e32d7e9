// The legacy's BasicAuthenticationHandler (CONTRACT §4.1): on every request that reaches
// UseAuthentication, parse the header, run the EF Include query against the ArzSw DB (one query per
// request, no cache), verify BCrypt or the plaintext fallback. Any failure, including a database
// outage, is "not authenticated" (never an error response by itself).
import {
  authorizationValues,
  effectiveAuthorization,
  parseBasicCredentials,
} from '../adapters/auth/basic-header.js';
import type { PasswordChecker } from '../adapters/auth/password-check.js';
import type { Principal } from '../core/principal.js';
import type { SqlExecutor } from '../core/sql-port.js';

export interface ManagementAccess {
  readonly db: SqlExecutor;
  /** Counts every statement sent to the ArzSw DB (tests assert one per request). */
  readonly onQuery: () => void;
}

// ArzSwDbContext.ArzswBenutzers.Include(Mandant).Include(Datenbank).FirstOrDefaultAsync(login = @u).
// Joined columns are aliased only because node-postgres keys rows by column name.
const USER_QUERY = `SELECT a.arzsw_benutzer_id, a.arzsw_datenbank_id, a.arzsw_mandant_id, a.benutzer_name, a.beschreibung, a.login_name, a.login_passwort, a.login_passwort_crypt, a0.arzsw_mandant_id AS m_arzsw_mandant_id, a0.beschreibung AS m_beschreibung, a0.code_kenner, a0.mandant_name, a1.arzsw_datenbank_id AS d_arzsw_datenbank_id, a1.arzsw_mandant_id AS d_arzsw_mandant_id, a1.beschreibung AS d_beschreibung, a1.datenbank_aktiv, a1.datenbank_connection_string, a1.datenbank_name
FROM arzsw_benutzer AS a
INNER JOIN arzsw_mandant AS a0 ON a.arzsw_mandant_id = a0.arzsw_mandant_id
INNER JOIN arzsw_datenbank AS a1 ON a.arzsw_datenbank_id = a1.arzsw_datenbank_id
WHERE a.login_name = $1
LIMIT 1`;

interface UserRow {
  arzsw_benutzer_id: number | null;
  arzsw_datenbank_id: number | null;
  arzsw_mandant_id: number | null;
  benutzer_name: string | null;
  login_name: string | null;
  login_passwort: string | null;
  login_passwort_crypt: string | null;
  code_kenner: string | null;
  mandant_name: string | null;
  datenbank_connection_string: string | null;
  datenbank_name: string | null;
}

/** Columns mapped as non-nullable: a NULL makes EF's materializer throw (→ "Authentication failed"). */
const REQUIRED: readonly (keyof UserRow)[] = [
  'arzsw_benutzer_id',
  'arzsw_datenbank_id',
  'arzsw_mandant_id',
  'benutzer_name',
  'login_name',
  'login_passwort',
  'code_kenner',
  'mandant_name',
  'datenbank_connection_string',
  'datenbank_name',
];

/** The authenticated principal, or null (missing/invalid header, unknown user, wrong password, any error). */
export async function authenticateBasic(
  rawHeaders: readonly string[],
  management: ManagementAccess,
  passwords: PasswordChecker,
): Promise<Principal | null> {
  const credentials = parseBasicCredentials(effectiveAuthorization(authorizationValues(rawHeaders)));
  if (!credentials.ok) return null;
  let row: UserRow | undefined;
  try {
    management.onQuery();
    row = (await management.db.query<UserRow>(USER_QUERY, [credentials.username])).rows[0];
  } catch {
    return null; // "Authentication failed: <message>" — a DB outage is a 401, not a 500
  }
  if (!row) return null; // Invalid Username
  if (REQUIRED.some((column) => row[column] === null)) return null;
  const result = await passwords.check(credentials.password, {
    plain: row.login_passwort as string,
    crypt: row.login_passwort_crypt,
  });
  if (result !== 'match') return null; // Invalid Password, or a BCrypt hash format error
  return {
    userId: row.arzsw_benutzer_id as number,
    loginName: row.login_name as string,
    mandantId: row.arzsw_mandant_id as number,
    clientCode: row.code_kenner as string,
    tenant: {
      datenbankId: row.arzsw_datenbank_id as number,
      connectionString: row.datenbank_connection_string as string,
    },
  };
}
