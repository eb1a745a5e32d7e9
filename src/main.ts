// Process entry: the only reader of process.env and the only caller of process.exit. Validates config,
// starts the app, logs where it listens, and drains on SIGTERM/SIGINT (a second signal exits at once).
// SIGHUP reloads routes.yaml, SIGUSR2 turns the kill switch on.
import { describeConfig, hasLegacy, loadConfig, type EdgeConfig } from './config/env-config.js';
import { createApp } from './app.js';
import { fastModeRoutes } from './app-fast-path.js';
import { isEdgeError } from './errors.js';
import { createLogger } from './observability/logger.js';

function fail(message: string): number {
  console.error(`arzti-edge: cannot start: ${message}`);
  return 1;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // A second signal during the drain ends the process immediately.
      const force = (again: NodeJS.Signals) => {
        console.error(`arzti-edge: ${again} during shutdown, exiting without drain`);
        process.exit(1);
      };
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function startProxy(config: EdgeConfig): Promise<number> {
  if (!hasLegacy(config)) {
    const production = process.env.NODE_ENV === 'production';
    if (!production && !process.env.ARZSW_DATABASE_URL?.trim()) return runDemo(config);
    return fail(
      'LEGACY_URL is not set (the base URL of the legacy ArzTi3Server, e.g. http://iis-host/ArzTi3); ' +
        (production
          ? 'with NODE_ENV=production the self-contained demo (LEGACY_URL and ARZSW_DATABASE_URL both unset) never starts'
          : 'the self-contained demo starts only when ARZSW_DATABASE_URL is unset as well'),
    );
  }
  const logger = createLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, 'effective configuration');
  let app;
  try {
    app = createApp(config, { logger });
  } catch (err) {
    if (isEdgeError(err)) return fail(err.message);
    throw err;
  }
  // Without the management DB nobody can authenticate the callers of a fast route: refuse to start rather
  // than silently serving them from the legacy (createApp alone would, with a warning).
  const fastRoutes = fastModeRoutes(app.routes.current());
  if (config.managementDatabaseUrl === undefined && fastRoutes.length > 0)
    return fail(
      `routes in sql/cache mode need ARZSW_DATABASE_URL (the management database that authenticates their ` +
        `callers), which is not set: ${fastRoutes.join(', ')}. Set it, or switch those routes to legacy.`,
    );
  const signal = waitForSignal();
  // Operator signals (issue #7): SIGHUP re-reads routes.yaml; SIGUSR2 turns the kill switch ON (it never
  // toggles, so a repeated signal cannot undo a rollback; clear it with DELETE /_edge/rollback).
  const running = app;
  process.on('SIGHUP', () => void running.reloadRoutes('signal'));
  process.on('SIGUSR2', () => running.setKillSwitch(true, 'signal SIGUSR2'));
  const { port, adminPort } = await app.start();
  logger.info({ port, adminPort, legacyUrl: config.legacy.url }, 'listening');
  const received = await signal;
  logger.info({ signal: received, drainMs: config.drainMs }, 'shutting down: draining in-flight requests');
  await app.stop();
  logger.info({}, 'stopped');
  return 0;
}

/** The zero-setup demo (src/demo): emulator + PGlite + proxy in this process, until a signal. */
async function runDemo(config: EdgeConfig): Promise<number> {
  const signal = waitForSignal();
  // Loaded only here: a production start never imports PGlite, the seeder or the emulator.
  const { parseEmulatorPort, startDemo } = await import('./demo/start-demo.js');
  let demo;
  try {
    demo = await startDemo({ config, emulatorPort: parseEmulatorPort(process.env.EMULATOR_PORT) });
  } catch (err) {
    if (isEdgeError(err)) return fail(err.message);
    throw err;
  }
  const received = await signal;
  console.log(`arzti-edge demo: ${received} received, stopping`);
  await demo.stop();
  return 0;
}

async function main(): Promise<number> {
  let config: EdgeConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (isEdgeError(err)) return fail(err.message);
    throw err;
  }
  return startProxy(config);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('arzti-edge: fatal:', err);
    process.exit(1);
  },
);
