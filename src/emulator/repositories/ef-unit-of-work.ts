// The slice of EF Core change tracking the legacy's prescription writes rely on (CONTRACT §6.4, §6.6):
// tracked daten/status entities with identity resolution, staged status INSERTs that later lookups
// do not see, and one SaveChanges that writes only changed columns and maps failures to EF's
// exception messages. Not thread-safe; one instance per request, like a DbContext.
import type { SqlExecutor } from '../../core/sql-port.js';
import type { PrescriptionTables } from './prescription-tables.js';

export const SAVE_FAILED =
  'An error occurred while saving the entity changes. See the inner exception for details.';
export const CONCURRENCY_FAILED =
  'The database operation was expected to affect 1 row(s), but actually affected 0 row(s); data may have been ' +
  'modified or deleted since entities were loaded. See https://go.microsoft.com/fwlink/?LinkId=527962 for ' +
  'information on understanding and handling optimistic concurrency exceptions.';

/** DbUpdateException / DbUpdateConcurrencyException: `message` is what the legacy reports. */
export class DbUpdateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbUpdateError';
  }
}

/** Exception.Message of an Npgsql exception: PostgresException prints "<SQLSTATE>: <text>". */
export function dotNetMessage(err: unknown): string {
  if (err instanceof DbUpdateError) return err.message;
  const e = err as { code?: unknown; severity?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && typeof e.severity === 'string') return `${e.code}: ${String(e.message)}`;
  return typeof e?.message === 'string' ? e.message : String(err);
}

export interface DatenEntity {
  readonly tables: PrescriptionTables;
  readonly pk: number;
  readonly fk: number | null;
  readonly rezeptUuid: string;
  readonly originalTransferArz: boolean | null;
  transferArz: boolean | null;
}

export interface StatusEntity {
  readonly tables: PrescriptionTables;
  readonly pk: number;
  readonly originalStatus: string | null;
  readonly originalDate: string | null;
  rezeptStatus: string | null;
  statusAbfrageDatum: string | null;
}

interface StagedInsert {
  readonly tables: PrescriptionTables;
  readonly fk: number | null;
  readonly rezeptStatus: string;
  readonly statusAbfrageDatum: string;
}

type Row = Record<string, unknown>;

export class UnitOfWork {
  private readonly daten = new Map<string, DatenEntity>();
  private readonly statuses = new Map<string, StatusEntity>();
  private readonly inserts: StagedInsert[] = [];

  constructor(private readonly db: SqlExecutor) {}

  /** A daten row made tracked (the tracked instance wins over fresh database values). */
  track(t: PrescriptionTables, row: Row): DatenEntity {
    const pk = row[t.datenPk] as number;
    const key = `${t.daten}:${pk}`;
    let entity = this.daten.get(key);
    if (!entity) {
      const transferArz = row.transfer_arz as boolean | null;
      entity = {
        tables: t,
        pk,
        fk: row[t.fk] as number | null,
        rezeptUuid: row.rezept_uuid as string,
        originalTransferArz: transferArz,
        transferArz,
      };
      this.daten.set(key, entity);
    }
    return entity;
  }

