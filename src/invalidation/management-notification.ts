// The payload format of channel `arzti_edge_auth`, written by the triggers of
// sql/migrations/management/001_auth_notify.up.sql: `<table>:<id>,<id>,…`, `<table>:*` or `*`.
// Pure parsing; anything unrecognised means "everything may have changed".

export const MANAGEMENT_CHANNEL = 'arzti_edge_auth';

export type ManagementTable = 'arzsw_benutzer' | 'arzsw_datenbank' | 'arzsw_mandant';

export type ManagementChange =
  | { readonly kind: 'rows'; readonly table: ManagementTable; readonly ids: readonly number[] }
  | { readonly kind: 'all'; readonly table?: ManagementTable };

const TABLES: ReadonlySet<string> = new Set<ManagementTable>([
  'arzsw_benutzer',
  'arzsw_datenbank',
  'arzsw_mandant',
]);
const ID_LIST = /^-?\d{1,10}(?:,-?\d{1,10})*$/;

export function parseManagementPayload(payload: string): ManagementChange {
  const colon = payload.indexOf(':');
  if (colon === -1) return { kind: 'all' };
  const table = payload.slice(0, colon);
  const rest = payload.slice(colon + 1);
  if (!TABLES.has(table)) return { kind: 'all' };
  const known = table as ManagementTable;
  if (rest === '*' || !ID_LIST.test(rest)) return { kind: 'all', table: known };
  return { kind: 'rows', table: known, ids: rest.split(',').map(Number) };
}
