// ApothekeRepository (CONTRACT §2.10, §6.7, Q24) on er_apotheke: EF-shaped reads, the INSERT that
// leaves defaulted columns to the database, the UPDATE that overwrites every column, the DELETE.
// Rows are returned as ApothekeDto objects (§3.6 member order) ready for serialization.
import type { SqlExecutor } from '../../core/sql-port.js';
import type { StjObject, StjValue } from '../../core/stj-json.js';
import { formatTimeOnly } from '../../core/stj-datetime.js';
import { CONCURRENCY_FAILED, DbUpdateError, SAVE_FAILED } from './ef-unit-of-work.js';

type Kind = 'text' | 'int' | 'bigint' | 'bool' | 'date' | 'time';

/** ApothekeDto members in declaration order with their column and wire kind. */
const MEMBERS: ReadonlyArray<readonly [member: string, column: string, kind: Kind]> = [
  ['idApotheke', 'id_apotheke', 'int'],
  ['apothekeName', 'apotheke_name', 'text'],
  ['apothekeNameZusatz', 'apotheke_name_zusatz', 'text'],
  ['apoIkNr', 'apo_ik_nr', 'bigint'],
  ['inhaberVorname', 'inhaber_vorname', 'text'],
  ['inhaberNachname', 'inhaber_nachname', 'text'],
  ['apoIntNr', 'apo_int_nr', 'int'],
  ['plz', 'plz', 'int'],
  ['ort', 'ort', 'text'],
  ['strasse', 'strasse', 'text'],
  ['email', 'email', 'text'],
  ['telefon', 'telefon', 'text'],
  ['mobil', 'mobil', 'text'],
  ['fax', 'fax', 'text'],
  ['bemerkung', 'bemerkung', 'text'],
  ['bundesland', 'bundesland', 'text'],
  ['mandantType', 'mandant_type', 'text'],
  ['idLeType', 'id_le_type', 'int'],
  ['idHauptapotheke', 'id_hauptapotheke', 'bigint'],
  ['idHtAnrede', 'id_ht_anrede', 'int'],
  ['filialapotheke', 'filialapotheke', 'int'],
  ['gesperrt', 'gesperrt', 'bool'],
  ['secLogin', 'sec_login', 'int'],
  ['secLoginWerte', 'sec_login_werte', 'text'],
  ['secLoginNurApoUser', 'sec_login_nur_apo_user', 'bool'],
  ['aenIdSecUser', 'aen_id_sec_user', 'int'],
  ['aenDatum', 'aen_datum', 'date'],
  ['aenZeit', 'aen_zeit', 'time'],
];

/** EF's entity projection: key first, then the other columns in property-name order. */
const SELECT_COLUMNS = [
  'id_apotheke',
  ...MEMBERS.filter(([m]) => m !== 'idApotheke')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, c]) => c),
]
  .map((c) => `e.${c}`)
  .join(', ');

/** Columns with a HasDefaultValueSql: omitted from the INSERT when the request value is null. */
const DEFAULTED = new Set([
  'mandant_type',
  'id_le_type',
  'id_hauptapotheke',
  'id_ht_anrede',
  'filialapotheke',
  'gesperrt',
  'sec_login',
  'sec_login_nur_apo_user',
]);

export type ApothekeRow = Record<string, unknown>;

/** The 24 request members keyed by column (values already bound from JSON). */
export type ApothekeValues = Readonly<Record<string, string | number | bigint | boolean | null>>;

function wire(kind: Kind, value: unknown): StjValue {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'bigint':
      return BigInt(value as string | bigint);
    case 'time':
      return formatTimeOnly(value as string);
    default:
      return value as StjValue;
  }
}

/** Create/UpdateApothekeRequest members (C# names) → the 24 writable columns. */
export function apothekeValuesFromRequest(request: Readonly<Record<string, unknown>>): ApothekeValues {
  const values: Record<string, string | number | bigint | boolean | null> = {};
  for (const [member, column] of MEMBERS) {
    const csharpName = member[0]?.toUpperCase() + member.slice(1);
    if (csharpName in request)
      values[column] = request[csharpName] as string | number | bigint | boolean | null;
  }
  return values;
}

export function toApothekeDto(row: ApothekeRow): StjObject {
  const dto: Record<string, StjValue> = {};
  for (const [member, column, kind] of MEMBERS) dto[member] = wire(kind, row[column]);
  return dto;
}

const SEARCH_WHERE = `WHERE strpos(lower(e.apotheke_name), $1) > 0 OR (e.apotheke_name_zusatz IS NOT NULL AND strpos(lower(e.apotheke_name_zusatz), $1) > 0) OR (e.inhaber_vorname IS NOT NULL AND strpos(lower(e.inhaber_vorname), $1) > 0) OR (e.inhaber_nachname IS NOT NULL AND strpos(lower(e.inhaber_nachname), $1) > 0) OR (e.ort IS NOT NULL AND strpos(lower(e.ort), $1) > 0) OR strpos(e.apo_ik_nr::text, $1) > 0`;

