// Process entry: the only reader of process.env and the only caller of process.exit. Validates config,
// starts the app, logs where it listens, and drains on SIGTERM/SIGINT (a second signal exits at once).
import { describeConfig, hasLegacy, loadConfig, type EdgeConfig } from './config/env-config.js';
import { createApp } from './app.js';
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
    // Later issue: `return startDemo(config);` (self-contained emulator + proxy).
    return fail(
      'LEGACY_URL is not set (the base URL of the legacy ArzTi3Server, e.g. http://iis-host/ArzTi3)',
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
  const signal = waitForSignal();
  const { port, adminPort } = await app.start();
  logger.info({ port, adminPort, legacyUrl: config.legacy.url }, 'listening');
  const received = await signal;
  logger.info({ signal: received, drainMs: config.drainMs }, 'shutting down: draining in-flight requests');
  await app.stop();
  logger.info({}, 'stopped');
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
