// Whether a tenant database is ready for the fast SQL path: the nine indexes of migration
// 001_fast_path_indexes exist and are valid. Without them the fast queries stay correct but scan whole
// tables, so a caller should keep such a tenant on the legacy path. Read-only; one catalog query.
import type { SqlExecutor } from '../core/sql-port.js';
import { PRESCRIPTION_TYPES, TABLE_STEM } from './prescription-types.js';

export const FAST_PATH_INDEXES: readonly string[] = Object.freeze(
  PRESCRIPTION_TYPES.flatMap((t) =>
    ['daten_new', 'status_abgerechnet', 'status_first'].map((n) => `arzti_edge_${TABLE_STEM[t]}_${n}`),
  ),
);

/** The fast-path indexes that are missing or invalid (empty when the tenant is ready). */
export async function missingFastPathIndexes(db: SqlExecutor): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
     WHERE c.relname = ANY($1::text[]) AND i.indisvalid AND pg_catalog.pg_table_is_visible(c.oid)`,
    [FAST_PATH_INDEXES],
  );
  const present = new Set(rows.map((r) => r.name));
  return FAST_PATH_INDEXES.filter((name) => !present.has(name));
}
