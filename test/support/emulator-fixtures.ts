// Fixtures for tests that need the legacy emulator (src/emulator) and its two databases. Every helper
// works on throw-away databases from createTestDatabase; nothing is shared between test files.
//
//   const legacy = await startLegacyFixture({ prefix: 'v2list' });       // DBs + user + emulator on port 0
//   await insertPrescriptions(legacy.tenantDb, [
//     { type: 'E-Rezept', id: 7, daten: [{ rezeptUuid: 'u-7' }], status: [{ rezeptStatus: 'NEU' }] },
//   ]);
//   const res = await fetch(`${legacy.url}/v2/rezept`, { headers: { authorization: legacy.auth } });
//   await legacy.close();                                                  // stops the emulator, drops the DBs
//
// API
// - startLegacyFixture({ prefix?, users?, emulator? }) → LegacyFixture: a management DB (arzsw schema) with
//   the default user `apoti_user_rzstein` / `123456` (plaintext) mapped to a fresh tenant DB (apoti schema),
//   plus the emulator started on 127.0.0.1:0. `users` adds more users; `emulator` overrides options.
// - insertPrescriptions(db, fixtures): heads (+ er_senderezepte_header rows), daten and status rows with
//   concise defaults (one untransferred daten row per head, no status row); sequences are advanced past
//   explicit ids so rows the emulator inserts later get fresh keys.
// - insertManagementUsers(db, users): arzsw_mandant / arzsw_datenbank / arzsw_benutzer rows.
// - insertApotheke(db, fields): one er_apotheke row, returns its id.
// - basicAuth(user, password): the Authorization header value (UTF-8, Base64).
// - bcryptHash(password, cost?): a $2b$ hash for login_passwort_crypt.
import { hashSync } from '@node-rs/bcrypt';
import { createPgDatabase } from '../../src/adapters/postgres/pg-database.js';
import type { SqlDatabase, SqlExecutor } from '../../src/core/sql-port.js';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/emulator.js';
import { createTestDatabase, type TestDatabase } from './pg-databases.js';

export type FixtureType = 'eMuster16' | 'P-Rezept' | 'E-Rezept';

export interface DatenFixture {
  id?: number;
  /** Default: `<type>-<head id>-<n>` */
  rezeptUuid?: string;
  /** Default false ("new"); null is possible (never "new", Q22). */
  transferArz?: boolean | null;
  /** Default `<x id="<uuid>"/>` */
  xmlRequest?: string;
}

export interface StatusFixture {
  id?: number;
  rezeptStatus?: string | null;
  abrechenStatus?: string | null;
  /** yyyy-MM-dd */
  statusAbfrageDatum?: string | null;
  /** HH:mm:ss[.ffffff] */
  statusAbfrageZeit?: string | null;
  /** E-Rezept only (NOT NULL there); default 0. */
  rezeptCheckLevel?: number;
}

export interface PrescriptionFixture {
  type: FixtureType;
  /** Head id (id_senderezepte_<type>). */
  id: number;
  /** er_senderezepte_header row, created on demand; default 1. */
  headerId?: number;
  /** Default `RZ<id>`. */
  rzLieferId?: string;
  muster16Id?: bigint | number | null;
  transaktionsNummer?: bigint | number | null;
  erezeptId?: string | null;
  /** Default: one untransferred row. */
  daten?: DatenFixture[];
  /** Default: none. */
  status?: StatusFixture[];
}

const STEM: Record<FixtureType, string> = {
  eMuster16: 'emuster16',
  'P-Rezept': 'prezept',
  'E-Rezept': 'erezept',
};

const num = (v: bigint | number | null | undefined) => (v === null || v === undefined ? null : v.toString());

