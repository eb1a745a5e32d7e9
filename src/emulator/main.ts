// Process entry of the legacy emulator (`npm run emulator`): reads the environment and argv once,
// starts the emulator, and stops it on SIGINT/SIGTERM.
//   EMULATOR_PORT (default 5017), ARZSW_DATABASE_URL (URL or Npgsql string, required),
//   LEGACY_ENVIRONMENT (Development|Test|Staging|Live|Production), LEGACY_MAX_PAGE_SIZE,
//   LEGACY_PATH_BASE (e.g. /ArzTi3), LEGACY_TIME_ZONE (default Europe/Berlin), --extra-latency-ms N
import pino from 'pino';
import { redactConnectionString } from '../core/npgsql-connection-string.js';
import { startEmulator } from './emulator.js';

function fail(message: string): never {
  console.error(`emulator: ${message}`);
  process.exit(2);
}

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    fail(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

function extraLatencyArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--extra-latency-ms') return argv[i + 1] ?? fail('--extra-latency-ms needs a value');
    if (arg.startsWith('--extra-latency-ms=')) return arg.slice('--extra-latency-ms='.length);
  }
  return undefined;
}

async function main(): Promise<void> {
  const env = process.env;
  const management =
    env.ARZSW_DATABASE_URL ?? fail('ARZSW_DATABASE_URL is required (postgres:// URL or Npgsql string)');
  const logger = pino({ name: 'legacy-emulator' });
  const emulator = await startEmulator({
    port: integer('EMULATOR_PORT', env.EMULATOR_PORT, 0) ?? 5017,
    host: env.EMULATOR_HOST ?? '127.0.0.1',
    management,
    environment: env.LEGACY_ENVIRONMENT,
    maxPageSize: integer('LEGACY_MAX_PAGE_SIZE', env.LEGACY_MAX_PAGE_SIZE, 0),
    pathBase: env.LEGACY_PATH_BASE,
    timeZone: env.LEGACY_TIME_ZONE,
    extraLatencyMs: integer('--extra-latency-ms', extraLatencyArg(process.argv.slice(2)), 0) ?? 0,
    logger,
  });
  logger.info(
    {
      url: emulator.url,
      management: redactConnectionString(management),
      environment: emulator.settings.environmentValue,
      maxPageSize: emulator.settings.maxPageSize,
      pathBase: emulator.settings.pathBase,
      timeZone: emulator.settings.timeZone,
    },
    'emulator configuration',
  );
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
