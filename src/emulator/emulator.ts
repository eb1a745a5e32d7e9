// Composition root of the legacy emulator: builds settings, databases, clocks and the pipeline, and
// serves them over node:http. The library entry point used by tests, benchmarks and the demo.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPasswordChecker } from '../adapters/auth/password-check.js';
import { createPgDatabase } from '../adapters/postgres/pg-database.js';
import { parseDatabaseLocator } from '../core/npgsql-connection-string.js';
import type { SqlDatabase } from '../core/sql-port.js';
import { createUtcClock } from '../core/stj-datetime.js';
import { createApothekenTenantResolver } from './apotheken-tenant-resolver.js';
import type { ManagementAccess } from './basic-authentication.js';
import type { EmulatorLogger, EmulatorServices } from './controllers/endpoint.js';
import { resolveLegacySettings, type LegacySettings } from './emulator-config.js';
import { createEmulatorRequest } from './emulator-request.js';
import { createLocalClock } from './local-clock.js';
import type { Outcome } from './outcome.js';
import { runPipeline, type PipelineDeps } from './pipeline.js';
import { writeOutcome } from './response-writer.js';
import { createTenantRegistry, type OpenTenantDatabase } from './tenant-registry.js';

export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** The ArzSw management database: an open SqlDatabase (not closed by the emulator) or a URL/Npgsql string. */
  management: SqlDatabase | string;
  /** ASPNETCORE_ENVIRONMENT: Development (default), Test, Staging, Live, Production, … */
  environment?: string;
  /** Performance:MaxPageSize; default from the environment (§11). */
  maxPageSize?: number;
  /** IIS application path such as "/ArzTi3". */
  pathBase?: string;
  /** IANA time zone of the legacy host's local clock; default Europe/Berlin. */
  timeZone?: string;
  /** Fixed overhead added to every request, in milliseconds. */
  extraLatencyMs?: number;
  /** Opens a tenant database from arzsw_datenbank.datenbank_connection_string (default: pg pool). */
  openTenantDatabase?: OpenTenantDatabase;
  logger?: EmulatorLogger;
}

export interface EmulatorStats {
  /** Statements sent to the management DB (authentication and the Apotheken resolver). */
  managementQueries: number;
  /** BCrypt verifications actually run. */
  bcryptVerifies: number;
}

export interface EmulatorHandle {
  readonly url: string;
  readonly port: number;
  readonly settings: LegacySettings;
  readonly stats: EmulatorStats;
  close(): Promise<void>;
}

/** Kestrel's default MaxRequestBodySize. */
const MAX_BODY_BYTES = 30_000_000;

const SILENT: EmulatorLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A pg pool for a URL or Npgsql string. Npgsql reads dates in binary, independent of the server's
 * DateStyle; the emulator reads text, so it pins ISO output on its own sessions.
 */
const openPg: OpenTenantDatabase = (connectionString) => {
  const config = parseDatabaseLocator(connectionString);
  const options = [config.options, '-c DateStyle=ISO,MDY'].filter((o) => o).join(' ');
  return createPgDatabase({ ...config, options });
};

/** The whole request body; null when it exceeds Kestrel's limit; undefined when the client went away. */
function readBody(req: http.IncomingMessage): Promise<Buffer | null | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
    req.on('close', () => {
      if (!req.complete) resolve(undefined);
    });
  });
}

export async function startEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  const settings = resolveLegacySettings(options);
  const logger = options.logger ?? SILENT;
  const stats: EmulatorStats = { managementQueries: 0, bcryptVerifies: 0 };
  const ownsManagement = typeof options.management === 'string';
  const managementDb =
    typeof options.management === 'string' ? openPg(options.management) : options.management;
  const management: ManagementAccess = { db: managementDb, onQuery: () => void stats.managementQueries++ };
  const tenants = createTenantRegistry(options.openTenantDatabase ?? openPg);
  const utcNow = createUtcClock();
  const services: EmulatorServices = {
    settings,
    tenants,
    apothekenTenants: createApothekenTenantResolver(management),
    utcNow,
    localClock: createLocalClock(settings.timeZone, utcNow),
    logger,
  };
  const deps: PipelineDeps = {
    services,
    management,
    passwords: createPasswordChecker({
      maxConcurrentBcrypt: 64, // the legacy has no limit; the libuv pool is the real one
      onBcrypt: () => void stats.bcryptVerifies++,
    }),
  };
  const extraLatencyMs = Math.max(0, options.extraLatencyMs ?? 0);

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (body === undefined) return; // aborted by the client
      if (extraLatencyMs > 0) await sleep(extraLatencyMs);
      const request = createEmulatorRequest(req, body ?? Buffer.alloc(0), settings.pathBase);
      const outcome: Outcome =
        body === null ? { kind: 'empty', status: 413 } : await runPipeline(request, deps);
      writeOutcome(res, outcome, {
        accept: request.header('Accept'),
        acceptCharset: request.header('Accept-Charset'),
        rawHeaders: request.rawHeaders,
        isDevelopment: settings.isDevelopment,
      });
    })().catch((err: unknown) => {
      logger.error({ err }, 'emulator request failed');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('Content-Length', '0');
      }
      res.end();
    });
  });
  // No idle timeout: Node would otherwise announce it in a Keep-Alive header, which Kestrel never sends.
  server.keepAliveTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info({ port: address.port, environment: settings.hostingEnvironment }, 'legacy emulator listening');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    settings,
    stats,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await tenants.close();
        if (ownsManagement) await managementDb.close();
      })();
      return closing;
    },
  };
}
