// The keyword catalogue of NpgsqlConnectionStringBuilder 8.0.8 (names, synonyms, value types, setter
// checks) and its value conversions. Data and pure functions only; knows nothing of pg.
import { trimWhiteSpace } from './db-connection-string-syntax.js';

export type KeywordValue = string | number | boolean;
export type Kind =
  | 'string'
  | 'bool'
  | { readonly min: number; readonly max: number; readonly excluded?: readonly number[] }
  | { readonly names: readonly string[] };

export interface Keyword {
  readonly name: string; // canonical [DisplayName]
  readonly kind: Kind;
  readonly synonyms?: readonly string[]; // property name if not the name without spaces, plus aliases
  readonly secret?: true;
}

export const INT = { min: -2147483648, max: 2147483647 };
const atLeast = (min: number) => ({ min, max: INT.max });

// NpgsqlConnectionStringBuilder 8.0.8, every [NpgsqlConnectionStringProperty], with its setter's checks.
// A keyword matches its name, its name without spaces (= the property name) and its synonyms,
// compared upper-cased and otherwise exactly. "User" is no synonym in Npgsql 8; "UID" is.
const KEYWORDS: readonly Keyword[] = [
  { name: 'Host', kind: 'string', synonyms: ['Server'] },
  { name: 'Port', kind: atLeast(1) },
  { name: 'Database', kind: 'string', synonyms: ['DB'] },
  { name: 'Username', kind: 'string', synonyms: ['User Name', 'UserId', 'User Id', 'UID'] },
  { name: 'Password', kind: 'string', synonyms: ['PSW', 'PWD'], secret: true },
  { name: 'Passfile', kind: 'string' },
  { name: 'Application Name', kind: 'string' },
  { name: 'Enlist', kind: 'bool' },
  { name: 'Search Path', kind: 'string' },
  { name: 'Client Encoding', kind: 'string' },
  { name: 'Encoding', kind: 'string' },
  { name: 'Timezone', kind: 'string' },
  { name: 'SSL Mode', kind: { names: ['Disable', 'Allow', 'Prefer', 'Require', 'VerifyCA', 'VerifyFull'] } },
  { name: 'SSL Certificate', kind: 'string' },
  { name: 'SSL Key', kind: 'string' },
  { name: 'SSL Password', kind: 'string', secret: true },
  { name: 'Root Certificate', kind: 'string' },
  { name: 'Check Certificate Revocation', kind: 'bool' },
  { name: 'Kerberos Service Name', kind: 'string', synonyms: ['Krbsrvname'] },
  { name: 'Include Realm', kind: 'bool' },
  { name: 'Persist Security Info', kind: 'bool' },
  { name: 'Log Parameters', kind: 'bool' },
  { name: 'Include Error Detail', kind: 'bool' },
  { name: 'Channel Binding', kind: { names: ['Disable', 'Prefer', 'Require'] } },
  { name: 'Pooling', kind: 'bool' },
  { name: 'Minimum Pool Size', kind: atLeast(0), synonyms: ['MinPoolSize'] },
  { name: 'Maximum Pool Size', kind: atLeast(0), synonyms: ['MaxPoolSize'] },
  { name: 'Connection Idle Lifetime', kind: INT },
  { name: 'Connection Pruning Interval', kind: INT },
  { name: 'Connection Lifetime', kind: INT, synonyms: ['Load Balance Timeout'] },
  { name: 'Timeout', kind: { min: 0, max: 1024 } },
  { name: 'Command Timeout', kind: atLeast(0) },
  { name: 'Cancellation Timeout', kind: atLeast(-1) },
  { name: 'Target Session Attributes', kind: 'string' },
  { name: 'Load Balance Hosts', kind: 'bool' },
  { name: 'Host Recheck Seconds', kind: atLeast(0) },
  { name: 'Keepalive', kind: atLeast(0) },
  { name: 'TCP Keepalive', kind: 'bool' },
  { name: 'TCP Keepalive Time', kind: atLeast(0) },
  { name: 'TCP Keepalive Interval', kind: atLeast(0) },
  { name: 'Read Buffer Size', kind: INT },
  { name: 'Write Buffer Size', kind: INT },
  { name: 'Socket Receive Buffer Size', kind: INT },
  { name: 'Socket Send Buffer Size', kind: INT },
  { name: 'Max Auto Prepare', kind: atLeast(0) },
  { name: 'Auto Prepare Min Usages', kind: atLeast(1) },
  { name: 'No Reset On Close', kind: 'bool' },
  { name: 'Load Table Composites', kind: 'bool' },
  { name: 'Replication Mode', kind: { names: ['Off', 'Physical', 'Logical'] } },
  { name: 'Options', kind: 'string' },
  { name: 'Array Nullability Mode', kind: { names: ['Never', 'Always', 'PerInstance'] } },
  { name: 'Multiplexing', kind: 'bool' },
  { name: 'Write Coalescing Buffer Threshold Bytes', kind: INT },
  { name: 'Server Compatibility Mode', kind: { names: ['None', 'Redshift', 'NoTypeLoading'] } },
  { name: 'Trust Server Certificate', kind: 'bool' },
  // Obsolete; its setter allows -1, 0 and values >= 3 (NpgsqlConnector.MinimumInternalCommandTimeout).
  { name: 'Internal Command Timeout', kind: { ...atLeast(-1), excluded: [1, 2] } },
];

