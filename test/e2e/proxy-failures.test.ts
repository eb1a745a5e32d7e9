// Failure modes of the hop to the legacy: unreachable → 502 JSON, too slow → 504 JSON (while other requests
// are served), death mid-response → the client connection breaks (never a faked complete body), and a
// stale keep-alive socket → one transparent retry for bodyless GET/HEAD only.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps, type EdgeApp } from '../../src/app.js';
import { parseRouteTable } from '../../src/config/routes-file.js';
import { createModeState } from '../../src/core/route-mode.js';
import { hasLegacy, loadConfig } from '../../src/config/env-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';

const ROUTES = resolve(import.meta.dirname, '../../routes.yaml');

async function startEdge(
  legacyUrl: string,
  env: Record<string, string> = {},
  deps: AppDeps = {},
): Promise<{ app: EdgeApp; port: number; adminPort: number }> {
  const config = loadConfig({
    LEGACY_URL: legacyUrl,
    EDGE_HOST: '127.0.0.1',
    EDGE_PORT: '0',
    EDGE_ADMIN_PORT: '0',
    ROUTES_FILE: ROUTES,
    EDGE_DRAIN_MS: '500',
    ...env,
  });
  if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
  const app = createApp(config, { logger: createLogger('silent'), ...deps });
  return { app, ...(await app.start()) };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

function send(port: number, path: string, method = 'GET', body?: string): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text,
          ms: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with how the response ended: 'complete' only when the body ended normally. */
function receive(
  port: number,
  path: string,
): Promise<{ status: number; bytes: number; ended: 'complete' | 'broken' }> {
  return new Promise((resolvePromise, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0;
      let done = false;
      const finish = (ended: 'complete' | 'broken') => {
        if (done) return;
        done = true;
        resolvePromise({ status: res.statusCode ?? 0, bytes, ended });
      };
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => finish(res.complete ? 'complete' : 'broken'));
      res.on('error', () => finish('broken'));
      res.on('aborted', () => finish('broken'));
      res.on('close', () => finish(res.complete ? 'complete' : 'broken'));
    });
    req.on('error', reject);
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function expectEdgeError(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(reply.headers['x-edge']).toBe('legacy');
  const body = JSON.parse(reply.body) as { error: { code: string; message: string }; traceId: string };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(/arzti-edge/);
  expect(body.traceId).toBe(reply.headers['x-request-id']);
  expect(Object.keys(body)).toEqual(['error', 'traceId']);
}

describe('legacy unreachable', () => {
  let edge: Awaited<ReturnType<typeof startEdge>>;
  beforeAll(async () => {
    edge = await startEdge(`http://127.0.0.1:${await closedPort()}/ArzTi3`);
  });
  afterAll(() => edge.app.stop());

  it('answers 502 with an edge JSON error that says the proxy answered', async () => {
    const reply = await send(edge.port, '/v2/rezept?page=1');
    expectEdgeError(reply, 502, 'EDGE_UPSTREAM_UNREACHABLE');
  });

  it('answers 502 for writes as well, without retrying them', async () => {
    const reply = await send(edge.port, '/v2/rezept/status', 'PATCH', '{"updates":[]}');
    expectEdgeError(reply, 502, 'EDGE_UPSTREAM_UNREACHABLE');
  });

  it('counts the failures and reports not ready', async () => {
    // Observations land when the response is flushed, possibly a tick after the client has it: poll.
    await expect
      .poll(async () => (await send(edge.adminPort, '/metrics')).body)
      .toContain('edge_upstream_errors_total{kind="unreachable"} 2');
    const metrics = await send(edge.adminPort, '/metrics');
    expect(metrics.body).toContain(
      'edge_http_requests_total{route="v2-rezept-list",mode="legacy",status="502"} 1',
    );
    const ready = await send(edge.adminPort, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'not ready',
      checks: expect.arrayContaining([expect.objectContaining({ name: 'legacy', ok: false })]),
    });
    expect((await send(edge.adminPort, '/healthz')).status).toBe(200);
  });
});

