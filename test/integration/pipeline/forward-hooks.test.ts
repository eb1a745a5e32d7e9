// The forwarder's two integration hooks, against a recording upstream: (1) a body an executor already read
// (completely, or only up to its bound) reaches the legacy byte for byte under the client's framing; (2) a
// forwarded write's `beforeResponseHead` runs after the legacy answered and before the client sees the head
// (read-your-writes), only costs time for 2xx, and never changes what is relayed.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type EdgeApp } from '../../../src/app.js';
import { hasLegacy, loadConfig } from '../../../src/config/env-config.js';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import { createModeState } from '../../../src/core/route-mode.js';
import { createLogger } from '../../../src/observability/logger.js';
import { send } from '../../e2e/fast-path-support.js';
import { startUpstreamServer, type UpstreamServer } from '../../support/upstream-server.js';
import { testPrincipal } from '../../fakes/request-fixtures.js';

const principal = testPrincipal(1);

let upstream: UpstreamServer;
let app: EdgeApp;
let port = 0;
const hookCalls: { status: number; at: number }[] = [];
let readLimit = 0;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  upstream = await startUpstreamServer();
  const config = loadConfig({
    LEGACY_URL: upstream.origin,
    EDGE_HOST: '127.0.0.1',
    EDGE_PORT: '0',
    EDGE_ADMIN_PORT: '0',
  });
  if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
  app = createApp(config, {
    logger: createLogger('silent'),
    routes: parseRouteTable(
      'routes:\n  - { id: v2-rezept-statusuuid, method: PATCH, path: /v2/rezept/statusuuid, mode: sql }\n',
      'hooks.yaml',
    ),
    modes: createModeState({ implemented: ['sql'] }),
    auth: { authenticator: { authenticate: async () => ({ ok: true, principal }) } },
    execute: {
      executors: {
        // Reads the body (bounded by the test), then decides to forward, as the fast path does when unsure.
        sql: async (ctx) => {
          await ctx.body?.read(readLimit);
          return { kind: 'forward', reason: 'test' };
        },
      },
      beforeForwardedHead: (ctx) =>
        ctx.method === 'GET'
          ? undefined
          : (status) => {
              if (status < 200 || status > 299) return undefined;
              return new Promise<void>((resolve) =>
                setTimeout(() => {
                  hookCalls.push({ status, at: performance.now() });
                  resolve();
                }, 150),
              );
            },
    },
  });
  port = (await app.start()).port;
});

afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});

describe('a body read by an executor, then forwarded', () => {
  const body = Buffer.from(
    JSON.stringify({ rezeptUuids: Array.from({ length: 3000 }, (_, i) => `uuid-${i}`) }),
  );

  it.each([
    ['read completely, Content-Length', 10_000_000, false],
    ['read completely, chunked', 10_000_000, true],
    ['read only up to the bound, Content-Length (not read at all)', 1000, false],
    ['read only up to the bound, chunked (prefix + rest)', 1000, true],
  ])('%s: the legacy gets exactly the client bytes', async (_name, limit, chunked) => {
    readLimit = limit;
    const before = upstream.requests.length;
    const reply = await send(port, {
      method: 'PATCH',
      path: '/v2/rezept/statusuuid',
      headers: { 'content-type': 'application/json' },
      body,
      chunked,
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-edge']).toBe('legacy');
    const recorded = upstream.requests[before];
    expect(recorded?.bodyBytes).toBe(body.length);
    expect(recorded?.bodySha256).toBe(sha(body));
    if (chunked) expect(recorded?.headers['transfer-encoding']).toBe('chunked');
    else expect(recorded?.headers['content-length']).toBe(String(body.length));
  });
});

describe('beforeResponseHead (read-your-writes)', () => {
  it('a 2xx write: the client gets the head only after the hook finished', async () => {
    hookCalls.length = 0;
    const sent = performance.now();
    const reply = await send(port, { method: 'POST', path: '/api/Apotheken', body: '{"apothekeName":"x"}' });
    const received = performance.now();
    expect(reply.status).toBe(200);
    expect(hookCalls).toHaveLength(1);
    expect(hookCalls[0]?.status).toBe(200);
    expect(received).toBeGreaterThanOrEqual(hookCalls[0]?.at as number);
    expect(received - sent).toBeGreaterThanOrEqual(140);
    // Relayed untouched: the upstream echo names the body it received.
    expect(JSON.parse(reply.text).bodyBytes).toBe(20);
  });

  it('a non-2xx answer is relayed at once; reads get no hook', async () => {
    hookCalls.length = 0;
    upstream.setHandler((_req, res) => {
      res.writeHead(404, { 'Content-Length': '0' });
      res.end();
    });
    try {
      const started = performance.now();
      const reply = await send(port, { method: 'DELETE', path: '/api/Apotheken/77' });
      expect(reply.status).toBe(404);
      expect(performance.now() - started).toBeLessThan(140);
      expect((await send(port, { path: '/api/Apotheken' })).status).toBe(404);
      expect(hookCalls).toHaveLength(0);
    } finally {
      upstream.setHandler((req, res, recorded) => {
        const text = JSON.stringify({ bodyBytes: recorded.bodyBytes, bodySha256: recorded.bodySha256 });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        void req;
      });
    }
  });
});
