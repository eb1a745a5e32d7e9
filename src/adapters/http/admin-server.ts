// The separate admin listener: GET /healthz (process alive), GET /readyz (config loaded, legacy reachable,
// not draining; 503 otherwise), GET /metrics (the edge's own Prometheus registry). Nothing else.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface AdminServerOptions {
  readonly host: string | undefined;
  readonly port: number;
  readonly registry: Registry;
  readonly readiness: () => Promise<readonly ReadinessCheck[]>;
}

export interface AdminServer {
  listen(): Promise<number>;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  const buffer = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(buffer.length),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : buffer);
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, JSON_TYPE, JSON.stringify({ status: 'method not allowed' }));
      return;
    }
    switch (path) {
      case '/healthz':
        send(res, 200, JSON_TYPE, JSON.stringify({ status: 'ok' }));
        return;
      case '/readyz': {
        const checks = await options.readiness();
        const ready = checks.every((check) => check.ok);
        send(
          res,
          ready ? 200 : 503,
          JSON_TYPE,
          JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }),
        );
        return;
      }
      case '/metrics':
        send(res, 200, options.registry.contentType, await options.registry.metrics());
        return;
      default:
        send(res, 404, JSON_TYPE, JSON.stringify({ status: 'not found' }));
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, JSON_TYPE, JSON.stringify({ status: 'error', detail: String(err) }));
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
