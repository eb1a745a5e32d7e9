// The edge as a real process (src/main.ts in a child node): start-up failures name the problem, SIGTERM
// drains in-flight requests and exits 0, and 50 MB in either direction streams through without the
// process's RSS following the payload.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Edge {
  readonly child: ChildProcess;
  readonly ready: Promise<{ port: number; adminPort: number }>;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs src/main.ts as its own node process (tsx loader); the env is exactly what the test passes. */
function spawnEdge(env: Record<string, string>): Edge {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const ready = new Promise<{ port: number; adminPort: number }>((resolvePromise, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as { msg?: string; port?: number; adminPort?: number };
        if (parsed.msg === 'listening' && parsed.port && parsed.adminPort) {
          resolvePromise({ port: parsed.port, adminPort: parsed.adminPort });
        }
      }
    });
    child.once('exit', () => reject(new Error(`edge exited before listening: ${stderr}`)));
  });
  ready.catch(() => undefined);
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise) =>
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr })),
  );
  return { child, ready, exited };
}

function get(
  port: number,
  path: string,
  agent: http.Agent | false = false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolvePromise(err.code === 'ECONNREFUSED'));
  });
}

describe('start-up failures', () => {
  it('exits 1 naming LEGACY_URL when it is missing in production', async () => {
    // Outside production a missing LEGACY_URL starts the self-contained demo instead.
    const edge = spawnEdge({ EDGE_PORT: '0', EDGE_ADMIN_PORT: '0', NODE_ENV: 'production' });
    const { code, stderr } = await edge.exited;
    expect(code).toBe(1);
    expect(stderr).toContain('LEGACY_URL is not set');
  });

  it('exits 1 listing every invalid setting', async () => {
    const edge = spawnEdge({ LEGACY_URL: 'http://127.0.0.1:1', EDGE_PORT: 'http', LOG_LEVEL: 'loud' });
    const { code, stderr } = await edge.exited;
    expect(code).toBe(1);
    expect(stderr).toContain('EDGE_PORT: must be an integer');
    expect(stderr).toContain('LOG_LEVEL: must be one of');
  });

  it('refuses to start on an invalid routes.yaml and names file, line and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-routes-'));
    const file = join(dir, 'routes.yaml');
    writeFileSync(
      file,
      [
        'routes:',
        '  - id: v2-rezept-list',
        '    method: GET',
        '    path: /v2/rezept',
        '    mode: cache-everything',
        '  - id: v2-rezept-list',
        '    method: GET',
        '    path: /v2/{broken',
        '    mode: legacy',
        '    timeout: 5',
      ].join('\n'),
    );
    const edge = spawnEdge({
      LEGACY_URL: 'http://127.0.0.1:1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
      ROUTES_FILE: file,
    });
    const { code, stderr } = await edge.exited;
    expect(code).not.toBe(0);
    expect(stderr).toContain(`${file}:5:11: routes[0].mode: "cache-everything" is not one of`);
    expect(stderr).toContain(
      `${file}:6:9: routes[1].id: duplicate id "v2-rezept-list" (first used on line 2)`,
    );
    expect(stderr).toContain(`${file}:8:11: routes[1].path: malformed pattern "/v2/{broken"`);
    expect(stderr).toContain(`${file}:10:5: routes[1].timeout: unknown key`);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  let upstream: UpstreamServer;
  beforeAll(async () => {
    upstream = await startUpstreamServer({
      handler: (_req, res, recorded) => {
        const delay = recorded.url.startsWith('/slow') ? 1500 : 0;
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '4' });
          res.end('done');
        }, delay);
      },
    });
  });
  afterAll(() => upstream.close());

  it('finishes the in-flight request, refuses new connections and exits 0', async () => {
    const edge = spawnEdge({
      LEGACY_URL: upstream.origin,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
      EDGE_DRAIN_MS: '8000',
    });
    try {
      const { port } = await edge.ready;
      // An idle keep-alive client connection must not hold the drain open.
      const keepAlive = new http.Agent({ keepAlive: true });
      expect((await get(port, '/fast', keepAlive)).status).toBe(200);

      const slow = get(port, '/slow');
      await upstream.waitForRequests(2);
      const signalledAt = performance.now();
      edge.child.kill('SIGTERM');

      await expect.poll(() => connectRefused(port), { timeout: 2000, interval: 50 }).toBe(true);
      const inFlight = await slow;
      expect(inFlight).toEqual({ status: 200, body: 'done' });

      const { code, stdout } = await edge.exited;
      expect(code).toBe(0);
      expect(performance.now() - signalledAt).toBeLessThan(5000);
      expect(stdout).toContain('"msg":"stopped"');
      keepAlive.destroy();
    } finally {
      edge.child.kill('SIGKILL');
    }
  });
});

