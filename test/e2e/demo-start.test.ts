// The zero-setup demo as a user meets it: src/main.ts as a child process with neither LEGACY_URL nor
// ARZSW_DATABASE_URL, ready within the budget, the three printed curl scenarios replayed as HTTP requests
// exactly as printed, SIGTERM → exit 0. Plus the refusals: production without settings, a busy port.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
/** Issue #9: `npm start` on a fresh machine shows the product within a minute. */
const READY_BUDGET_MS = 60_000;

interface Child {
  readonly child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves with the elapsed ms once stdout contains `marker`; rejects if the process exits first. */
  waitFor(marker: string, timeoutMs: number): Promise<number>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** src/main.ts in its own node (tsx loader, so signals reach it directly); env is exactly `env` + PATH. */
function spawnMain(env: Record<string, string>): Child {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor: (marker, timeoutMs) =>
      new Promise((done, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`no "${marker}" after ${timeoutMs} ms:\n${stdout}\n${stderr}`)),
          timeoutMs,
        );
        const check = () => {
          if (!stdout.includes(marker)) return;
          clearTimeout(timer);
          child.stdout?.off('data', check);
          done(Date.now() - started);
        };
        child.stdout?.on('data', check);
        void exited.then(() => {
          clearTimeout(timer);
          fail(new Error(`exited before "${marker}":\n${stdout}\n${stderr}`));
        });
        check();
      }),
  };
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = net.createServer();
      return new Promise<net.Server>((done) => server.listen(0, '127.0.0.1', () => done(server)));
    }),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

/** The words of a printed command line: plain words and '…' quoted ones ('\'' inside), as sh reads them. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i] as string;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i += 1;
    } else if (ch === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The HTTP request a printed `curl -i [-u u:p] [-X M] [-H h] [-d body] URL` sends. */
function curlToRequest(line: string): CurlRequest {
  const words = shellWords(line.trim());
  expect(words[0]).toBe('curl');
  const request: CurlRequest = { method: 'GET', url: '', headers: {} };
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i] as string;
    const value = () => words[++i] as string;
    if (word === '-i') continue;
    else if (word === '-u')
      request.headers.authorization = `Basic ${Buffer.from(value()).toString('base64')}`;
    else if (word === '-X') request.method = value();
    else if (word === '-H') {
      const [name, ...rest] = value().split(':');
      request.headers[(name as string).toLowerCase()] = rest.join(':').trim();
    } else if (word === '-d') {
      request.body = value();
      if (request.method === 'GET') request.method = 'POST';
    } else if (word.startsWith('-')) throw new Error(`unexpected curl option ${word}`);
    else request.url = word;
  }
  return request;
}

async function send(request: CurlRequest): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

interface ListBody {
  prescriptions: Array<{ rezeptUuid: string | null; type: string }>;
  totalCount: number;
}

