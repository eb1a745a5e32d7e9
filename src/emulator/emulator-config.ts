// What the legacy's hosting environment decides (CONTRACT §11, Q13, Q15): the `environment` value of
// V2 answers, Performance:MaxPageSize, and whether Development-only features (developer exception
// page, Swagger) are on. Pure; the caller (main.ts or a test) supplies the values.

export interface LegacySettings {
  /** ASPNETCORE_ENVIRONMENT as given (Development, Test, Staging, Live, Production, …). */
  readonly hostingEnvironment: string;
  /** The `environment` member of V2 list answers. */
  readonly environmentValue: string;
  readonly isDevelopment: boolean;
  /** Performance:MaxPageSize (V2 reads only). */
  readonly maxPageSize: number;
  /** Performance:MaxBulkSize: no appsettings file sets it, so always the code fallback 1000. */
  readonly maxBulkSize: number;
  /** IIS application path such as "/ArzTi3", or "" when the app runs at the root. */
  readonly pathBase: string;
  /** IANA zone of the Windows host's local clock (status_abfrage_datum, aen_datum/aen_zeit). */
  readonly timeZone: string;
}

/** appsettings.{Env}.json files that set `Environment` and `Performance:MaxPageSize` themselves. */
const ENVIRONMENT_FILES: Readonly<Record<string, { value: string; maxPageSize: number }>> = {
  test: { value: 'Test', maxPageSize: 1000 },
  staging: { value: 'Staging', maxPageSize: 10000 },
  live: { value: 'Live', maxPageSize: 100000 },
};

/** Base appsettings.json: MaxPageSize 500 (Development and Production inherit it). */
const BASE_MAX_PAGE_SIZE = 500;

export interface LegacySettingsInput {
  environment?: string;
  maxPageSize?: number;
  pathBase?: string;
  timeZone?: string;
}

export function resolveLegacySettings(input: LegacySettingsInput = {}): LegacySettings {
  const hostingEnvironment = input.environment?.trim() || 'Development';
  // Windows file names are case-insensitive, so ASPNETCORE_ENVIRONMENT=live still loads appsettings.Live.json.
  const file = ENVIRONMENT_FILES[hostingEnvironment.toLowerCase()];
  const timeZone = input.timeZone ?? 'Europe/Berlin';
  assertTimeZone(timeZone);
  return Object.freeze({
    hostingEnvironment,
    // Otherwise the ENVIRONMENT key contributed by ASPNETCORE_ENVIRONMENT itself (§11.3).
    environmentValue: file?.value ?? hostingEnvironment,
    isDevelopment: hostingEnvironment.toLowerCase() === 'development',
    maxPageSize: input.maxPageSize ?? file?.maxPageSize ?? BASE_MAX_PAGE_SIZE,
    maxBulkSize: 1000,
    pathBase: normalizePathBase(input.pathBase),
    timeZone,
  });
}

export function normalizePathBase(pathBase: string | undefined): string {
  if (!pathBase || pathBase === '/') return '';
  const withSlash = pathBase.startsWith('/') ? pathBase : `/${pathBase}`;
  return withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`unknown time zone: ${timeZone}`);
  }
}
