// BulkUpdatePrescriptionStatusV2Async (CONTRACT §6.4, Q12): one explicit transaction, per-item
// lookups and error strings, one SaveChanges, and on a failed save or commit a rollback reported as
// "Transaction failed: …" with errorCount = request size and the successCount kept.
import type { SqlDatabase } from '../../core/sql-port.js';
import { dotNetMessage, UnitOfWork } from './ef-unit-of-work.js';
import { EMUSTER16, EREZEPT, PREZEPT, type PrescriptionTables } from './prescription-tables.js';

export interface StatusUpdate {
  readonly rezeptUuid: string;
  readonly type: string;
  readonly transferArz: boolean | null;
  readonly status: string | null;
}

export interface BulkUpdateResult {
  readonly overallSuccess: boolean;
  readonly successCount: number;
  readonly errorCount: number;
  readonly errors: readonly string[];
}

/** `switch (update.Type.ToLower())` */
const BY_LOWER_TYPE: ReadonlyMap<string, PrescriptionTables> = new Map([
  ['emuster16', EMUSTER16],
  ['p-rezept', PREZEPT],
  ['e-rezept', EREZEPT],
]);

/**
 * @param today DateTime.Today of the legacy host, read per item
 * @throws when the transaction cannot be opened (the controller answers 500)
 */
export async function bulkUpdateV2(
  db: SqlDatabase,
  updates: readonly StatusUpdate[],
  today: () => string,
): Promise<BulkUpdateResult> {
  let successCount = 0;
  let errorCount = 0;
  const errors: string[] = [];
  let began = false;
  try {
    await db.transaction(async (tx) => {
      began = true;
      const uow = new UnitOfWork(tx);
      for (const update of updates) {
        try {
          const t = BY_LOWER_TYPE.get(update.type.toLowerCase());
          if (!t) {
            errorCount++;
            errors.push(`Unknown prescription type: ${update.type}`);
            continue;
          }
          const daten = await uow.findDatenByUuid(t, update.rezeptUuid);
          if (!daten) {
            errorCount++;
            errors.push(`${t.type} prescription not found: ${update.rezeptUuid}`);
            continue;
          }
          if (update.transferArz !== null) daten.transferArz = update.transferArz;
          if (update.status !== null && update.status !== '') {
            // status_abfrage_zeit is never touched: a later read shows today's date with the old time.
            await uow.setStatus(t, daten.fk, update.status, today());
          }
          successCount++;
        } catch (err) {
          errorCount++;
          errors.push(`Error updating ${update.rezeptUuid}: ${dotNetMessage(err)}`);
        }
      }
      await uow.saveChanges();
    });
  } catch (err) {
    if (!began) throw err;
    return {
      overallSuccess: false,
      successCount,
      errorCount: updates.length,
      errors: [...errors, `Transaction failed: ${dotNetMessage(err)}`],
    };
  }
  return { overallSuccess: errorCount === 0, successCount, errorCount, errors };
}