// ToUpperInvariant on ASCII. Non-ASCII look-alikes that .NET case mapping would fold onto a
// keyword letter (e.g. U+0131) are treated as unknown: no stored string uses them.
export const upper = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

const BY_KEYWORD = new Map<string, Keyword>();
for (const k of KEYWORDS) {
  for (const alias of [k.name, k.name.replaceAll(' ', ''), ...(k.synonyms ?? [])])
    BY_KEYWORD.set(upper(alias), k);
}
// Not a property name: "Minimum Pool Size" -> MinPoolSize, not MinimumPoolSize.
BY_KEYWORD.delete('MINIMUMPOOLSIZE');
BY_KEYWORD.delete('MAXIMUMPOOLSIZE');

// Int32.Parse with NumberStyles.Integer: surrounding ASCII white space, an optional sign, ASCII digits.
const INTEGER = /^[\t\n\v\f\r ]*([+-]?[0-9]+)[\t\n\v\f\r ]*$/;

export function parseInt32(text: string): number | null {
  const m = INTEGER.exec(text);
  const n = m === null ? Number.NaN : Number(m[1]);
  return n >= INT.min && n <= INT.max ? n : null;
}

/** Convert.ChangeType / Enum.Parse(ignoreCase) plus the property setter's check; null when invalid. */
export function convert(kind: Kind, text: string): KeywordValue | null {
  if (kind === 'string') return text;
  if (kind === 'bool') {
    const word = upper(trimWhiteSpace(text, true));
    return word === 'TRUE' ? true : word === 'FALSE' ? false : null;
  }
  if ('names' in kind) {
    const word = trimWhiteSpace(text, true);
    const index = /^[+-]?[0-9]+$/.test(word)
      ? Number(word)
      : kind.names.findIndex((n) => upper(n) === upper(word));
    return kind.names[index] ?? null;
  }
  const n = parseInt32(text);
  return n !== null && n >= kind.min && n <= kind.max && !kind.excluded?.includes(n) ? n : null;
}

export function expected(kind: Kind): string {
  if (kind === 'string') return 'text';
  if (kind === 'bool') return 'true or false';
  if ('names' in kind) return `one of ${kind.names.join(', ')}`;
  return (
    `an integer from ${kind.min} to ${kind.max}` +
    (kind.excluded ? ` except ${kind.excluded.join(', ')}` : '')
  );
}

/** The keyword a connection-string key names, or undefined when Npgsql would reject it. */
export function findKeyword(key: string): Keyword | undefined {
  return BY_KEYWORD.get(upper(key));
}
