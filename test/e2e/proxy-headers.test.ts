// Headers and the request-target through the edge: the upstream sees the target byte-exact and the client's
// end-to-end headers minus hop-by-hop ones (RFC 9110 §7.6.1) plus X-Forwarded-* and X-Request-Id; the
// client sees the upstream's headers minus hop-by-hop ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeApp } from '../../src/app.js';
import {
  startUpstreamServer,
  type UpstreamHandler,
  type UpstreamServer,
} from '../support/upstream-server.js';

import { header, raw, send, startEdge } from '../support/edge-client.js';

/** Echoes what arrived as JSON (url, raw headers, body). */
const echoJson: UpstreamHandler = (_req, res, recorded) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(
    JSON.stringify({
      url: recorded.url,
      rawHeaders: recorded.rawHeaders,
      bodyBytes: recorded.bodyBytes,
      body: recorded.body.toString('utf8'),
    }),
  );
};

describe('headers and request-target', () => {
  let upstream: UpstreamServer;
  let edge: { app: EdgeApp; port: number };

  beforeAll(async () => {
    upstream = await startUpstreamServer({ handler: echoJson });
    edge = await startEdge(upstream.origin);
  });

  afterAll(async () => {
    await edge.app.stop();
    await upstream.close();
  });

  it('forwards the request-target byte-exact (%2F, +, UTF-8 percent-encodings, empty pairs)', async () => {
    const targets = [
      '/v2/rezept?type=E-Rezept&page=1&pageSize=100',
      '/v2/rezept?search=a%2Fb&plus=a+b&space=a%20b&umlaut=%C3%A4%C3%B6%E2%82%AC&empty=&&dup=1&dup=2',
      '/api/Apotheken/a%2Fb%2f/c',
      '/V2.0/REZEPT/?x=%7e~',
      '//double//slash/',
      '/dot/./segments/../kept',
    ];
    for (const target of targets) {
      const before = upstream.requests.length;
      const reply = await send(edge.port, { path: target });
      expect(reply.status).toBe(200);
      expect(upstream.requests[before]?.url, target).toBe(target);
    }
  });

  it('reduces an absolute-form request-target to origin-form without re-encoding', async () => {
    const before = upstream.requests.length;
    const text = await raw(
      edge.port,
      'GET http://public.example/v2/rezept?q=%2F+ HTTP/1.1\r\nHost: public.example\r\n\r\n',
      (t) => t.includes('\r\n\r\n'),
    );
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    await new Promise((r) => setTimeout(r, 20));
    expect(upstream.requests[before]?.url).toBe('/v2/rezept?q=%2F+');
  });

  it('removes hop-by-hop request headers (incl. those named in Connection) and keeps end-to-end ones', async () => {
    const before = upstream.requests.length;
    const request = [
      'POST /echo HTTP/1.1',
      'Host: client.example:8443',
      'Connection: keep-alive, X-Hop-Secret',
      'X-Hop-Secret: must-not-pass',
      'Keep-Alive: timeout=5',
      'Proxy-Connection: keep-alive',
      'TE: trailers',
      'Trailer: X-Checksum',
      'Upgrade: h2c',
      'Authorization: Basic YXBvdGk6MTIzNDU2',
      'X-Tenant-Id: ',
      'X-Multi: one',
      'X-Multi: two',
      'Accept: application/json, text/plain, */*',
      'Content-Type: application/json',
      'Content-Length: 11',
      '',
      '{"a":"b c"}',
    ].join('\r\n');
    const text = await raw(edge.port, request, (t) => t.includes('\r\n0\r\n\r\n'));
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    const seen = upstream.requests[before];
    if (!seen) throw new Error('upstream saw nothing');
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    for (const hop of [
      'x-hop-secret',
      'keep-alive',
      'proxy-connection',
      'te',
      'trailer',
      'upgrade',
      'expect',
    ]) {
      expect(names, hop).not.toContain(hop);
    }
    expect(header(seen.rawHeaders, 'authorization')).toEqual(['Basic YXBvdGk6MTIzNDU2']);
    expect(header(seen.rawHeaders, 'x-tenant-id')).toEqual(['']);
    expect(header(seen.rawHeaders, 'x-multi')).toEqual(['one', 'two']);
    expect(header(seen.rawHeaders, 'accept')).toEqual(['application/json, text/plain, */*']);
    expect(header(seen.rawHeaders, 'content-length')).toEqual(['11']);
    expect(header(seen.rawHeaders, 'connection')).toEqual(['keep-alive']);
    expect(seen.body.toString()).toBe('{"a":"b c"}');
  });

  it('removes hop-by-hop response headers and those named in Connection', async () => {
    upstream.setHandler((_req, res) => {
      res.writeHead(200, [
        'Connection',
        'X-Private',
        'X-Private',
        'secret',
        'Keep-Alive',
        'timeout=5, max=100',
        'Proxy-Connection',
        'keep-alive',
        'Upgrade',
        'h2c',
        'X-Public',
        'yes',
        'Content-Length',
        '2',
      ]);
      res.end('ok');
    });
    try {
      const reply = await send(edge.port, { path: '/hop' });
      expect(header(reply.rawHeaders, 'x-private')).toEqual([]);
      expect(header(reply.rawHeaders, 'upgrade')).toEqual([]);
      expect(header(reply.rawHeaders, 'proxy-connection')).toEqual([]);
      // This client sends `Connection: close`, so the edge sends no Keep-Alive of its own; the legacy's must not leak.
      expect(header(reply.rawHeaders, 'keep-alive')).toEqual([]);
      expect(header(reply.rawHeaders, 'x-public')).toEqual(['yes']);
      expect(reply.body.toString()).toBe('ok');
    } finally {
      upstream.setHandler(echoJson);
    }
  });

  it('adds X-Forwarded-For/-Proto/-Host (appending to an existing X-Forwarded-For) and names the legacy in Host', async () => {
    const reply = await send(edge.port, {
      path: '/echo',
      headers: {
        Host: 'public.example',
        'X-Forwarded-For': '203.0.113.7, 10.0.0.1',
        'X-Forwarded-Proto': 'https',
      },
    });
    const seen = JSON.parse(reply.body.toString()) as { rawHeaders: string[] };
    expect(header(seen.rawHeaders, 'x-forwarded-for')).toEqual(['203.0.113.7, 10.0.0.1, 127.0.0.1']);
    expect(header(seen.rawHeaders, 'x-forwarded-proto')).toEqual(['http']);
    expect(header(seen.rawHeaders, 'x-forwarded-host')).toEqual(['public.example']);
    expect(header(seen.rawHeaders, 'host')).toEqual([`127.0.0.1:${upstream.port}`]);
  });

  it('passes a valid X-Request-Id through both ways and replaces an invalid one', async () => {
    const kept = await send(edge.port, { path: '/echo', headers: { 'X-Request-Id': 'client-id-42' } });
    expect(header(kept.rawHeaders, 'x-request-id')).toEqual(['client-id-42']);
    expect(
      header((JSON.parse(kept.body.toString()) as { rawHeaders: string[] }).rawHeaders, 'x-request-id'),
    ).toEqual(['client-id-42']);

    const replaced = await send(edge.port, { path: '/echo', headers: { 'X-Request-Id': 'x'.repeat(129) } });
    const [id] = header(replaced.rawHeaders, 'x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      header((JSON.parse(replaced.body.toString()) as { rawHeaders: string[] }).rawHeaders, 'x-request-id'),
    ).toEqual([id]);
  });

  it('forwards the client Host when EDGE_PRESERVE_HOST=true', async () => {
    const preserving = await startEdge(upstream.origin, { EDGE_PRESERVE_HOST: 'true' });
    try {
      const reply = await send(preserving.port, { path: '/echo', headers: { Host: 'public.example:8443' } });
      const seen = JSON.parse(reply.body.toString()) as { rawHeaders: string[] };
      expect(header(seen.rawHeaders, 'host')).toEqual(['public.example:8443']);
    } finally {
      await preserving.app.stop();
    }
  });
});