export async function insertPrescriptions(
  db: SqlExecutor,
  fixtures: readonly PrescriptionFixture[],
): Promise<void> {
  const headers = new Set(fixtures.map((f) => f.headerId ?? 1));
  for (const h of headers) {
    await db.query(
      `INSERT INTO er_senderezepte_header (id_senderezepte_header, apo_int_nr, rz_liefer_id)
       VALUES ($1, 'APO1', 'RZ-HEADER') ON CONFLICT DO NOTHING`,
      [h],
    );
  }
  for (const f of fixtures) {
    const stem = STEM[f.type];
    const head = `er_senderezepte_${stem}`;
    const extra =
      f.type === 'eMuster16'
        ? ['muster16_id', num(f.muster16Id)]
        : f.type === 'P-Rezept'
          ? ['transaktions_nummer', num(f.transaktionsNummer)]
          : ['erezept_id', f.erezeptId ?? null];
    await db.query(
      `INSERT INTO ${head} (id_senderezepte_${stem}, id_senderezepte_header, rz_liefer_id, ${extra[0]})
       VALUES ($1, $2, $3, $4)`,
      [f.id, f.headerId ?? 1, f.rzLieferId ?? `RZ${f.id}`, extra[1]],
    );
    const daten = f.daten ?? [{}];
    for (const [n, d] of daten.entries()) {
      const uuid = d.rezeptUuid ?? `${stem}-${f.id}-${n}`;
      const columns = [`id_senderezepte_${stem}`, 'rezept_uuid', 'transfer_arz', 'xml_request'];
      const values: unknown[] = [
        f.id,
        uuid,
        d.transferArz === undefined ? false : d.transferArz,
        d.xmlRequest ?? `<x id="${uuid}"/>`,
      ];
      if (d.id !== undefined) {
        columns.unshift(`id_senderezepte_${stem}_daten`);
        values.unshift(d.id);
      }
      await db.query(
        `INSERT INTO ${head}_daten (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
        values,
      );
    }
    for (const s of f.status ?? []) {
      const columns = [
        `id_senderezepte_${stem}`,
        'rezept_status',
        'abrechen_status',
        'status_abfrage_datum',
        'status_abfrage_zeit',
      ];
      const values: unknown[] = [
        f.id,
        s.rezeptStatus === undefined ? 'VOR_PRUEFUNG' : s.rezeptStatus,
        s.abrechenStatus === undefined ? 'VOR_PRUEFUNG' : s.abrechenStatus,
        s.statusAbfrageDatum ?? null,
        s.statusAbfrageZeit ?? null,
      ];
      if (f.type === 'E-Rezept') {
        columns.push('rezept_check_level');
        values.push(s.rezeptCheckLevel ?? 0);
      }
      if (s.id !== undefined) {
        columns.unshift(`id_senderezepte_${stem}_status`);
        values.unshift(s.id);
      }
      await db.query(
        `INSERT INTO ${head}_status (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
        values,
      );
    }
  }
  await advanceSequences(db);
}

/** Moves every sequence-backed key past the largest explicit id, so later inserts do not collide. */
export async function advanceSequences(db: SqlExecutor): Promise<void> {
  const { rows } = await db.query<{ table_name: string; column_name: string; column_default: string }>(
    `SELECT table_name, column_name, column_default FROM information_schema.columns
     WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'`,
  );
  for (const r of rows) {
    const seq = /nextval\('([^']+)'/.exec(r.column_default)?.[1];
    if (!seq) continue;
    await db.query(
      `SELECT setval($1::regclass, (SELECT COALESCE(max(${r.column_name}), 0) + 1 FROM ${r.table_name}), false)`,
      [seq],
    );
  }
}

export interface UserFixture {
  loginName: string;
  /** Stored in login_passwort (plaintext branch) unless `passwordCrypt` is given. Default "". */
  password?: string;
  /** login_passwort_crypt (e.g. from bcryptHash); when set, login_passwort holds "unused". */
  passwordCrypt?: string | null;
  /** arzsw_datenbank.datenbank_connection_string of the user's tenant DB. */
  connectionString: string;
  /** arzsw_mandant.code_kenner; default TEST001. */
  mandantCode?: string;
  userId?: number;
}

