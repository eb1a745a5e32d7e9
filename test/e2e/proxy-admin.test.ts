// The admin listener (/healthz, /readyz, /metrics on the edge's own registry) and the one-line-per-request
// JSON log, checked against a running edge in front of a real upstream.
import http from 'node:http';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type EdgeApp } from '../../src/app.js';
import { hasLegacy, loadConfig } from '../../src/config/env-config.js';
import { parseRouteTable } from '../../src/config/routes-file.js';
import { createLogger } from '../../src/observability/logger.js';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';

function request(
  port: number,
  path: string,
  method = 'GET',
  headers: http.OutgoingHttpHeaders = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admin listener and request log', () => {
  let upstream: UpstreamServer;
  let app: EdgeApp;
  let port: number;
  let adminPort: number;
  const logText: string[] = [];
  const logLines = () =>
    logText
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    upstream = await startUpstreamServer();
    const config = loadConfig({
      LEGACY_URL: `${upstream.origin}/ArzTi3`,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
      ROUTES_FILE: resolve(import.meta.dirname, '../../routes.yaml'),
    });
    if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logText.push(String(chunk));
        cb();
      },
    });
    app = createApp(config, { logger: createLogger('info', sink) });
    ({ port, adminPort } = await app.start());
  });

  afterAll(async () => {
    await app.stop();
    await upstream.close();
  });

  it('GET /healthz answers 200', async () => {
    const reply = await request(adminPort, '/healthz');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ status: 'ok' });
  });

  it('GET /readyz lists its checks and is 200 with the legacy up', async () => {
    const reply = await request(adminPort, '/readyz');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(reply.body) as { status: string; checks: Array<{ name: string; ok: boolean }> };
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['config', true],
      ['legacy', true],
      ['accepting', true],
    ]);
  });

  it('answers unknown admin paths with 404 and the proxy port does not serve admin paths', async () => {
    expect((await request(adminPort, '/nope')).status).toBe(404);
    const before = upstream.requests.length;
    await request(port, '/metrics');
    expect(upstream.requests[before]?.url).toBe('/ArzTi3/metrics');
  });

  it('exposes request metrics with route ids (never raw paths) on its own registry', async () => {
    await request(port, '/v2/rezept?page=1');
    await request(port, '/V2.0/REZEPT/status');
    await request(port, '/some/unknown/path/4711?search=x');
    // The observation is recorded when the response has been flushed, which can be a tick after the client
    // already has it (client and edge share this process): poll.
    await expect
      .poll(async () => (await request(adminPort, '/metrics')).body)
      .toContain('edge_http_requests_total{route="v2-rezept-status-list",mode="legacy",status="200"} 1');
    const reply = await request(adminPort, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = reply.body;
    expect(text).toContain('edge_http_requests_total{route="v2-rezept-list",mode="legacy",status="200"} 1');
    expect(text).toContain(
      'edge_http_requests_total{route="v2-rezept-status-list",mode="legacy",status="200"} 1',
    );
    expect(text).toMatch(/edge_http_requests_total\{route="unmatched",mode="legacy",status="200"\} \d+/);
    expect(text).toContain(
      'edge_http_request_duration_seconds_bucket{le="0.005",route="v2-rezept-list",mode="legacy"}',
    );
    expect(text).toMatch(/edge_upstream_open_sockets [1-9]/);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain('/some/unknown');
    expect(text).not.toContain('4711');
    expect(await globalRegistry.metrics()).not.toContain('edge_http_requests_total');
  });

  it('logs exactly one JSON line per request with the agreed fields and no secrets', async () => {
    logText.length = 0;
    const reply = await request(port, '/v2/rezept?page=1&search=geheim', 'GET', {
      Authorization: 'Basic YXBvdGlfdXNlcjoxMjM0NTY=',
      'X-Request-Id': 'log-test-1',
    });
    expect(reply.status).toBe(200);
    await expect.poll(() => logLines().filter((l) => l.msg === 'request').length).toBe(1);
    const lines = logLines().filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      requestId: 'log-test-1',
      method: 'GET',
      path: '/v2/rezept',
      route: 'v2-rezept-list',
      mode: 'legacy',
      edge: 'legacy',
      status: 200,
      durationMs: expect.any(Number),
      upstreamMs: expect.any(Number),
    });
    const all = logText.join('');
    expect(all).not.toContain('YXBvdGlfdXNlcjoxMjM0NTY');
    expect(all).not.toContain('geheim');
  });
});

describe('routes in modes this build cannot execute', () => {
  it('start, log one warning per route and are served by the legacy', async () => {
    const upstream = await startUpstreamServer();
    const text: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        text.push(String(chunk));
        cb();
      },
    });
    const config = loadConfig({
      LEGACY_URL: upstream.origin,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
    });
    if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
    const routes = parseRouteTable(
      'routes:\n  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: sql }\n',
      'modes.yaml',
    );
    const app = createApp(config, { logger: createLogger('info', sink), routes });
    try {
      const { port } = await app.start();
      const warnings = text
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.level === 'warn');
      expect(warnings).toEqual([
        expect.objectContaining({ route: 'v2-rezept-list', configuredMode: 'sql', effectiveMode: 'legacy' }),
      ]);
      const reply = await request(port, '/v2/rezept');
      expect(reply.status).toBe(200);
      expect(reply.headers['x-edge']).toBe('legacy');
      expect(upstream.requests).toHaveLength(1);
    } finally {
      await app.stop();
      await upstream.close();
    }
  });
});
