// What the demo prints once it is ready: where things listen, the demo credentials and three copy-paste
// curl scenarios (read, cached read, write + invalidated read). Pure text; the e2e test parses it.
import type { DemoSample } from './demo-sample.js';

export interface DemoLogin {
  readonly login: string;
  readonly password: string;
  readonly database: string;
  readonly prescriptions: number;
}

export interface DemoBannerInfo {
  readonly readySeconds: number;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly legacyUrl: string;
  /** First entry: the user of the curl commands (tenant 1). */
  readonly logins: readonly DemoLogin[];
  readonly sample: DemoSample;
  readonly pageSize: number;
  /** False while this build forwards cache-mode routes to the legacy. */
  readonly cacheActive: boolean;
}

/** A POSIX shell word: single-quoted unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function demoCurlCommands(info: DemoBannerInfo): { read: string; write: string } {
  const user = info.logins[0];
  if (!user) throw new Error('demo banner needs at least one login');
  const auth = `-u ${shellQuote(`${user.login}:${user.password}`)}`;
  const body = JSON.stringify({
    updates: [{ rezeptUuid: info.sample.rezeptUuid, type: info.sample.type, transferArz: true }],
  });
  return {
    read: `curl -i ${auth} ${shellQuote(`${info.proxyUrl}/v2/rezept?pageSize=${info.pageSize}`)}`,
    write:
      `curl -i ${auth} -X PATCH ${shellQuote(`${info.proxyUrl}/v2/rezept/status`)} ` +
      `-H 'Content-Type: application/json' -d ${shellQuote(body)}`,
  };
}

export function formatDemoBanner(info: DemoBannerInfo): string[] {
  const { read, write } = demoCurlCommands(info);
  const width = Math.max(...info.logins.map((l) => `${l.login} / ${l.password}`.length));
  const cache = info.cacheActive
    ? [
        '  cache        GET routes are cached in process (L1, no Redis); writes go to the legacy, whose',
        '               triggers NOTIFY the proxy, which drops the tenant’s cached answers at once',
      ]
    : [
        '  cache        NOT ACTIVE in this build: cache mode is not wired into the pipeline yet, so every',
        '               request is forwarded to the legacy (X-Edge: legacy, never cache-hit)',
      ];
  const [readNote, againNote, afterNote] = info.cacheActive
    ? [
        'through the proxy (X-Edge: cache-miss: filled from the legacy)',
        'answered from the cache (X-Edge: cache-hit)',
        'the cache was invalidated',
      ]
    : [
        'through the proxy (X-Edge: legacy in this build)',
        'with cache mode wired: X-Edge: cache-hit (in this build: legacy)',
        'the legacy answers',
      ];
  return [
    '',
    `arzti-edge demo ready in ${info.readySeconds.toFixed(1)} s`,
    `  proxy        ${info.proxyUrl}`,
    `  admin        ${info.adminUrl}   (/healthz, /readyz, /metrics)`,
    `  legacy       ${info.legacyUrl}   (the ArzTi3Server emulator on in-process PGlite databases)`,
    ...info.logins.map(
      (l, i) =>
        `  ${i === 0 ? 'credentials' : '           '}  ${`${l.login} / ${l.password}`.padEnd(width)}  → ${l.database} ` +
        `(${l.prescriptions} prescriptions)`,
    ),
    ...cache,
    '',
    'Try it (copy and paste):',
    '',
    `  # 1. Read page 1 of the ${info.sample.totalCount} new prescriptions (the legacy pages per type: ${info.pageSize} each of eMuster16, P-Rezept, E-Rezept) ${readNote}`,
    `  ${read}`,
    '',
    `  # 2. The same read again: ${againNote}`,
    `  ${read}`,
    '',
    `  # 3. Mark ${info.sample.type} ${info.sample.rezeptUuid} from that list as transferred (a write: forwarded to the legacy) …`,
    `  ${write}`,
    `  #    … and read again: ${afterNote}, ${info.sample.rezeptUuid} is gone from the new list`,
    `  ${read}`,
    '',
    'Ctrl-C stops the demo (nothing is kept: the databases live in memory).',
    '',
  ];
}