const MB = 1024 * 1024;
const PAYLOAD = 50 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 'arzti-edge ');

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

function payload(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      sent += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

function sha256Of(bytes: number): string {
  const hash = createHash('sha256');
  for (let sent = 0; sent < bytes; sent += CHUNK.length) hash.update(CHUNK);
  return hash.digest('hex');
}

describe.skipIf(!existsSync('/proc/self/status'))('streaming without buffering', () => {
  let upstream: UpstreamServer;
  let edge: Edge;
  let port: number;
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    upstream = await startUpstreamServer({
      keepBodyBytes: 0,
      handler: (_req, res, recorded) => {
        if (!recorded.url.startsWith('/download')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ bodyBytes: recorded.bodyBytes, bodySha256: recorded.bodySha256 }));
          return;
        }
        const bytes = Number(new URL(recorded.url, 'http://x').searchParams.get('bytes'));
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) });
        payload(bytes).pipe(res);
      },
    });
    edge = spawnEdge({
      LEGACY_URL: upstream.origin,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
    });
    ({ port } = await edge.ready);
  });

  afterAll(async () => {
    clearInterval(sampler);
    edge.child.kill('SIGKILL');
    await upstream.close();
  });

  function upload(bytes: number): Promise<{ bodyBytes: number; bodySha256: string }> {
    return new Promise((resolvePromise, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          agent: false,
          headers: { 'Content-Type': 'application/octet-stream' },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolvePromise(JSON.parse(body) as { bodyBytes: number; bodySha256: string }));
        },
      );
      req.on('error', reject);
      payload(bytes).pipe(req);
    });
  }

  function download(bytes: number): Promise<{ bytes: number; sha: string; length: string | undefined }> {
    return new Promise((resolvePromise, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/download?bytes=${bytes}`, agent: false }, (res) => {
          const hash = createHash('sha256');
          let received = 0;
          res.on('data', (c: Buffer) => {
            received += c.length;
            hash.update(c);
          });
          res.on('end', () =>
            resolvePromise({
              bytes: received,
              sha: hash.digest('hex'),
              length: res.headers['content-length'],
            }),
          );
          res.on('error', reject);
        })
        .on('error', reject);
    });
  }

  it('passes 50 MB up and 50 MB down while RSS grows < 30 MB', async () => {
    const pid = edge.child.pid as number;
    const idle = rssBytes(pid);
    // Warm-up: V8 grows its young generation once under any streaming load (~30 MB, the same for 16 MB or
    // 200 MB payloads). The baseline is taken after it, so what is measured is growth that scales with the
    // payload — what buffering would cause.
    for (let i = 0; i < 20; i += 1) await get(port, '/warm-up');
    await upload(16 * MB);
    await download(16 * MB);
    await new Promise((r) => setTimeout(r, 200));
    const baseline = rssBytes(pid);
    peak = baseline;
    sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);

    const up = await upload(PAYLOAD);
    expect(up.bodyBytes).toBe(PAYLOAD);
    expect(up.bodySha256).toBe(sha256Of(PAYLOAD));

    const down = await download(PAYLOAD);
    expect(down.bytes).toBe(PAYLOAD);
    expect(down.length).toBe(String(PAYLOAD));
    expect(down.sha).toBe(sha256Of(PAYLOAD));

    clearInterval(sampler);
    const growth = peak - baseline;
    console.log(
      `edge RSS idle ${(idle / MB).toFixed(1)} MB, after warm-up ${(baseline / MB).toFixed(1)} MB, ` +
        `peak during 2×50 MB ${(peak / MB).toFixed(1)} MB, growth ${(growth / MB).toFixed(1)} MB`,
    );
    expect(peak).toBeGreaterThan(0);
    expect(growth).toBeLessThan(30 * MB);
  });
});
