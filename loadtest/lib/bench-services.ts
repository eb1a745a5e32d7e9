// Starts every configuration of a benchmark at once — the emulator (required), one proxy per mode, nginx
// and Varnish (each skipped with a reason when it cannot run) — and keeps what is needed to account for
// their CPU and to stop them again. The bare ceiling starts later (it needs the captured answers).
import type { BenchData } from './bench-data.js';
import type { Profile } from './bench-profile.js';
import type { ConfigId } from './bench-results.js';
import type { Service } from './child-service.js';
import { startEmulatorProcess, startProxyProcess, type ProxyMode } from './edge-services.js';
import { freePort } from './free-port.js';
import { ensurePeer, startNginx, startVarnish, type PeerService } from './peers.js';
import { cpuMs, treeCpuMs } from './proc-stats.js';

export interface StartedServices {
  readonly running: Map<ConfigId, Service>;
  /** Configurations that could not start, with the reason. */
  readonly skipped: Map<ConfigId, string>;
  /** Peer versions, e.g. { nginx: '1.22.1' }. */
  readonly versions: Record<string, string>;
  /** Every started service, for stopping (the bare server is appended when it starts). */
  readonly services: Service[];
  /** Temp dirs of the peers, removed after they stopped. */
  readonly peerDirs: string[];
  /** One proxy's environment without secrets, for the raw results. */
  proxySettings: Record<string, string>;
}

export interface StartOptions {
  readonly root: string;
  readonly tmpDir: string;
  readonly redisUrl: string;
  readonly logLevel: string;
  readonly installPeers: boolean;
  readonly log: (line: string) => void;
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

export async function startServices(
  profile: Profile,
  data: BenchData,
  options: StartOptions,
): Promise<StartedServices> {
  const started: StartedServices = {
    running: new Map(),
    skipped: new Map(),
    versions: {},
    services: [],
    peerDirs: [],
    proxySettings: {},
  };
  const { running, skipped, services } = started;
  options.log(
    `starting the emulator, ${profile.configs.filter((c) => c !== 'emulator' && c !== 'bare').join(', ')} …`,
  );
  // Everything starts at once (tsx start-up dominates); the proxies and peers reach the emulator lazily.
  const emulatorPort = await freePort();
  const tasks: Promise<void>[] = [
    startEmulatorProcess(options.root, data.managementUrl, emulatorPort).then((emulator) => {
      services.push(emulator);
      running.set('emulator', emulator);
    }),
  ];
  for (const mode of ['legacy', 'sql', 'cache'] as ProxyMode[]) {
    const config = `proxy-${mode}` as ConfigId;
    if (!profile.configs.includes(config)) continue;
    tasks.push(
      startProxyProcess({
        root: options.root,
        tmpDir: options.tmpDir,
        mode,
        legacyUrl: `http://127.0.0.1:${emulatorPort}`,
        managementUrl: data.managementUrl,
        redisUrl: options.redisUrl,
        logLevel: options.logLevel,
      }).then(
        (proxy) => {
          services.push(proxy);
          running.set(config, proxy);
          started.proxySettings = { ...proxy.settings };
        },
        (err: unknown) => {
          // The table shows the first line; the log gets the process's last output lines too.
          options.log(`${config} did not start: ${err instanceof Error ? err.message : String(err)}`);
          skipped.set(config, `did not start: ${firstLine(err)}`);
        },
      ),
    );
  }
  for (const peer of ['nginx', 'varnish'] as const) {
    if (!profile.configs.includes(peer)) continue;
    tasks.push(
      (async () => {
        const availability = await ensurePeer(peer, { install: options.installPeers, log: options.log });
        if (!availability.binary) {
          skipped.set(peer, availability.skipReason ?? 'unavailable');
          return;
        }
        started.versions[peer === 'nginx' ? 'nginx' : 'Varnish'] = availability.version ?? '?';
        try {
          const service: PeerService =
            peer === 'nginx'
              ? await startNginx(availability.binary, emulatorPort)
              : await startVarnish(availability.binary, emulatorPort);
          services.push(service);
          started.peerDirs.push(service.dir);
          running.set(peer, service);
        } catch (err) {
          skipped.set(peer, `did not start: ${firstLine(err)}`);
        }
      })(),
    );
  }
  // The emulator is required: its failure rejects here (after the others settled, so all get stopped).
  const outcomes = await Promise.allSettled(tasks);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    throw failed.reason;
  }
  for (const [config, reason] of skipped) options.log(`  ${config} skipped: ${reason}`);
  return started;
}

/** CPU probes of one configuration's run: the process tree clients talk to, the emulator behind it. */
export function cpuProbes(config: ConfigId, running: ReadonlyMap<ConfigId, Service>) {
  const front = running.get(config)?.pid;
  const emulator = running.get('emulator')?.pid;
  return {
    front: () => treeCpuMs(front),
    legacy: () => (config === 'emulator' ? 0 : cpuMs(emulator)),
  };
}

/** CPU ms of every process the benchmark started (for the idle check between runs). */
export function servicesCpuMs(running: ReadonlyMap<ConfigId, Service>): number {
  let ms = 0;
  for (const service of running.values()) ms += treeCpuMs(service.pid) || 0;
  return ms;
}
