// The kill switch and reload by signal, on the edge as a real process (src/main.ts in a child node, as
// test/e2e/proxy-process.test.ts runs it), with PostgreSQL and Redis pointed at closed ports:
// SIGUSR2 turns the kill switch on (and a second SIGUSR2 keeps it on: it never toggles), SIGHUP re-reads
// routes.yaml.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamServer, type UpstreamServer } from '../support/upstream-server.js';
import { request, routesDir } from './rollout-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Edge {
  readonly child: ChildProcess;
  readonly ready: Promise<{ port: number; adminPort: number }>;
  stdout(): string;
}

function spawnEdge(env: Record<string, string>): Edge {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<{ port: number; adminPort: number }>((resolvePromise, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as { msg?: string; port?: number; adminPort?: number };
        if (parsed.msg === 'listening' && parsed.port && parsed.adminPort)
          resolvePromise({ port: parsed.port, adminPort: parsed.adminPort });
      }
    });
    child.once('exit', () => reject(new Error(`edge exited before listening: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, stdout: () => stdout };
}

const routes = (mode: string) =>
  ['routes:', '  - id: v2-rezept-list', '    method: GET', '    path: /v2/rezept', `    mode: ${mode}`].join(
    '\n',
  );

describe('kill switch and reload by signal (child process)', () => {
  let upstream: UpstreamServer;
  beforeAll(async () => {
    upstream = await startUpstreamServer();
  });
  afterAll(() => upstream.close());

  it('SIGUSR2 sets the kill switch for the next request; SIGHUP reloads routes.yaml', async () => {
    const dir = routesDir(routes('legacy'));
    const edge = spawnEdge({
      LEGACY_URL: upstream.origin,
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_ADMIN_PORT: '0',
      ROUTES_FILE: dir.file,
      EDGE_ROUTES_WATCH: 'false',
      ARZSW_DATABASE_URL: 'postgres://edge:edge@127.0.0.1:1/arzsw',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    try {
      const { port, adminPort } = await edge.ready;
      const killLines = () =>
        edge
          .stdout()
          .split('\n')
          .filter((l) => l.includes('kill switch on')).length;
      expect((await request(port, '/v2/rezept')).headers['x-edge']).toBe('legacy');

      edge.child.kill('SIGUSR2');
      await expect.poll(killLines, { timeout: 5000, interval: 10 }).toBe(1);
      const next = await request(port, '/v2/rezept');
      expect(next.status).toBe(200);
      expect(next.headers['x-edge']).toBe('legacy; kill-switch');
      expect(JSON.parse((await request(adminPort, '/readyz')).body)).toMatchObject({
        status: 'ready',
        killSwitch: true,
      });
      expect((await request(adminPort, '/metrics')).body).toMatch(/^edge_kill_switch 1$/m);

      // Not a toggle: a second signal keeps it on.
      edge.child.kill('SIGUSR2');
      await expect.poll(killLines, { timeout: 5000, interval: 10 }).toBe(2);
      expect((await request(port, '/v2/rezept')).headers['x-edge']).toBe('legacy; kill-switch');

      // SIGHUP: the edited file is read although watching is off.
      dir.write(routes('shadow'));
      edge.child.kill('SIGHUP');
      await expect
        .poll(
          async () =>
            (JSON.parse((await request(adminPort, '/_edge/routes')).body) as { generation: number })
              .generation,
          {
            timeout: 5000,
            interval: 20,
          },
        )
        .toBe(2);
      // Cleared from loopback without a token (EDGE_ADMIN_TOKEN unset): shadow mode now answers.
      const cleared = await request(adminPort, '/_edge/rollback', { method: 'DELETE' });
      expect(JSON.parse(cleared.body)).toEqual({ killSwitch: false, sources: [] });
      expect((await request(port, '/v2/rezept')).headers['x-edge']).toBe('shadow');
      expect(edge.child.exitCode).toBeNull();
    } finally {
      edge.child.kill('SIGKILL');
    }
  });
});
