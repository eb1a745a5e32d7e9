// Pass-through transparency: the same requests sent straight to a real upstream and through the edge must
// produce the same status, headers (minus hop-by-hop), framing and body; plus HEAD, Expect: 100-continue,
// chunked request bodies and the /ArzTi3 path base. Header rules: proxy-headers.test.ts.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeApp } from '../../src/app.js';
import {
  startUpstreamServer,
  type UpstreamHandler,
  type UpstreamServer,
} from '../support/upstream-server.js';

import { header, raw, send, startEdge, type Reply } from '../support/edge-client.js';

const CONNECTION_LEVEL = new Set([
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'x-edge',
  'x-request-id',
]);
function endToEnd(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!CONNECTION_LEVEL.has((rawHeaders[i] as string).toLowerCase()))
      out.push(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  }
  return out;
}

function framing(reply: Reply): string {
  const length = header(reply.rawHeaders, 'content-length');
  if (length.length > 0) return `content-length:${length.join(',')}`;
  return header(reply.rawHeaders, 'transfer-encoding').join(',') || 'none';
}

interface Case {
  readonly status: number;
  readonly headers: string[];
  readonly body?: string;
  /** chunked: write the body without Content-Length (Kestrel's style for JSON). */
  readonly chunked?: boolean;
}

const MATRIX: Record<string, Case> = {
  'json-chunked': {
    status: 200,
    headers: ['Content-Type', 'application/json; charset=utf-8'],
    body: '{"prescriptions":[],"totalCount":0}',
    chunked: true,
  },
  'json-length': {
    status: 200,
    headers: ['Content-Type', 'application/json; charset=utf-8'],
    body: '{"status":"ok"}',
  },
  created: {
    status: 201,
    headers: [
      'Content-Type',
      'application/json; charset=utf-8',
      'Location',
      'http://iis-host/ArzTi3/api/Apotheken/7',
    ],
    body: '{"id":7}',
    chunked: true,
  },
  'no-content': { status: 204, headers: [] },
  'bad-request': {
    status: 400,
    headers: ['Content-Type', 'text/plain; charset=utf-8'],
    body: 'Client connection string not found',
  },
  unauthorized: {
    status: 401,
    headers: ['WWW-Authenticate', 'Basic realm="ArzTi3 API", charset="UTF-8"', 'Content-Length', '0'],
  },
  'unauthorized-twice': {
    status: 401,
    headers: [
      'WWW-Authenticate',
      'Basic realm="ArzTi3 API", charset="UTF-8"',
      'WWW-Authenticate',
      'Bearer',
      'Content-Length',
      '0',
    ],
  },
  'not-found': { status: 404, headers: ['Content-Length', '0'] },
  'method-not-allowed': { status: 405, headers: ['Allow', 'GET', 'Content-Length', '0'] },
  'unsupported-media': {
    status: 415,
    headers: ['Content-Type', 'application/problem+json; charset=utf-8'],
    body: '{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.16","title":"Unsupported Media Type","status":415}',
    chunked: true,
  },
  'server-error': {
    status: 500,
    headers: ['Content-Type', 'text/plain; charset=utf-8'],
    body: 'Internal server error occurred',
  },
  cookies: {
    status: 200,
    headers: [
      'Set-Cookie',
      'a=1; Path=/',
      'Set-Cookie',
      'b=2; HttpOnly',
      'X-Mixed-CASE',
      'v',
      'Cache-Control',
      'no-cache',
    ],
    body: 'ok',
  },
  'empty-chunked': { status: 200, headers: ['Content-Type', 'text/plain'], body: '', chunked: true },
};

/** Answers /case/<name> from MATRIX; anything else is echoed as JSON (url, raw headers, body). */
const matrixHandler: UpstreamHandler = (req, res, recorded) => {
  const name = recorded.url.split('/').pop()?.split('?')[0] ?? '';
  const spec = MATRIX[name];
  if (!spec) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        url: recorded.url,
        rawHeaders: recorded.rawHeaders,
        bodyBytes: recorded.bodyBytes,
        body: recorded.body.toString('utf8'),
      }),
    );
    return;
  }
  const headers = [...spec.headers];
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  if (body && !spec.chunked && !headers.some((h) => h.toLowerCase() === 'content-length')) {
    headers.push('Content-Length', String(body.length));
  }
  res.writeHead(spec.status, headers);
  if (spec.chunked && body) {
    if (body.length > 0) res.write(body);
    res.end();
  } else {
    res.end(req.method === 'HEAD' ? undefined : body);
  }
};