describe('npm start without settings: the demo', () => {
  let demo: Child;
  let readyMs: number;
  let ports: number[];
  let read: CurlRequest;
  let write: CurlRequest;
  let sampleUuid: string;
  let cacheActive: boolean;
  const responses: Array<{ status: number; headers: Headers; body: string }> = [];

  beforeAll(async () => {
    ports = await freePorts(3);
    demo = spawnMain({
      EDGE_PORT: String(ports[0]),
      EDGE_ADMIN_PORT: String(ports[1]),
      EMULATOR_PORT: String(ports[2]),
      LOG_LEVEL: 'warn',
    });
    readyMs = await demo.waitFor('Ctrl-C stops the demo', 120_000);
    const { stdout } = demo.output();
    const curls = stdout.split('\n').filter((line) => line.trimStart().startsWith('curl '));
    expect(curls).toHaveLength(4);
    [read, , write] = curls.map(curlToRequest) as [CurlRequest, CurlRequest, CurlRequest];
    expect(curls[1]).toBe(curls[0]);
    expect(curls[3]).toBe(curls[0]);
    sampleUuid = (JSON.parse(write.body ?? '{}') as { updates: Array<{ rezeptUuid: string }> }).updates[0]!
      .rezeptUuid;
    cacheActive = !stdout.includes('NOT ACTIVE in this build');
  }, 130_000);

  afterAll(() => {
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
  });

  it(`is ready within ${READY_BUDGET_MS / 1000} s and prints where it listens`, () => {
    console.log(`[demo-start] ready after ${(readyMs / 1000).toFixed(1)} s (spawn to banner)`);
    expect(readyMs).toBeLessThan(READY_BUDGET_MS);
    const { stdout } = demo.output();
    expect(stdout).toContain(`proxy        http://127.0.0.1:${ports[0]}`);
    expect(stdout).toContain(`admin        http://127.0.0.1:${ports[1]}`);
    expect(stdout).toContain(`legacy       http://127.0.0.1:${ports[2]}`);
    expect(stdout).toMatch(/credentials {2}apoti_user_rzstein \/ 123456 +→ demo_apoti_1/);
    expect(read.url).toBe(`http://127.0.0.1:${ports[0]}/v2/rezept?pageSize=5`);
  });

  it('(a) the read returns 200 with a JSON list that shows the prescription of the printed PATCH', async () => {
    const first = await send(read);
    responses.push(first);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(first.body) as ListBody;
    expect(body.prescriptions.length).toBeGreaterThan(0);
    expect(body.totalCount).toBeGreaterThan(body.prescriptions.length);
    expect(body.prescriptions.map((p) => p.rezeptUuid)).toContain(sampleUuid);
  });

  it('(b) the same read again returns the same list', async () => {
    const second = await send(read);
    responses.push(second);
    expect(second.status).toBe(200);
    // deliveryTimestamp/responseTimestamp are "now" values in every answer (CONTRACT §2.4); the items are not.
    const [a, b] = responses.map((r) =>
      (JSON.parse(r.body) as ListBody).prescriptions.map((p) => p.rezeptUuid),
    );
    expect(b).toEqual(a);
  });

  it('(b) the banner states truthfully whether the second read can be a cache hit', () => {
    const edge = responses[1]?.headers.get('x-edge');
    expect(edge).toBe(cacheActive ? 'cache-hit' : 'legacy');
  });

  // The demo serves GET routes from L1 (cache mode on the PGlite backends, src/demo/demo-proxy.ts).
  it('(b) the second read is answered from the cache: X-Edge: cache-hit', () => {
    expect(responses[1]?.headers.get('x-edge')).toBe('cache-hit');
  });

  it('(c) the PATCH marks the prescription as transferred: 200, successCount 1', async () => {
    const res = await send(write);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      success: true,
      processedCount: 1,
      successCount: 1,
      errorCount: 0,
    });
  });

  it('(c) the read after the PATCH no longer lists it', async () => {
    const after = await send(read);
    expect(after.status).toBe(200);
    const body = JSON.parse(after.body) as ListBody;
    expect(body.prescriptions.length).toBeGreaterThan(0);
    expect(body.prescriptions.map((p) => p.rezeptUuid)).not.toContain(sampleUuid);
    const before = JSON.parse(responses[0]?.body ?? '{}') as ListBody;
    expect(body.totalCount).toBe(before.totalCount - 1);
  });

  it('SIGTERM stops proxy, emulator and databases and exits 0', async () => {
    demo.child.kill('SIGTERM');
    const { code } = await demo.exited;
    expect(code).toBe(0);
    expect(demo.output().stdout).toContain('arzti-edge demo: SIGTERM received, stopping');
  }, 30_000);
});

describe('when the demo must not start', () => {
  it('NODE_ENV=production without settings exits 1 naming LEGACY_URL and ARZSW_DATABASE_URL', async () => {
    const edge = spawnMain({ NODE_ENV: 'production', EDGE_PORT: '0', EDGE_ADMIN_PORT: '0' });
    const { code } = await edge.exited;
    const { stderr, stdout } = edge.output();
    expect(code).toBe(1);
    expect(stderr).toContain('LEGACY_URL is not set');
    expect(stderr).toContain('ARZSW_DATABASE_URL');
    expect(stdout).not.toContain('demo');
  });

  it('a taken port exits 1 at once, naming the setting to change', async () => {
    const blocker = net.createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const edge = spawnMain({ EDGE_PORT: '0', EDGE_ADMIN_PORT: '0', EMULATOR_PORT: String(busy) });
      const { code } = await edge.exited;
      expect(code).toBe(1);
      expect(edge.output().stderr).toContain(`port ${busy} (EMULATOR_PORT) is already in use`);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });
});
