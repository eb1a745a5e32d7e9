// The zero-setup demo (issue #9): the legacy emulator on in-process PGlite databases with generated data,
// and the proxy in front of it, ready in well under a minute without PostgreSQL, Redis or a legacy.
// Started by main.ts when neither LEGACY_URL nor ARZSW_DATABASE_URL is set outside production.
import { pino } from 'pino';
import { loadConfig, type EdgeConfig, type ProxyConfig } from '../config/env-config.js';
import { startEmulator, type EmulatorHandle } from '../emulator/emulator.js';
import { createLogger, type EdgeAppLogger } from '../observability/logger.js';
import { formatDemoBanner, type DemoLogin } from './demo-banner.js';
import { createDemoDatabases, type DemoDatabases } from './demo-databases.js';
import {
  assertPortsFree,
  DEFAULT_EMULATOR_PORT,
  isPortProblem,
  portProblem,
  type NamedPort,
} from './demo-ports.js';
import { buildDemoProxy, type DemoProxy } from './demo-proxy.js';

export { parseEmulatorPort } from './demo-ports.js';
import { DEMO_PAGE_SIZE, pickDemoSample } from './demo-sample.js';

export interface StartDemoOptions {
  /** Progress and banner lines (default: console.log). */
  readonly log?: (line: string) => void;
  /** The validated environment (LEGACY_URL unset); default: all defaults. */
  readonly config?: EdgeConfig;
  /** Override config.port / config.adminPort (0: any free port). */
  readonly proxyPort?: number;
  readonly adminPort?: number;
  /** Default 5017 (the legacy's own development port); 0: any free port. */
  readonly emulatorPort?: number;
  /** Default: a pino logger at config.logLevel on stdout (synchronous). */
  readonly logger?: EdgeAppLogger;
}

export interface DemoHandle {
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly legacyUrl: string;
  readonly readyMs: number;
  /** Stops proxy (drain), emulator and databases, in that order. Idempotent. */
  stop(): Promise<void>;
}

/** The user of the printed commands, and one per further tenant (names from src/seed/management-rows.ts). */
const DEMO_LOGINS = ['apoti_user_rzstein', 'apoti_user_t2'];

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function listening<T>(named: NamedPort, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw isPortProblem(err) ? portProblem(named, err) : err;
  }
}

export async function startDemo(options: StartDemoOptions = {}): Promise<DemoHandle> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const base = options.config ?? loadConfig({});
  // Bound to loopback unless EDGE_HOST says otherwise: the demo's credentials are printed for everyone.
  const host = base.host ?? '127.0.0.1';
  const ports = {
    proxy: { setting: 'EDGE_PORT', port: options.proxyPort ?? base.port, host },
    admin: { setting: 'EDGE_ADMIN_PORT', port: options.adminPort ?? base.adminPort, host },
    emulator: {
      setting: 'EMULATOR_PORT',
      port: options.emulatorPort ?? DEFAULT_EMULATOR_PORT,
      host: '127.0.0.1',
    },
  } satisfies Record<string, NamedPort>;
  // Synchronous stdout, so log lines and the banner (console.log) appear in the order they happen.
  const logger = options.logger ?? createLogger(base.logLevel, pino.destination({ dest: 1, sync: true }));

  log(
    'arzti-edge: neither LEGACY_URL nor ARZSW_DATABASE_URL is set: starting the self-contained demo\n' +
      '  (legacy emulator + in-process PGlite databases with generated data; no PostgreSQL, Redis or legacy needed)',
  );
  await assertPortsFree([ports.proxy, ports.admin, ports.emulator]);

  let databases: DemoDatabases | undefined;
  let emulator: EmulatorHandle | undefined;
  let proxy: DemoProxy | undefined;
  const stopAll = async () => {
    await proxy?.stop();
    await emulator?.close();
    await databases?.close();
  };

  try {
    log('  building the databases (PGlite, schemas, generated prescriptions, migrations) …');
    databases = await createDemoDatabases({ log });
    const dbs = databases;
    emulator = await listening(ports.emulator, () =>
      startEmulator({
        management: dbs.management,
        port: ports.emulator.port,
        host: ports.emulator.host,
        environment: 'Development',
        openTenantDatabase: (connectionString) => dbs.registry.open(connectionString),
        logger: logger.child({ component: 'legacy-emulator' }),
      }),
    );
    const logins: DemoLogin[] = DEMO_LOGINS.map((login) => {
      const user = dbs.users.find((u) => u.login === login);
      const tenant = dbs.tenants.find((t) => t.datenbankId === user?.databaseId);
      if (!user || !tenant) throw new Error(`demo: seeded user ${login} or its tenant is missing`);
      return {
        login,
        password: user.password,
        database: tenant.name,
        prescriptions: tenant.prescriptions,
      };
    });
    const first = logins[0] as DemoLogin;
    const sample = await pickDemoSample({
      legacyUrl: emulator.url,
      login: first.login,
      password: first.password,
      tenantDb: (dbs.tenants[0] as DemoDatabases['tenants'][number]).db,
    });

    const legacy = loadConfig({ LEGACY_URL: emulator.url }).legacy as ProxyConfig['legacy'];
    const config: ProxyConfig = Object.freeze({
      ...base,
      legacy,
      host,
      port: ports.proxy.port,
      adminPort: ports.admin.port,
    });
    proxy = await buildDemoProxy(config, { management: dbs.management, tenants: dbs.registry }, logger);
    const app = proxy;
    // The edge port first, then the admin port (createApp's order): a busy one names itself.
    const bound = await app.start().catch((err: unknown) => {
      if (!isPortProblem(err)) throw err;
      const busy = (err as { port?: number }).port === ports.admin.port ? ports.admin : ports.proxy;
      throw portProblem(busy, err);
    });

    // A tenant's cache is used once its invalidation feed listens, which starts with its first request:
    // one small read per demo login (a different cache key than the printed commands) starts the feeds,
    // so the printed read is a cache-miss and the same read again a cache-hit.
    if (app.cachedRoutes.length > 0) {
      for (const login of logins) {
        const auth = Buffer.from(`${login.login}:${login.password}`).toString('base64');
        await fetch(`${urlOf(host, bound.port)}/v2/rezept?pageSize=1`, {
          headers: { Authorization: `Basic ${auth}` },
        }).then((res) => res.arrayBuffer());
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const readyMs = performance.now() - started;
    const handle: DemoHandle = {
      proxyUrl: urlOf(host, bound.port),
      adminUrl: urlOf(host, bound.adminPort),
      legacyUrl: emulator.url,
      readyMs,
      stop: (() => {
        let stopping: Promise<void> | undefined;
        return () => (stopping ??= stopAll());
      })(),
    };
    for (const line of formatDemoBanner({
      readySeconds: readyMs / 1000,
      proxyUrl: handle.proxyUrl,
      adminUrl: handle.adminUrl,
      legacyUrl: handle.legacyUrl,
      logins,
      sample,
      pageSize: DEMO_PAGE_SIZE,
      cacheActive: app.cachedRoutes.length > 0,
    })) {
      log(line);
    }
    return handle;
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