  /** `Daten.FirstOrDefaultAsync(d => d.RezeptUuid == uuid)`: exact match, no transfer_arz filter. */
  async findDatenByUuid(t: PrescriptionTables, uuid: string): Promise<DatenEntity | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT e.${t.datenPk}, e.${t.fk}, e.rezept_uuid, e.transfer_arz, e.xml_request
FROM ${t.daten} AS e
WHERE e.rezept_uuid = $1
LIMIT 1`,
      [uuid],
    );
    return rows[0] ? this.track(t, rows[0]) : null;
  }

  /** `Statuses.FirstOrDefaultAsync(s => s.Fk == fk)`: LIMIT 1 without ORDER BY (Q8). */
  async findFirstStatus(t: PrescriptionTables, fk: number | null): Promise<StatusEntity | null> {
    const columns = [t.statusPk, ...t.statusColumns].map((c) => `e.${c}`).join(', ');
    const where = fk === null ? `e.${t.fk} IS NULL` : `e.${t.fk} = $1`;
    const { rows } = await this.db.query<Row>(
      `SELECT ${columns}
FROM ${t.status} AS e
WHERE ${where}
LIMIT 1`,
      fk === null ? [] : [fk],
    );
    const row = rows[0];
    if (!row) return null;
    const pk = row[t.statusPk] as number;
    const key = `${t.status}:${pk}`;
    let entity = this.statuses.get(key);
    if (!entity) {
      entity = {
        tables: t,
        pk,
        originalStatus: row.rezept_status as string | null,
        originalDate: row.status_abfrage_datum as string | null,
        rezeptStatus: row.rezept_status as string | null,
        statusAbfrageDatum: row.status_abfrage_datum as string | null,
      };
      this.statuses.set(key, entity);
    }
    return entity;
  }

  /** `Statuses.Add(new …Status { Fk, RezeptStatus, StatusAbfrageDatum })`, written at SaveChanges. */
  addStatus(
    t: PrescriptionTables,
    fk: number | null,
    rezeptStatus: string,
    statusAbfrageDatum: string,
  ): void {
    this.inserts.push({ tables: t, fk, rezeptStatus, statusAbfrageDatum });
  }

  /** Sets status + date on the first status row of a head, or stages a new row (v1 writes, V2 PATCH). */
  async setStatus(
    t: PrescriptionTables,
    fk: number | null,
    rezeptStatus: string,
    today: string,
  ): Promise<void> {
    const status = await this.findFirstStatus(t, fk);
    if (status === null) {
      this.addStatus(t, fk, rezeptStatus, today);
    } else {
      status.rezeptStatus = rezeptStatus;
      status.statusAbfrageDatum = today;
    }
  }

  /** Whether SaveChanges would send anything (EF sends nothing, not even a transaction, otherwise). */
  hasChanges(): boolean {
    if (this.inserts.length > 0) return true;
    for (const d of this.daten.values()) if (d.transferArz !== d.originalTransferArz) return true;
    for (const s of this.statuses.values())
      if (s.rezeptStatus !== s.originalStatus || s.statusAbfrageDatum !== s.originalDate) return true;
    return false;
  }

  /** SaveChanges on `db` (the open transaction, or one EF would start). */
  async saveChanges(db: SqlExecutor = this.db): Promise<void> {
    try {
      for (const d of this.daten.values()) {
        if (d.transferArz === d.originalTransferArz) continue;
        await expectOneRow(
          db,
          `UPDATE ${d.tables.daten} SET transfer_arz = $1 WHERE ${d.tables.datenPk} = $2`,
          [d.transferArz, d.pk],
        );
      }
      for (const s of this.statuses.values()) {
        const sets: string[] = [];
        const params: unknown[] = [];
        if (s.rezeptStatus !== s.originalStatus) {
          params.push(s.rezeptStatus);
          sets.push(`rezept_status = $${params.length}`);
        }
        if (s.statusAbfrageDatum !== s.originalDate) {
          params.push(s.statusAbfrageDatum);
          sets.push(`status_abfrage_datum = $${params.length}`);
        }
        if (sets.length === 0) continue;
        params.push(s.pk);
        await expectOneRow(
          db,
          `UPDATE ${s.tables.status} SET ${sets.join(', ')} WHERE ${s.tables.statusPk} = $${params.length}`,
          params,
        );
      }
      for (const i of this.inserts) await insertStatus(db, i);
    } catch (err) {
      if (err instanceof DbUpdateError) throw err;
      throw new DbUpdateError(SAVE_FAILED, { cause: err });
    }
  }
}

async function expectOneRow(db: SqlExecutor, sql: string, params: unknown[]): Promise<void> {
  const { rowCount } = await db.query(sql, params);
  if (rowCount !== 1) throw new DbUpdateError(CONCURRENCY_FAILED);
}

/** rezept_check and abrechen_status are left to their DB defaults; rezept_check_level is the CLR default 0. */
async function insertStatus(db: SqlExecutor, i: StagedInsert): Promise<void> {
  const t = i.tables;
  const columns = [
    t.fk,
    t.statusExtraColumn,
    'rezept_status',
    'rz_abfrage_id',
    'status_abfrage_datum',
    'status_abfrage_zeit',
  ];
  const values: unknown[] = [i.fk, null, i.rezeptStatus, null, i.statusAbfrageDatum, null];
  if (t.type === 'E-Rezept') {
    columns.push('rezept_check_level');
    values.push(0);
  }
  await db.query(
    `INSERT INTO ${t.status} (${columns.join(', ')})
VALUES (${values.map((_, k) => `$${k + 1}`).join(', ')})
RETURNING ${t.statusPk}, abrechen_status, rezept_check`,
    values,
  );
}
