// Protocol abuse is refused by the edge with a minimal 400 and never reaches the legacy: each case is sent
// on a raw socket and the upstream must not even see a TCP connection.
import http from 'node:http';
import net from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type EdgeApp } from '../../src/app.js';
import { hasLegacy, loadConfig } from '../../src/config/env-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';

function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => resolvePromise(text));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? resolvePromise(text) : reject(err),
    );
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolvePromise(`${text}[timeout]`);
    });
  });
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolvePromise(body));
      })
      .on('error', reject);
  });
}

const ABUSE: Record<string, string> = {
  'Content-Length together with Transfer-Encoding':
    'POST /v2/rezept/status HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  'Transfer-Encoding other than chunked':
    'POST /v2/rezept/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabcdef',
  'Transfer-Encoding chunked, identity':
    'POST /v2/rezept/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'duplicate Content-Length':
    'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
  'oversized header block': `GET /v2/rezept HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
  'malformed request line': 'GET /v2/rezept HTTP/1.1 extra\r\nHost: x\r\n\r\n',
  'garbage instead of a request line': 'HELLO\r\n\r\n',
  'space in the request-target': 'GET /v2/re zept HTTP/1.1\r\nHost: x\r\n\r\n',
  'raw non-ASCII byte in the target': 'GET /v2/rezept?q=\u00e4 HTTP/1.1\r\nHost: x\r\n\r\n',
  'invalid header name': 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
  'obsolete line folding': 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n',
  'missing Host on HTTP/1.1': 'GET / HTTP/1.1\r\n\r\n',
};

describe('protocol abuse is refused before reaching the legacy', () => {
  let upstream: UpstreamServer;
  let app: EdgeApp;
  let port: number;
  let adminPort: number;

  beforeAll(async () => {
    upstream = await startUpstreamServer();
    const config = loadConfig({
      LEGACY_URL: upstream.origin,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
      ROUTES_FILE: resolve(import.meta.dirname, '../../routes.yaml'),
    });
    if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
    app = createApp(config, { logger: createLogger('silent') });
    ({ port, adminPort } = await app.start());
  });

  afterAll(async () => {
    await app.stop();
    await upstream.close();
  });

  for (const [name, bytes] of Object.entries(ABUSE)) {
    it(`refuses ${name} with 400 and forwards nothing`, async () => {
      const text = await raw(port, bytes);
      expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(text).toMatch(/\r\nConnection: close\r\n/i);
      // Only one response: nothing smuggled behind it, no JSON body.
      expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(text.endsWith('\r\n\r\n')).toBe(true);
      expect(upstream.connections).toBe(0);
      expect(upstream.requestsStarted).toBe(0);
    });
  }

  it('counts refusals with bounded labels', async () => {
    const metrics = await get(adminPort, '/metrics');
    // Node answers a missing Host itself (before any edge code runs), so it is the one case not counted.
    const refused = Object.keys(ABUSE).length - 1;
    expect(metrics).toContain(
      `edge_http_requests_total{route="unmatched",mode="refused",status="400"} ${refused}`,
    );
  });

  it('still serves a well-formed request afterwards', async () => {
    const text = await raw(port, 'GET /v2/rezept HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(upstream.requestsStarted).toBe(1);
  });
});
