// The port between the pure row generator and a database: COPY for PostgreSQL (copy-writer.ts),
// multi-row INSERT for anything that speaks SQL, e.g. PGlite (insert-writer.ts).
import type { Row, TableSpec } from './tenant-tables.js';

export interface RowWriter {
  /** Hands rows over (in `table.columns` order); resolves when the writer can take more. */
  write(table: TableSpec, rows: readonly Row[]): Promise<void>;
  /** Completes everything written so far; rejects with the first write error. */
  finish(): Promise<void>;
}
