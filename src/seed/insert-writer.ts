// RowWriter over any SqlExecutor with multi-row parameterised INSERTs: slow but portable (PGlite,
// the SqlDatabase port). Statements are kept below the protocol's parameter limit and a few MB.
import type { SqlExecutor } from '../core/sql-port.js';
import type { RowWriter } from './row-writer.js';
import type { Row, TableSpec } from './tenant-tables.js';

const MAX_PARAMS = 30_000;
const MAX_CHARS = 4 * 1024 * 1024;

export function createInsertWriter(db: SqlExecutor): RowWriter {
  const flush = async (table: TableSpec, rows: readonly Row[]) => {
    if (rows.length === 0) return;
    const width = table.columns.length;
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const row of rows) {
      if (row.length !== width)
        throw new Error(`${table.name}: row has ${row.length} values, expected ${width}`);
      const slots = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      tuples.push(`(${slots.join(',')})`);
    }
    await db.query(
      `INSERT INTO ${table.name} (${table.columns.join(',')}) VALUES ${tuples.join(',')}`,
      params,
    );
  };
  return {
    async write(table, rows) {
      const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMS / table.columns.length));
      let chunk: Row[] = [];
      let chars = 0;
      for (const row of rows) {
        const rowChars = row.reduce<number>((sum, v) => sum + (typeof v === 'string' ? v.length : 8), 0);
        if (chunk.length > 0 && (chunk.length >= rowsPerStatement || chars + rowChars > MAX_CHARS)) {
          await flush(table, chunk);
          chunk = [];
          chars = 0;
        }
        chunk.push(row);
        chars += rowChars;
      }
      await flush(table, chunk);
    },
    finish: async () => undefined,
  };
}