describe('legacy slow or dying', () => {
  let upstream: UpstreamServer;
  let edge: Awaited<ReturnType<typeof startEdge>>;

  beforeAll(async () => {
    upstream = await startUpstreamServer({
      handler: (_req, res, recorded) => {
        const path = recorded.url;
        if (path.startsWith('/slow')) {
          setTimeout(() => {
            if (!res.destroyed) res.end('too late');
          }, 3000).unref();
          return;
        }
        if (path.startsWith('/stall-body')) {
          res.writeHead(200, { 'Content-Length': '1000' });
          res.write(Buffer.alloc(100, 120));
          return; // never finishes
        }
        if (path.startsWith('/die-chunked')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"prescriptions":[');
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        }
        if (path.startsWith('/die-length')) {
          res.writeHead(200, { 'Content-Length': '1000' });
          res.write(Buffer.alloc(100, 120));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '4' });
        res.end('fast');
      },
    });
    edge = await startEdge(upstream.origin, { EDGE_UPSTREAM_TIMEOUT_MS: '400' });
  });

  afterAll(async () => {
    await edge.app.stop();
    await upstream.close();
  });

  it('answers 504 after the timeout while other requests are served meanwhile', async () => {
    const slow = send(edge.port, '/slow');
    await upstream.waitForRequests(1);
    const fast: Reply[] = [];
    for (let i = 0; i < 5; i += 1) fast.push(await send(edge.port, '/fast'));
    const slowReply = await slow;
    for (const reply of fast) {
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('fast');
      expect(reply.ms).toBeLessThan(300);
    }
    expectEdgeError(slowReply, 504, 'EDGE_UPSTREAM_TIMEOUT');
    expect(slowReply.ms).toBeGreaterThanOrEqual(390);
    expect(slowReply.ms).toBeLessThan(2500);
  });

  it('breaks the client connection when the legacy dies mid-body (chunked)', async () => {
    const result = await receive(edge.port, '/die-chunked');
    expect(result.status).toBe(200);
    expect(result.ended).toBe('broken');
  });

  it('breaks the client connection when the legacy dies mid-body (Content-Length)', async () => {
    const result = await receive(edge.port, '/die-length');
    expect(result.status).toBe(200);
    expect(result.bytes).toBe(100);
    expect(result.ended).toBe('broken');
  });

  it('breaks the client connection when the body stalls beyond the timeout', async () => {
    const result = await receive(edge.port, '/stall-body');
    expect(result.status).toBe(200);
    expect(result.bytes).toBe(100);
    expect(result.ended).toBe('broken');
  });

  it('counts timeouts and resets', async () => {
    const metrics = () => send(edge.adminPort, '/metrics').then((r) => r.body);
    await expect.poll(metrics).toContain('edge_upstream_errors_total{kind="timeout"} 2');
    await expect.poll(metrics).toContain('edge_upstream_errors_total{kind="reset"} 2');
  });
});

describe('stale keep-alive socket', () => {
  // A raw upstream that answers the first request on each connection and silently drops the connection
  // when a second request arrives on it — what a legacy that closed an idle socket looks like.
  let server: net.Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    server = net.createServer((socket) => {
      let served = 0;
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString('latin1');
        while (buffer.includes('\r\n\r\n')) {
          const end = buffer.indexOf('\r\n\r\n') + 4;
          const head = buffer.slice(0, end);
          const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffer.length < end + length) return;
          buffer = buffer.slice(end + length);
          seen.push(head.split('\r\n')[0] as string);
          served += 1;
          if (served > 1) {
            socket.destroy();
            return;
          }
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\nok');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries a bodyless GET once on a fresh connection', async () => {
    const edge = await startEdge(`http://127.0.0.1:${port}`);
    try {
      expect((await send(edge.port, '/v2/rezept')).status).toBe(200);
      seen.length = 0;
      const second = await send(edge.port, '/v2/rezept?page=2');
      expect(second.status).toBe(200);
      expect(second.body).toBe('ok');
      expect(seen).toEqual(['GET /v2/rezept?page=2 HTTP/1.1', 'GET /v2/rezept?page=2 HTTP/1.1']);
    } finally {
      await edge.app.stop();
    }
  });

  it('does not retry a request with a body', async () => {
    const edge = await startEdge(`http://127.0.0.1:${port}`);
    try {
      expect((await send(edge.port, '/v2/rezept')).status).toBe(200);
      seen.length = 0;
      const reply = await send(edge.port, '/v2/rezept/status', 'PATCH', '{"updates":[]}');
      expectEdgeError(reply, 502, 'EDGE_UPSTREAM_ERROR');
      expect(seen).toEqual(['PATCH /v2/rezept/status HTTP/1.1']);
    } finally {
      await edge.app.stop();
    }
  });
});

describe('client leaves while a stage is still working', () => {
  it('records 499 and never dispatches to the legacy', async () => {
    const upstream = await startUpstreamServer();
    const modes = createModeState({ implemented: ['cache'] });
    const edge = await startEdge(
      upstream.origin,
      {},
      {
        modes,
        routes: parseRouteTable(
          'routes:\n  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: cache }\n',
          'test.yaml',
        ),
        auth: {
          modes,
          authenticator: {
            authenticate: async () => ({
              ok: true as const,
              principal: {
                userId: 1,
                loginName: 'u',
                mandantId: 1,
                clientCode: 'c',
                tenant: { datenbankId: 1, connectionString: 'Host=x' },
              },
            }),
          },
        },
        execute: {
          executors: {
            // A slow fast-path that then falls back to the legacy.
            cache: () =>
              new Promise((r) => setTimeout(() => r({ kind: 'forward', reason: 'slow-miss' }), 300)),
          },
        },
      },
    );
    try {
      const req = http.get({ host: '127.0.0.1', port: edge.port, path: '/v2/rezept', agent: false });
      req.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 50));
      req.destroy();
      await expect
        .poll(async () => (await send(edge.adminPort, '/metrics')).body, { timeout: 3000 })
        .toContain('edge_http_requests_total{route="v2-rezept-list",mode="cache",status="499"} 1');
      expect(upstream.requestsStarted).toBe(0);
    } finally {
      await edge.app.stop();
      await upstream.close();
    }
  });
});
