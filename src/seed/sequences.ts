// Moves every column-default sequence of the public schema past the highest id in its column, so rows
// the legacy or a test inserts later get fresh ids after a load with explicit ids.
import type { SqlExecutor } from '../core/sql-port.js';

interface SequenceColumn {
  table_name: string;
  column_name: string;
  sequence_name: string;
}

export async function syncSequences(db: SqlExecutor): Promise<number> {
  const { rows } = await db.query<SequenceColumn>(
    `SELECT c.relname AS table_name, a.attname AS column_name,
            substring(pg_get_expr(d.adbin, d.adrelid) from 'nextval\\(''([^'']+)''') AS sequence_name
       FROM pg_attrdef d
       JOIN pg_class c ON c.oid = d.adrelid
       JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
      WHERE c.relnamespace = 'public'::regnamespace AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%'
      ORDER BY 1, 2`,
  );
  for (const row of rows) {
    const table = quoteIdent(row.table_name);
    const column = quoteIdent(row.column_name);
    await db.query(
      `SELECT setval($1::regclass, GREATEST(COALESCE(max(${column}), 0), 1), max(${column}) IS NOT NULL) FROM ${table}`,
      [row.sequence_name],
    );
  }
  return rows.length;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
