// Shared arrangement for the rollout, kill-switch and shadow e2e suites: an edge app on port 0 in front of a
// test upstream (or the emulator), a routes.yaml in a temp directory, a fake authenticator that maps
// `Basic base64(tenant<N>:pw)` to tenant N, a fake fast executor, log capture and metric reading.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type AppDeps, type EdgeApp } from '../../src/app.js';
import { hasLegacy, loadConfig } from '../../src/config/env-config.js';
import type { Outcome } from '../../src/core/outcome.js';
import type { Principal } from '../../src/core/principal.js';
import type { RequestContext } from '../../src/core/request-context.js';
import { createLogger } from '../../src/observability/logger.js';
import type { RequestAuthenticator } from '../../src/pipeline/authenticate.js';

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export function request(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string;
    agent?: http.Agent | false;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: options.agent ?? false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const tenantAuth = (tenant: number) => `Basic ${Buffer.from(`tenant${tenant}:pw`).toString('base64')}`;

export function principalFor(tenant: number): Principal {
  return {
    userId: tenant,
    loginName: `tenant${tenant}`,
    mandantId: tenant,
    clientCode: `APO-${tenant}`,
    tenant: { datenbankId: tenant, connectionString: `Host=tenant${tenant}` },
  };
}

/** Maps `tenant<N>:pw` to tenant N; anything else is the legacy's 401. Counts its calls. */
export function fakeAuthenticator(): RequestAuthenticator & { calls: number } {
  const auth = {
    calls: 0,
    async authenticate(request: { authorization: readonly string[] }) {
      auth.calls += 1;
      const value = request.authorization[0] ?? '';
      const decoded = Buffer.from(value.replace(/^Basic /, ''), 'base64').toString();
      const match = /^tenant(\d+):pw$/.exec(decoded);
      return match
        ? { ok: true as const, principal: principalFor(Number(match[1])) }
        : { ok: false as const, reason: 'unknown-user' };
    },
  };
  return auth;
}

/** A stand-in for the sql executor: answers 200 `{"answeredBy":"sql","tenant":N}`. */
export async function fakeSqlExecutor(ctx: RequestContext): Promise<Outcome> {
  const body = Buffer.from(
    JSON.stringify({ answeredBy: 'sql', tenant: ctx.principal?.tenant.datenbankId ?? null }),
  );
  return {
    kind: 'respond',
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body,
    edge: 'sql',
  };
}

export interface LogCapture {
  readonly sink: Writable;
  lines(): Array<Record<string, unknown>>;
}

export function captureLogs(): LogCapture {
  const text: string[] = [];
  return {
    sink: new Writable({
      write(chunk, _enc, cb) {
        text.push(String(chunk));
        cb();
      },
    }),
    lines: () =>
      text
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface RoutesDir {
  readonly file: string;
  /** Replaces routes.yaml the way editors do: write a temp file, rename it over the original. */
  replace(text: string): void;
  /** Rewrites routes.yaml in place. */
  write(text: string): void;
}

export function routesDir(text: string): RoutesDir {
  const dir = mkdtempSync(join(tmpdir(), 'edge-rollout-'));
  const file = join(dir, 'routes.yaml');
  writeFileSync(file, text);
  let n = 0;
  return {
    file,
    replace(next) {
      const temp = join(dir, `.routes.yaml.${(n += 1)}.tmp`);
      writeFileSync(temp, next);
      renameSync(temp, file);
    },
    write: (next) => writeFileSync(file, next),
  };
}

export interface RunningEdge {
  readonly app: EdgeApp;
  readonly port: number;
  readonly adminPort: number;
  readonly logs: LogCapture;
  admin(path: string, options?: Parameters<typeof request>[2]): Promise<Reply>;
  /** Sum of a metric's samples whose labels include `labels`, from the admin port's /metrics. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export async function startEdge(
  env: Record<string, string>,
  deps: Omit<AppDeps, 'logger'> = {},
): Promise<RunningEdge> {
  const config = loadConfig({ EDGE_HOST: '127.0.0.1', EDGE_PORT: '0', EDGE_ADMIN_PORT: '0', ...env });
  if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
  const logs = captureLogs();
  const app = createApp(config, { ...deps, logger: createLogger('info', logs.sink) });
  const { port, adminPort } = await app.start();
  const token = env.EDGE_ADMIN_TOKEN;
  const admin: RunningEdge['admin'] = (path, options = {}) =>
    request(adminPort, path, {
      ...options,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
    });
  return {
    app,
    port,
    adminPort,
    logs,
    admin,
    async metric(name, labels = {}) {
      const text = (await request(adminPort, '/metrics')).body;
      let sum = 0;
      for (const line of text.split('\n')) {
        const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!match || match[1] !== name) continue;
        const have = Object.fromEntries(
          [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
        );
        if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
      }
      return sum;
    },
    stop: () => app.stop(),
  };
}
