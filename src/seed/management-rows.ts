// Rows of the management (ArzSw) database: mandanten, one arzsw_datenbank row per tenant database,
// and demo users covering the authentication edge cases of CONTRACT §4.1. bcrypt hashes use a salt
// derived from the seed and the login, so they too are deterministic.
import { hashSync } from '@node-rs/bcrypt';
import { createPrng, hashString } from './prng.js';
import type { Row, TableSpec } from './tenant-tables.js';

export interface TenantDatabaseRef {
  /** arzsw_datenbank.datenbank_name (the PostgreSQL database name). */
  name: string;
  /** Npgsql keyword connection string stored in arzsw_datenbank.datenbank_connection_string. */
  connectionString: string;
}

export type PasswordKind = 'bcrypt-2b' | 'bcrypt-2a' | 'plaintext' | 'plaintext-empty-crypt' | 'empty';

export interface SeededUser {
  id: number;
  login: string;
  password: string;
  kind: PasswordKind;
  mandantId: number;
  databaseId: number;
  databaseName: string;
  note: string;
}

export interface ManagementRows {
  mandanten: Row[];
  datenbanken: Row[];
  benutzer: Row[];
  users: SeededUser[];
}

export const MANDANT: TableSpec = {
  name: 'arzsw_mandant',
  columns: ['arzsw_mandant_id', 'code_kenner', 'mandant_name', 'beschreibung'],
};
export const DATENBANK: TableSpec = {
  name: 'arzsw_datenbank',
  columns: [
    'arzsw_datenbank_id',
    'datenbank_name',
    'datenbank_connection_string',
    'datenbank_aktiv',
    'arzsw_mandant_id',
    'beschreibung',
  ],
};
export const BENUTZER: TableSpec = {
  name: 'arzsw_benutzer',
  columns: [
    'arzsw_benutzer_id',
    'benutzer_name',
    'login_name',
    'login_passwort',
    'login_passwort_crypt',
    'beschreibung',
    'arzsw_mandant_id',
    'arzsw_datenbank_id',
  ],
};

const MANDANT_NAMES = [
  ['RZSTEIN', 'Rechenzentrum Stein'],
  ['GFAL', 'GfAL – Gesellschaft für Apotheken-Logistik'],
  ['NORD', 'Apothekenrechenzentrum Nord & Söhne'],
] as const;

/** A bcrypt cost-10 hash with a salt derived from (seed, login): same inputs, same hash. */
export function deterministicBcrypt(
  password: string,
  seed: number,
  login: string,
  version: '2a' | '2b',
): string {
  const prng = createPrng(seed, hashString(login), 0x62637279);
  const salt = new Uint8Array(16);
  for (let i = 0; i < 16; i += 1) salt[i] = prng.nextU32() & 0xff;
  const hash = hashSync(password, 10, salt);
  // $2a$ and $2b$ hash identically for passwords shorter than 255 bytes; only the prefix differs.
  return version === '2a' ? `$2a$${hash.slice(4)}` : hash;
}

interface UserSpec {
  login: string;
  password: string;
  kind: PasswordKind;
  /** 1-based tenant index (clamped to the tenant count). */
  tenant: number;
  /** 1-based mandant; default: the mandant that owns the tenant database. */
  mandant?: number;
  /** login_passwort for hashed users (the hash wins; default ''). */
  storedPlain?: string;
  note: string;
}

export function managementRows(tenants: readonly TenantDatabaseRef[], seed: number): ManagementRows {
  if (tenants.length === 0) throw new Error('at least one tenant database is needed');
  const mandantCount = Math.max(2, tenants.length);
  const mandanten: Row[] = [];
  for (let m = 1; m <= mandantCount; m += 1) {
    const [code, name] = MANDANT_NAMES[m - 1] ?? [`MANDANT${m}`, `Mandant ${m}`];
    mandanten.push([m, code, name, m === 1 ? 'Demo-Mandant; Zugang über Basic Auth' : null]);
  }
  const datenbanken: Row[] = tenants.map((t, i) => [
    i + 1,
    t.name,
    t.connectionString,
    true,
    i + 1,
    `Rezeptdatenbank ${i + 1} (generiert)`,
  ]);

  const specs: UserSpec[] = [
    {
      login: 'apoti_user_rzstein',
      password: '123456',
      kind: 'bcrypt-2b',
      tenant: 1,
      note: 'the CONTRACT §8.2 demo user',
    },
    {
      login: 'apoti_user_kasse',
      password: 'kasse-2',
      kind: 'plaintext',
      tenant: 1,
      note: 'shares tenant DB 1',
    },
    {
      login: 'apotheke_müller',
      password: 'Grüße-äöü',
      kind: 'bcrypt-2a',
      tenant: 2,
      storedPlain: 'veraltet',
      note: 'UTF-8 login and password; $2a$ hash; stale login_passwort must be ignored',
    },
    { login: 'leer', password: '', kind: 'empty', tenant: 1, note: 'empty password, no hash' },
    {
      login: 'doppelpunkt',
      password: 'pass:wort:mit:doppelpunkt',
      kind: 'bcrypt-2b',
      tenant: 2,
      note: "':' in the password",
    },
    {
      login: 'doppelpunkt_klar',
      password: 'a:b',
      kind: 'plaintext-empty-crypt',
      tenant: 1,
      note: "':' in a plaintext password; login_passwort_crypt is '' (not NULL)",
    },
    {
      login: 'fremder_mandant',
      password: 'fremd',
      kind: 'plaintext',
      tenant: 1,
      mandant: 2,
      note: 'mandant 2 but tenant DB of mandant 1 (not checked by the legacy)',
    },
  ];
  for (let t = 2; t <= tenants.length; t += 1) {
    specs.push({
      login: `apoti_user_t${t}`,
      password: `tenant-${t}-pw`,
      kind: 'bcrypt-2b',
      tenant: t,
      note: `tenant DB ${t}`,
    });
  }

  const benutzer: Row[] = [];
  const users: SeededUser[] = [];
  specs.forEach((spec, i) => {
    const id = i + 1;
    const databaseId = Math.min(spec.tenant, tenants.length);
    const mandantId = spec.mandant ?? databaseId;
    let plain: string;
    let crypt: string | null;
    switch (spec.kind) {
      case 'bcrypt-2a':
      case 'bcrypt-2b':
        plain = spec.storedPlain ?? '';
        crypt = deterministicBcrypt(spec.password, seed, spec.login, spec.kind === 'bcrypt-2a' ? '2a' : '2b');
        break;
      case 'plaintext-empty-crypt':
        plain = spec.password;
        crypt = '';
        break;
      default:
        plain = spec.password;
        crypt = null;
    }
    benutzer.push([id, `Benutzer ${spec.login}`, spec.login, plain, crypt, spec.note, mandantId, databaseId]);
    users.push({
      id,
      login: spec.login,
      password: spec.password,
      kind: spec.kind,
      mandantId,
      databaseId,
      databaseName: (tenants[databaseId - 1] as TenantDatabaseRef).name,
      note: spec.note,
    });
  });
  return { mandanten, datenbanken, benutzer, users };
}
