// The peers (nginx proxy_cache, Varnish) in front of the emulator: binaries installed from Debian
// packages when absent (once, as root with apt-get), configs rendered from loadtest/peers/ into a temp
// dir, run in the foreground on unprivileged loopback ports. A peer that cannot be installed or started
// is skipped with a reason; nothing here touches the system's own nginx/varnish configuration.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startService, type Service } from './child-service.js';
import { freePort } from './free-port.js';
import { renderTemplate } from './peer-config.js';

const run = promisify(execFile);
const PEERS_DIR = resolve(import.meta.dirname, '..', 'peers');

export type PeerName = 'nginx' | 'varnish';

const BINARY: Record<PeerName, string> = { nginx: 'nginx', varnish: 'varnishd' };

function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/local/sbin'])) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

let installAttempt: Promise<string | undefined> | undefined;

/** apt-get install -y nginx varnish, once per process; resolves to a failure reason or undefined. */
function installPeers(log: (line: string) => void): Promise<string | undefined> {
  installAttempt ??= (async () => {
    if (process.getuid?.() !== 0) return 'not root: cannot apt-get install nginx varnish';
    if (!findBinary('apt-get')) return 'no apt-get on this machine';
    log('peers: installing nginx and varnish from Debian packages (apt-get install -y nginx varnish) …');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await run('apt-get', ['update', '-qq'], { env, timeout: 300_000 });
      await run('apt-get', ['install', '-y', '-qq', 'nginx', 'varnish'], { env, timeout: 600_000 });
      return undefined;
    } catch (err) {
      return `apt-get install failed: ${(err as Error).message.split('\n')[0]}`;
    }
  })();
  return installAttempt;
}

export interface PeerAvailability {
  readonly binary?: string;
  readonly version?: string;
  readonly skipReason?: string;
}

export async function ensurePeer(
  peer: PeerName,
  options: { install: boolean; log: (line: string) => void },
): Promise<PeerAvailability> {
  let binary = findBinary(BINARY[peer]);
  if (!binary && options.install) {
    const failure = await installPeers(options.log);
    if (failure) return { skipReason: failure };
    binary = findBinary(BINARY[peer]);
  }
  if (!binary) return { skipReason: `${BINARY[peer]} is not installed (and installing was not allowed)` };
  try {
    const { stdout, stderr } = await run(binary, [peer === 'nginx' ? '-v' : '-V']);
    const text = `${stdout}${stderr}`;
    const version = peer === 'nginx' ? /nginx\/(\S+)/.exec(text)?.[1] : /varnish-([0-9.]+)/.exec(text)?.[1];
    return { binary, version: version ?? '?' };
  } catch (err) {
    return { skipReason: `${binary} does not run: ${(err as Error).message.split('\n')[0]}` };
  }
}

export interface PeerService extends Service {
  readonly dir: string;
  /** The rendered configuration, for the raw results. */
  readonly config: string;
}

export async function startNginx(binary: string, upstreamPort: number): Promise<PeerService> {
  const dir = await mkdtemp(join(tmpdir(), 'arzti-bench-nginx-'));
  for (const sub of ['cache', 'client_body', 'proxy_temp', 'fastcgi_temp', 'uwsgi_temp', 'scgi_temp']) {
    mkdirSync(join(dir, sub));
  }
  const port = await freePort();
  const config = renderTemplate(readFileSync(join(PEERS_DIR, 'nginx.conf'), 'utf8'), {
    // As root, the workers would switch to `nobody`, which cannot enter the private temp dir.
    USER_LINE: process.getuid?.() === 0 ? 'user root;' : '',
    DIR: dir,
    PORT: port,
    UPSTREAM_PORT: upstreamPort,
  });
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, config);
  const service = await startService({
    name: 'nginx',
    command: binary,
    args: ['-p', dir, '-c', confPath, '-e', join(dir, 'error.log')],
    env: { PATH: process.env.PATH ?? '' },
    cwd: dir,
    port,
    probePath: '/__peer/health',
  });
  return { ...service, dir, config };
}

export async function startVarnish(binary: string, upstreamPort: number): Promise<PeerService> {
  const dir = await mkdtemp(join(tmpdir(), 'arzti-bench-varnish-'));
  const port = await freePort();
  const config = renderTemplate(readFileSync(join(PEERS_DIR, 'default.vcl'), 'utf8'), {
    UPSTREAM_PORT: upstreamPort,
  });
  const vclPath = join(dir, 'default.vcl');
  writeFileSync(vclPath, config);
  const service = await startService({
    name: 'varnish',
    command: binary,
    args: [
      '-F',
      '-j',
      'none',
      '-a',
      `127.0.0.1:${port}`,
      '-T',
      'none',
      '-f',
      vclPath,
      '-n',
      join(dir, 'work'),
      '-s',
      'malloc,256m',
    ],
    env: { PATH: process.env.PATH ?? '' },
    cwd: dir,
    port,
    probePath: '/__peer/health',
    startTimeoutMs: 60_000,
  });
  return { ...service, dir, config };
}