describe('pass-through transparency', () => {
  let upstream: UpstreamServer;
  let edge: { app: EdgeApp; port: number };

  beforeAll(async () => {
    upstream = await startUpstreamServer({ handler: matrixHandler });
    edge = await startEdge(upstream.origin);
  });

  afterAll(async () => {
    await edge.app.stop();
    await upstream.close();
  });

  for (const name of Object.keys(MATRIX)) {
    it(`relays "${name}" exactly as the upstream sent it`, async () => {
      const direct = await send(upstream.port, { path: `/case/${name}` });
      const proxied = await send(edge.port, { path: `/case/${name}` });
      expect(proxied.status).toBe(direct.status);
      expect(proxied.status).toBe(MATRIX[name]?.status);
      expect(proxied.statusMessage).toBe(direct.statusMessage);
      expect(endToEnd(proxied.rawHeaders)).toEqual(endToEnd(direct.rawHeaders));
      expect(framing(proxied)).toBe(framing(direct));
      expect(proxied.body.equals(direct.body)).toBe(true);
      expect(header(proxied.rawHeaders, 'x-edge')).toEqual(['legacy']);
      expect(header(proxied.rawHeaders, 'x-request-id')).toHaveLength(1);
      expect(header(proxied.rawHeaders, 'date')).toEqual(
        header(direct.rawHeaders, 'date').length ? [expect.any(String)] : [],
      );
    });
  }

  it('keeps repeated Set-Cookie and WWW-Authenticate lines separate', async () => {
    const cookies = await send(edge.port, { path: '/case/cookies' });
    expect(header(cookies.rawHeaders, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    const auth = await send(edge.port, { path: '/case/unauthorized-twice' });
    expect(header(auth.rawHeaders, 'www-authenticate')).toEqual([
      'Basic realm="ArzTi3 API", charset="UTF-8"',
      'Bearer',
    ]);
  });

  it('streams a chunked DELETE body intact (no Content-Length: 0 rewrite)', async () => {
    const reply = await send(edge.port, {
      method: 'DELETE',
      path: '/api/Apotheken/5',
      headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/json' },
      body: '{"reason":"closed"}',
    });
    const seen = JSON.parse(reply.body.toString()) as { rawHeaders: string[]; body: string };
    expect(seen.body).toBe('{"reason":"closed"}');
    expect(header(seen.rawHeaders, 'content-length')).toEqual([]);
    expect(header(seen.rawHeaders, 'transfer-encoding')).toEqual(['chunked']);
  });

  it('answers HEAD with the upstream headers and no body, keeping the connection usable', async () => {
    upstream.setHandler((req, res) => {
      res.writeHead(req.method === 'HEAD' ? 405 : 200, { 'Content-Length': '1234', Allow: 'GET' });
      res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(1234, 97));
    });
    try {
      const text = await raw(
        edge.port,
        'HEAD /v2/rezept HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/rezept HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        () => false,
      );
      const responses = text.split(/(?=HTTP\/1\.1 )/);
      expect(responses).toHaveLength(2);
      expect(responses[0]).toMatch(/^HTTP\/1\.1 405 /);
      expect(responses[0]).toMatch(/\r\nContent-Length: 1234\r\n/i);
      expect(responses[0]?.endsWith('\r\n\r\n')).toBe(true);
      expect(responses[1]).toMatch(/^HTTP\/1\.1 200 /);
      expect(responses[1]?.endsWith('a'.repeat(1234))).toBe(true);
    } finally {
      upstream.setHandler(matrixHandler);
    }
  });

  it('handles Expect: 100-continue (interim 100 from the edge, body forwarded, Expect not forwarded)', async () => {
    const before = upstream.requests.length;
    const socket = net.connect(edge.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.write(
      'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
    );
    await expect.poll(() => text, { timeout: 2000 }).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    expect(upstream.requests.length).toBe(before);
    socket.write('hello');
    await expect.poll(() => text, { timeout: 2000 }).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"body":"hello"/);
    socket.destroy();
    const seen = upstream.requests[before];
    expect(seen?.body.toString()).toBe('hello');
    expect(seen?.headers['expect']).toBeUndefined();
  });
});

describe('path base /ArzTi3', () => {
  let upstream: UpstreamServer;
  let edge: { app: EdgeApp; port: number };

  beforeAll(async () => {
    upstream = await startUpstreamServer();
    edge = await startEdge(`${upstream.origin}/ArzTi3/`);
  });
  afterAll(async () => {
    await edge.app.stop();
    await upstream.close();
  });

  it('prefixes the base path and keeps the rest of the target byte-exact', async () => {
    for (const [client, seen] of [
      ['/v2/rezept?page=1&x=%2F+', '/ArzTi3/v2/rezept?page=1&x=%2F+'],
      ['/', '/ArzTi3/'],
      ['/api/Health/arzsw', '/ArzTi3/api/Health/arzsw'],
      ['/api/Health/arzsw?', '/ArzTi3/api/Health/arzsw?'],
      ['/v2/rezept?&', '/ArzTi3/v2/rezept?&'],
      ['/v2//rezept?a=1?b=2', '/ArzTi3/v2//rezept?a=1?b=2'],
    ] as const) {
      const before = upstream.requests.length;
      const reply = await send(edge.port, { path: client });
      expect(reply.status).toBe(200);
      expect(upstream.requests[before]?.url).toBe(seen);
    }
  });

  it('forwards the asterisk form (OPTIONS *) as it is, without the base path', async () => {
    const before = upstream.requests.length;
    const reply = await send(edge.port, { method: 'OPTIONS', path: '*' });
    expect(reply.status).toBe(200);
    expect(upstream.requests[before]?.method).toBe('OPTIONS');
    expect(upstream.requests[before]?.url).toBe('*');
  });

  it('reuses upstream connections (keep-alive agent)', async () => {
    const before = upstream.connections;
    for (let i = 0; i < 10; i += 1) await send(edge.port, { path: '/v2/rezept' });
    expect(upstream.connections - before).toBeLessThanOrEqual(1);
  });
});
