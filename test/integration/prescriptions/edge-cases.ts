// Hand-built edge cases for the V2 reads (CONTRACT §6.1–§6.3), the same for every prescription type
// (ids are per table): several daten/status rows, NULL transfer_arz, ABGERECHNET in any status row
// (case-sensitive), no daten, the same uuid in two type tables, int8 beyond 2^53, characters STJ escapes.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import type { SqlDatabase } from '../../../src/core/sql-port.js';
import { splitSqlStatements } from '../../../src/migrate/sql-statements.js';
import type { PrescriptionType } from '../../../src/prescriptions/prescription-types.js';
import { insertPrescriptions, type PrescriptionFixture } from '../../support/emulator-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';

/** The same edge cases for every type (ids are per table), plus type-specific values. */
export function edgeCases(type: PrescriptionType): PrescriptionFixture[] {
  const t = type === 'eMuster16' ? 'em' : type === 'P-Rezept' ? 'pr' : 'er';
  const xml = `<?xml version="1.0"?><r t='${t}'>Grüße & <b>+</b> \`x\` \u0001 😀</r>`;
  const f: PrescriptionFixture[] = [
    {
      type,
      id: 100, // several untransferred daten rows → lowest PK; several status rows → lowest PK
      daten: [
        { id: 1003, transferArz: true, rezeptUuid: `${t}-100-a` },
        { id: 1009, rezeptUuid: `${t}-100-c` },
        { id: 1007, rezeptUuid: `${t}-100-b`, xmlRequest: xml },
      ],
      status: [
        {
          id: 2005,
          rezeptStatus: 'VERARBEITET',
          abrechenStatus: 'OK',
          statusAbfrageDatum: '2025-01-02',
          statusAbfrageZeit: '10:11:12.5',
        },
        { id: 2001, rezeptStatus: 'GELESEN', abrechenStatus: 'HINWEIS', statusAbfrageDatum: '2025-01-01' },
      ],
    },
    { type, id: 101, daten: [{ transferArz: null, rezeptUuid: `${t}-101` }] }, // NULL is never new (Q22)
    {
      type,
      id: 102, // any ABGERECHNET row excludes, even when it is not the oldest
      daten: [{ rezeptUuid: `${t}-102` }],
      status: [{ rezeptStatus: 'GELESEN' }, { rezeptStatus: 'ABGERECHNET' }],
    },
    { type, id: 103, daten: [{ rezeptUuid: `${t}-103` }], status: [{ rezeptStatus: 'abgerechnet' }] },
    { type, id: 104, daten: [{ transferArz: true, rezeptUuid: `${t}-104` }] },
    { type, id: 105, daten: [] },
    { type, id: 106, daten: [{ transferArz: null, rezeptUuid: `${t}-106-a` }, { rezeptUuid: `${t}-106-b` }] },
    {
      type,
      id: 107, // the same uuid in two type tables (eMuster16 and E-Rezept)
      daten: [{ rezeptUuid: type === 'P-Rezept' ? 'pr-107' : 'shared-uuid' }],
      status: [{ rezeptStatus: null, abrechenStatus: null, statusAbfrageZeit: '09:00:00' }],
    },
    {
      type,
      id: 131,
      muster16Id: 9223372036854775807n,
      transaktionsNummer: 9007199254740993n,
      erezeptId: `ä<>&"' ${t}`,
      rzLieferId: 'RZ<&>',
      daten: [{ rezeptUuid: `${t}-131` }],
      status: [
        {
          rezeptStatus: 'FEHLER',
          abrechenStatus: 'X"Y',
          statusAbfrageDatum: '0001-01-01',
          statusAbfrageZeit: '23:59:59.999999',
        },
      ],
    },
  ];
  for (let id = 108; id <= 130; id++) f.push({ type, id, daten: [{ rezeptUuid: `${t}-${id}` }] });
  return f;
}

const MIGRATION = path.resolve(
  import.meta.dirname,
  '../../../sql/migrations/tenant/001_fast_path_indexes.up.sql',
);

/** Applies 001_fast_path_indexes.up.sql statement by statement, as the migration runner does. */
export async function applyFastPathMigration(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of splitSqlStatements(await readFile(MIGRATION, 'utf8')))
      await client.query(statement);
  } finally {
    await client.end();
  }
}

const ALL_TYPES: PrescriptionType[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];

/**
 * A throw-away tenant database with the fast-path migration and the edge cases of every type, and a pool
 * of `max` connections on it. `extra` runs before ANALYZE (rows a suite adds to the edge cases).
 */
export async function edgeCaseTenant(
  prefix: string,
  max: number,
  extra: (db: SqlDatabase) => Promise<unknown> = async () => undefined,
): Promise<{ testDb: TestDatabase; db: SqlDatabase & { pool: pg.Pool } }> {
  const testDb = await createTestDatabase(prefix, ['apoti']);
  await applyFastPathMigration(testDb.url);
  const db = createPgDatabase({ connectionString: testDb.url, max });
  await insertPrescriptions(db, ALL_TYPES.flatMap(edgeCases));
  await extra(db);
  await db.query('ANALYZE');
  return { testDb, db };
}