export async function insertManagementUsers(db: SqlExecutor, users: readonly UserFixture[]): Promise<void> {
  for (const u of users) {
    const code = u.mandantCode ?? 'TEST001';
    const mandant = await db.query<{ arzsw_mandant_id: number }>(
      `INSERT INTO arzsw_mandant (code_kenner, mandant_name) VALUES ($1, $1)
       ON CONFLICT (code_kenner) DO UPDATE SET mandant_name = EXCLUDED.mandant_name RETURNING arzsw_mandant_id`,
      [code],
    );
    const mandantId = mandant.rows[0]?.arzsw_mandant_id;
    const existing = await db.query<{ arzsw_datenbank_id: number }>(
      'SELECT arzsw_datenbank_id FROM arzsw_datenbank WHERE datenbank_connection_string = $1 LIMIT 1',
      [u.connectionString],
    );
    let datenbankId = existing.rows[0]?.arzsw_datenbank_id;
    if (datenbankId === undefined) {
      const inserted = await db.query<{ arzsw_datenbank_id: number }>(
        `INSERT INTO arzsw_datenbank (datenbank_name, datenbank_connection_string, arzsw_mandant_id)
         VALUES ('db-' || md5(random()::text), $1, $2) RETURNING arzsw_datenbank_id`,
        [u.connectionString, mandantId],
      );
      datenbankId = inserted.rows[0]?.arzsw_datenbank_id;
    }
    const columns = [
      'benutzer_name',
      'login_name',
      'login_passwort',
      'login_passwort_crypt',
      'arzsw_mandant_id',
      'arzsw_datenbank_id',
    ];
    const values: unknown[] = [
      u.loginName,
      u.loginName,
      u.passwordCrypt ? 'unused' : (u.password ?? ''),
      u.passwordCrypt ?? null,
      mandantId,
      datenbankId,
    ];
    if (u.userId !== undefined) {
      columns.unshift('arzsw_benutzer_id');
      values.unshift(u.userId);
    }
    await db.query(
      `INSERT INTO arzsw_benutzer (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }
  await advanceSequences(db);
}

export interface ApothekeFixture {
  idApotheke?: number;
  apothekeName: string;
  apoIkNr: bigint | number;
  [column: string]: unknown;
}

/** Inserts one er_apotheke row; extra members are column names (snake_case). Returns the id. */
export async function insertApotheke(db: SqlExecutor, fields: ApothekeFixture): Promise<number> {
  const { idApotheke, apothekeName, apoIkNr, ...rest } = fields;
  const columns = ['apotheke_name', 'apo_ik_nr', ...Object.keys(rest)];
  const values: unknown[] = [apothekeName, apoIkNr.toString(), ...Object.values(rest)];
  if (idApotheke !== undefined) {
    columns.unshift('id_apotheke');
    values.unshift(idApotheke);
  }
  const { rows } = await db.query<{ id_apotheke: number }>(
    `INSERT INTO er_apotheke (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING id_apotheke`,
    values,
  );
  await advanceSequences(db);
  return rows[0]?.id_apotheke as number;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export function bcryptHash(password: string, cost = 4): string {
  return hashSync(password, cost);
}

export const DEFAULT_USER = { loginName: 'apoti_user_rzstein', password: '123456' } as const;

export interface LegacyFixture {
  /** Base URL of the emulator (no trailing slash, path base not included). */
  readonly url: string;
  readonly emulator: EmulatorHandle;
  readonly management: TestDatabase;
  readonly tenant: TestDatabase;
  /** Open connections to the two databases, for arranging rows and checking writes. */
  readonly managementDb: SqlDatabase;
  readonly tenantDb: SqlDatabase;
  /** Authorization header of the default user. */
  readonly auth: string;
  close(): Promise<void>;
}

export interface LegacyFixtureOptions {
  prefix?: string;
  /** More users; `connectionString` defaults to the fixture's tenant DB (Npgsql syntax). */
  users?: ReadonlyArray<Omit<UserFixture, 'connectionString'> & { connectionString?: string }>;
  emulator?: Partial<Omit<EmulatorOptions, 'management'>>;
}

export async function startLegacyFixture(options: LegacyFixtureOptions = {}): Promise<LegacyFixture> {
  const prefix = options.prefix ?? 'legacy';
  const [management, tenant] = await Promise.all([
    createTestDatabase(`${prefix}_sw`, ['arzsw']),
    createTestDatabase(`${prefix}_ti`, ['apoti']),
  ]);
  const managementDb = createPgDatabase({ connectionString: management.url, max: 4 });
  const tenantDb = createPgDatabase({ connectionString: tenant.url, max: 4 });
  await insertManagementUsers(managementDb, [
    { ...DEFAULT_USER, connectionString: tenant.npgsql },
    ...(options.users ?? []).map((u) => ({ ...u, connectionString: u.connectionString ?? tenant.npgsql })),
  ]);
  const emulator = await startEmulator({ management: management.url, ...options.emulator });
  return {
    url: emulator.url,
    emulator,
    management,
    tenant,
    managementDb,
    tenantDb,
    auth: basicAuth(DEFAULT_USER.loginName, DEFAULT_USER.password),
    async close() {
      await emulator.close();
      await Promise.all([managementDb.close(), tenantDb.close()]);
      await Promise.all([management.drop(), tenant.drop()]);
    },
  };
}
