// The same fast-path code on PGlite (the demo's in-process database): migration, list pages (one
// statement and keyset streaming in a snapshot transaction) and statusuuid match the reference oracle.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type PgliteDatabase } from '../../../src/adapters/pglite/pglite-database.js';
import { createPglite } from '../../../src/adapters/pglite/pglite-factory.js';
import { splitSqlStatements } from '../../../src/migrate/sql-statements.js';
import { fetchListPage, fetchStatusUuidRows } from '../../../src/prescriptions/fast-queries.js';
import { missingFastPathIndexes } from '../../../src/prescriptions/fast-path-readiness.js';
import type { PrescriptionType } from '../../../src/prescriptions/prescription-types.js';
import { renderSplicedChunk, type SplicedChunk } from '../../../src/prescriptions/spliced-body.js';
import { encodeV2ListBody } from '../../../src/prescriptions/v2-body-writer.js';
import { answerV2Read } from '../../../src/prescriptions/v2-fast-answer.js';
import { insertPrescriptions } from '../../support/emulator-fixtures.js';
import { edgeCases } from './edge-cases.js';
import { referenceList, referenceStatusUuid } from './reference-oracle.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const ALL: PrescriptionType[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];
let db: PgliteDatabase;

async function runScript(file: string): Promise<void> {
  for (const statement of splitSqlStatements(await readFile(path.join(ROOT, file), 'utf8')))
    await db.query(statement);
}

describe('fast path on PGlite', () => {
  beforeAll(async () => {
    db = createPgliteDatabase(await createPglite());
    await runScript('sql/schema/apoti.sql');
    await runScript('sql/migrations/tenant/001_fast_path_indexes.up.sql');
    await insertPrescriptions(db, ALL.flatMap(edgeCases));
  }, 60_000);

  afterAll(async () => {
    await db?.close();
  });

  it('has the indexes and lists like the reference', async () => {
    expect(await missingFastPathIndexes(db)).toEqual([]);
    for (const types of [ALL, ['P-Rezept'] as PrescriptionType[]]) {
      for (const [pageSize, offset] of [
        [100, 0],
        [4, 8],
        [0, 0],
      ] as const) {
        expect(await fetchListPage(db, { types, pageSize, offset })).toEqual(
          await referenceList(db, types, pageSize, offset),
        );
      }
    }
  });

  it('streams a large page in a snapshot transaction and answers statusuuid', async () => {
    const expected = await referenceList(db, ALL, 20, 0);
    const answer = await answerV2Read(
      db,
      { op: 'list', types: ALL, page: 1, pageSize: 20, offset: 0 },
      { environment: 'Demo', batchRows: 3, chunkBytes: 512 },
    );
    const chunks: SplicedChunk[] = [];
    for await (const c of answer.chunks) chunks.push(c);
    const render = (cs: readonly SplicedChunk[]) =>
      Buffer.concat(cs.map((c) => renderSplicedChunk(c, () => 'T'))).toString('latin1');
    expect(render(chunks)).toBe(
      render(
        encodeV2ListBody(expected.rows, {
          totalCount: expected.totalCount,
          page: 1,
          pageSize: 20,
          environment: 'Demo',
        }),
      ),
    );
    const uuids = ['em-100-b', 'shared-uuid', 'pr-101', 'nope'];
    expect(await fetchStatusUuidRows(db, uuids)).toEqual(await referenceStatusUuid(db, uuids));
  });
});
