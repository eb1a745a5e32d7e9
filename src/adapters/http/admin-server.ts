// The separate admin listener. Open (probes): GET /healthz (process alive), GET /readyz (config loaded,
// legacy reachable, not draining; 503 otherwise; reports the kill switch as a field), GET /metrics (the
// edge's own registry). Protected (admin-access.ts): GET /_edge/routes, POST /_edge/routes/reload,
// GET /_edge/shadow, GET|POST|DELETE /_edge/rollback. Nothing else.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { resolveRequestId } from '../../core/request-context.js';
import { createAdminAccess, type AdminAccessOptions } from './admin-access.js';

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface KillSwitchState {
  readonly killSwitch: boolean;
  /** Who holds it on: `operator` (env, admin, signal) and/or `file` (routes.yaml). */
  readonly sources: readonly string[];
}

/** What the `/_edge/*` endpoints read and change; the composition root implements it. */
export interface AdminControl {
  routes(): unknown;
  reloadRoutes(): unknown;
  shadow(): unknown;
  killSwitch(): KillSwitchState;
  setKillSwitch(on: boolean, caller: string): KillSwitchState;
}

export interface AdminServerOptions {
  readonly host: string | undefined;
  readonly port: number;
  readonly registry: Registry;
  readonly readiness: () => Promise<readonly ReadinessCheck[]>;
  readonly control?: AdminControl;
  /** Default: no token, loopback callers only. */
  readonly access?: AdminAccessOptions;
}

export interface AdminServer {
  listen(): Promise<number>;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  const buffer = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(buffer.length),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : buffer);
}

const JSON_TYPE = 'application/json; charset=utf-8';
const sendJson = (res: ServerResponse, status: number, value: unknown, extra?: Record<string, string>) =>
  send(res, status, JSON_TYPE, JSON.stringify(value), extra);

/** `?off=1` (or true/yes/on) on POST /_edge/rollback clears the operator's kill switch. */
function wantsOff(query: string): boolean {
  const off = new URLSearchParams(query).get('off');
  return off !== null && ['1', 'true', 'yes', 'on'].includes(off.toLowerCase());
}

type Handler = (req: IncomingMessage, res: ServerResponse, query: string) => void | Promise<void>;

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const access = createAdminAccess(options.access ?? { token: undefined });
  const { control } = options;
  const callerOf = (req: IncomingMessage) => `admin ${req.socket.remoteAddress ?? 'unknown'}`;
  const own = <T>(table: Record<string, T>, key: string): T | undefined =>
    Object.hasOwn(table, key) ? table[key] : undefined;

  const probes: Record<string, Handler> = {
    '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/readyz': async (_req, res) => {
      const checks = await options.readiness();
      const ready = checks.every((check) => check.ok);
      const killSwitch = control?.killSwitch();
      sendJson(res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not ready',
        ...(killSwitch ? { killSwitch: killSwitch.killSwitch, killSwitchSources: killSwitch.sources } : {}),
        checks,
      });
    },
    '/metrics': async (_req, res) =>
      send(res, 200, options.registry.contentType, await options.registry.metrics()),
  };

  // Path → method → handler. Order of declaration is irrelevant: lookups are exact.
  const edge: Record<string, Record<string, Handler>> = control
    ? {
        '/_edge/routes': { GET: (_req, res) => sendJson(res, 200, control.routes()) },
        '/_edge/routes/reload': { POST: (_req, res) => sendJson(res, 200, control.reloadRoutes()) },
        '/_edge/shadow': { GET: (_req, res) => sendJson(res, 200, control.shadow()) },
        '/_edge/rollback': {
          GET: (_req, res) => sendJson(res, 200, control.killSwitch()),
          POST: (req, res, query) =>
            sendJson(res, 200, control.setKillSwitch(!wantsOff(query), callerOf(req))),
          DELETE: (req, res) => sendJson(res, 200, control.setKillSwitch(false, callerOf(req))),
        },
      }
    : {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const method = req.method ?? 'GET';
    req.resume(); // no endpoint reads a body; drain whatever came

    if (path === '/_edge' || path.startsWith('/_edge/')) {
      const verdict = access.check(req.headers.authorization, req.socket.remoteAddress ?? '');
      if (!verdict.ok) {
        const traceId = resolveRequestId(req.headersDistinct['x-request-id'], randomUUID);
        sendJson(
          res,
          verdict.status,
          { error: { code: 'EDGE_ADMIN_UNAUTHORIZED', message: verdict.message }, traceId },
          verdict.status === 401
            ? { 'WWW-Authenticate': 'Bearer realm="arzti-edge admin"', 'X-Request-Id': traceId }
            : { 'X-Request-Id': traceId },
        );
        return;
      }
      const methods = own(edge, path);
      if (!methods) return sendJson(res, 404, { status: 'not found' });
      const handler = own(methods, method);
      if (!handler) {
        return sendJson(
          res,
          405,
          { status: 'method not allowed' },
          { Allow: Object.keys(methods).join(', ') },
        );
      }
      await handler(req, res, query);
      return;
    }

    const probe = own(probes, path);
    if (!probe) return sendJson(res, 404, { status: 'not found' });
    if (method !== 'GET' && method !== 'HEAD')
      return sendJson(res, 405, { status: 'method not allowed' }, { Allow: 'GET, HEAD' });
    await probe(req, res, query);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { status: 'error', detail: String(err) });
      else res.destroy();
    });
  });

  return {
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: options.port, host: options.host }, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : options.port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
