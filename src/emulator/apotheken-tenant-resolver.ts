// TenantConnectionResolver.ResolveForUserAsync (CONTRACT §4.2, Q23): the Apotheken endpoints find
// their tenant DB by login name through a process-wide IMemoryCache entry with a 10-minute sliding
// expiration, so a changed mapping stays invisible while the user keeps calling.
import type { ManagementAccess } from './basic-authentication.js';

const SLIDING_EXPIRATION_MS = 10 * 60 * 1000;

// ArzswBenutzers.Include(Datenbank).Where(login = @l).Select(b => b.ArzswDatenbank.DatenbankConnectionString)
const CONNECTION_QUERY = `SELECT a0.datenbank_connection_string
FROM arzsw_benutzer AS a
INNER JOIN arzsw_datenbank AS a0 ON a.arzsw_datenbank_id = a0.arzsw_datenbank_id
WHERE a.login_name = $1
LIMIT 1`;

export interface ApothekenTenantResolver {
  /** The tenant connection string, or null (no mapping, empty string, or any error). */
  resolve(loginName: string): Promise<string | null>;
}

export function createApothekenTenantResolver(
  management: ManagementAccess,
  nowMs: () => number = Date.now,
): ApothekenTenantResolver {
  const cache = new Map<string, { value: string; lastAccessMs: number }>();
  return {
    async resolve(loginName) {
      if (loginName === '') return null;
      const key = `tenant_conn_${loginName}`;
      const now = nowMs();
      const hit = cache.get(key);
      if (hit && now - hit.lastAccessMs < SLIDING_EXPIRATION_MS) {
        hit.lastAccessMs = now;
        return hit.value;
      }
      if (hit) cache.delete(key);
      try {
        management.onQuery();
        const { rows } = await management.db.query<{ datenbank_connection_string: string | null }>(
          CONNECTION_QUERY,
          [loginName],
        );
        const value = rows[0]?.datenbank_connection_string;
        if (!value) return null;
        cache.set(key, { value, lastAccessMs: nowMs() });
        return value;
      } catch {
        return null;
      }
    },
  };
}
