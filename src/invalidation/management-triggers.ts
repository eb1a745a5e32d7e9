// Checks that the change triggers of sql/migrations/management/001_auth_notify are installed and enabled.
// Without them no notification ever arrives and management changes take effect only after the cache TTL;
// the composition root reports this in readiness and logs it once at start.
import type { SqlExecutor } from '../core/sql-port.js';

const TABLES = ['arzsw_benutzer', 'arzsw_datenbank', 'arzsw_mandant'];
const TRIGGERS = [
  'arzti_edge_auth_ins',
  'arzti_edge_auth_upd',
  'arzti_edge_auth_del',
  'arzti_edge_auth_trunc',
];

export async function managementTriggersInstalled(db: SqlExecutor): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relname = ANY($1::text[]) AND t.tgname = ANY($2::text[])
        AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND pg_table_is_visible(c.oid)`,
    [TABLES, TRIGGERS],
  );
  return rows[0]?.n === TABLES.length * TRIGGERS.length;
}
