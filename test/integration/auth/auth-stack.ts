// Shared arrangement for the auth integration suites: applies the management migration to a throw-away
// ArzSw database and builds the authenticator, credential cache and (optionally) the change listener
// exactly as the composition root does. Each suite makes its own databases; nothing is shared.
import { Registry } from 'prom-client';
import {
  createAuthenticator,
  type AuthenticatorOptions,
  type Authenticator,
} from '../../../src/adapters/auth/authenticator.js';
import { createCredentialCache, type CredentialCache } from '../../../src/adapters/auth/credential-cache.js';
import {
  createManagementDatabase,
  managementListenConfig,
} from '../../../src/adapters/postgres/management-database.js';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { createPgListener, type PgListener } from '../../../src/adapters/postgres/pg-listener.js';
import type { SqlDatabase } from '../../../src/core/sql-port.js';
import {
  startManagementListener,
  type ManagementListener,
} from '../../../src/invalidation/management-listener.js';
import { applyMigrationsTo, revertMigrationIn } from '../../../src/migrate/apply-migrations.js';

/**
 * Applies (`up`) the pending management migrations — today exactly 001_auth_notify — or reverts
 * 001_auth_notify (`down`) through the project's migration runner. Throws on any reported error.
 */
export async function runAuthMigration(url: string, direction: 'up' | 'down'): Promise<void> {
  const db = createPgDatabase({ connectionString: url, max: 1 });
  try {
    const report =
      direction === 'up'
        ? await applyMigrationsTo(db, 'management', { target: 'test' })
        : await revertMigrationIn(db, 'management', '001_auth_notify', { target: 'test' });
    if (report.errors.length > 0) throw new Error(report.errors.join('; '));
  } finally {
    await db.close();
  }
}

export interface AuthStack {
  readonly authenticator: Authenticator;
  readonly cache: CredentialCache;
  readonly metrics: Registry;
  readonly management: SqlDatabase;
  readonly listener?: ManagementListener;
  readonly source?: PgListener;
  /** Sum of a counter's values over the series matching `labels`. */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  /** One Authorization value (undefined: none) or all of them. */
  auth(
    authorization: string | readonly string[] | undefined,
    clientIp?: string,
  ): ReturnType<Authenticator['authenticate']>;
  close(): Promise<void>;
}

export interface AuthStackOptions {
  readonly managementUrl: string;
  readonly listen?: boolean;
  readonly successTtlMs?: number;
  readonly authenticator?: Partial<AuthenticatorOptions>;
}

export async function createAuthStack(options: AuthStackOptions): Promise<AuthStack> {
  const metrics = new Registry();
  const management = createManagementDatabase(options.managementUrl, {
    maxConnections: 8,
    connectTimeoutMs: 2_000,
    statementTimeoutMs: 2_000,
  });
  const cache = createCredentialCache({
    maxEntries: 10_000,
    successTtlMs: options.successTtlMs ?? 60_000,
    failureTtlMs: 5_000,
  });
  const authenticator = createAuthenticator({
    management,
    cache,
    registry: metrics,
    options: options.authenticator,
  });
  let source: PgListener | undefined;
  let listener: ManagementListener | undefined;
  if (options.listen) {
    source = createPgListener({
      connection: managementListenConfig(options.managementUrl),
      name: 'management',
      initialDelayMs: 20,
      maxDelayMs: 200,
    });
    listener = await startManagementListener({ source, target: cache, registry: metrics });
  }
  const counter = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
    return (metric?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return {
    authenticator,
    cache,
    metrics,
    management,
    listener,
    source,
    counter,
    auth: (authorization, clientIp = '10.0.0.1') =>
      authenticator.authenticate({
        authorization:
          authorization === undefined
            ? []
            : typeof authorization === 'string'
              ? [authorization]
              : authorization,
        clientIp,
      }),
    async close() {
      await listener?.stop();
      await source?.close();
      await management.close();
    },
  };
}

/** Polls `probe` every 10 ms until it returns true; resolves with the elapsed milliseconds. */
export async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