/** GetAllAsync / SearchAsync: ORDER BY apotheke_name with SQL paging (negative values fail → 500). */
export async function listApotheken(
  db: SqlExecutor,
  page: number,
  pageSize: number,
  searchTerm: string | null,
): Promise<ApothekeRow[]> {
  const offset = Math.imul((page - 1) | 0, pageSize);
  const where = searchTerm === null ? '' : `\n${SEARCH_WHERE}`;
  const params: unknown[] = searchTerm === null ? [] : [searchTerm];
  params.push(pageSize, offset);
  const { rows } = await db.query<ApothekeRow>(
    `SELECT ${SELECT_COLUMNS}
FROM er_apotheke AS e${where}
ORDER BY e.apotheke_name
LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows;
}

/** GetTotalCountAsync / GetSearchCountAsync */
export async function countApotheken(db: SqlExecutor, searchTerm: string | null): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `SELECT count(*)::int
FROM er_apotheke AS e${searchTerm === null ? '' : `\n${SEARCH_WHERE}`}`,
    searchTerm === null ? [] : [searchTerm],
  );
  return rows[0]?.count ?? 0;
}

/** GetByIdAsync / GetByIkNrAsync: FirstOrDefault without ORDER BY. */
export async function findApotheke(
  db: SqlExecutor,
  by: 'id' | 'ik',
  value: number | bigint,
): Promise<ApothekeRow | null> {
  const column = by === 'id' ? 'id_apotheke' : 'apo_ik_nr';
  const { rows } = await db.query<ApothekeRow>(
    `SELECT ${SELECT_COLUMNS}
FROM er_apotheke AS e
WHERE e.${column} = $1
LIMIT 1`,
    [value.toString()],
  );
  return rows[0] ?? null;
}

/** ExistsByIkNrAsync(ik, excludeId) */
export async function apothekeIkExists(db: SqlExecutor, ik: bigint, excludeId?: number): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>(
    excludeId === undefined
      ? 'SELECT EXISTS (\n    SELECT 1\n    FROM er_apotheke AS e\n    WHERE e.apo_ik_nr = $1)'
      : 'SELECT EXISTS (\n    SELECT 1\n    FROM er_apotheke AS e\n    WHERE e.apo_ik_nr = $1 AND e.id_apotheke <> $2)',
    excludeId === undefined ? [ik.toString()] : [ik.toString(), excludeId],
  );
  return rows[0]?.exists === true;
}

const param = (v: string | number | bigint | boolean | null): unknown =>
  typeof v === 'bigint' ? v.toString() : v;

async function save<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DbUpdateError) throw err;
    throw new DbUpdateError(SAVE_FAILED, { cause: err });
  }
}

/**
 * CreateAsync: INSERT with aen_* = local now and aen_id_sec_user NULL; defaulted columns whose value is
 * null are left out and read back. Returns the in-memory entity (aen_zeit with 7 fraction digits).
 */
export async function insertApotheke(
  db: SqlExecutor,
  values: ApothekeValues,
  aen: { date: string; time: string; pgTime: string },
): Promise<ApothekeRow> {
  const columns: string[] = ['aen_datum', 'aen_id_sec_user', 'aen_zeit'];
  const params: unknown[] = [aen.date, null, aen.pgTime];
  const omitted: string[] = [];
  for (const [column, value] of Object.entries(values)) {
    if (value === null && DEFAULTED.has(column)) omitted.push(column);
    else {
      columns.push(column);
      params.push(param(value));
    }
  }
  const { rows } = await save(() =>
    db.query<ApothekeRow>(
      `INSERT INTO er_apotheke (${columns.join(', ')})
VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})
RETURNING ${['id_apotheke', ...omitted].join(', ')}`,
      params,
    ),
  );
  return { ...values, ...rows[0], aen_datum: aen.date, aen_id_sec_user: null, aen_zeit: aen.time };
}

/** UpdateAsync after Update(entity): every non-key column is written, omitted members as NULL. */
export async function updateApotheke(
  db: SqlExecutor,
  existing: ApothekeRow,
  values: ApothekeValues,
  aen: { date: string; time: string; pgTime: string },
): Promise<ApothekeRow> {
  const entity: ApothekeRow = { ...existing, ...values, aen_datum: aen.date, aen_zeit: aen.pgTime };
  const columns = MEMBERS.map(([, c]) => c).filter((c) => c !== 'id_apotheke');
  const params = columns.map((c) => param(entity[c] as string | number | bigint | boolean | null));
  params.push(existing.id_apotheke);
  await save(async () => {
    const { rowCount } = await db.query(
      `UPDATE er_apotheke SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')}
WHERE id_apotheke = $${params.length}`,
      params,
    );
    if (rowCount !== 1) throw new DbUpdateError(CONCURRENCY_FAILED);
  });
  return { ...entity, aen_zeit: aen.time };
}

/** DeleteAsync after GetByIdAsync: a referencing er_sec_access_fiverx row makes it fail (→ 500). */
export async function deleteApotheke(db: SqlExecutor, id: number): Promise<void> {
  await save(async () => {
    const { rowCount } = await db.query('DELETE FROM er_apotheke\nWHERE id_apotheke = $1', [id]);
    if (rowCount !== 1) throw new DbUpdateError(CONCURRENCY_FAILED);
  });
}
