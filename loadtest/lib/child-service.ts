// Child processes under test (emulator, proxies, bare server, nginx, varnishd): spawned with an explicit
// environment, ready when an HTTP probe answers, stopped by their own pid (SIGTERM, then SIGKILL).
// Every started service is remembered so that an aborted benchmark still stops exactly what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitForHttp } from './wait-for-http.js';

export interface ServiceSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The port clients use; also probed for readiness unless probePort is set. */
  readonly port: number;
  readonly probePort?: number;
  readonly probePath: string;
  /** Readiness accepts any HTTP status (e.g. the emulator's health check may fail on purpose). */
  readonly probeAnyStatus?: boolean;
  readonly startTimeoutMs?: number;
}

export interface Service {
  readonly name: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Last lines the process wrote to stderr (and stdout), for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Synchronous last resort (process 'exit'): SIGKILL every child this module started and still runs. */
export function killAllStartedSync(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export async function startService(spec: ServiceSpec): Promise<Service> {
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: { ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  // stdout is drained (the proxy logs a JSON line per request at info) and only the tail is kept.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitReason: string | undefined;
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
    exitReason = `${spec.name} could not be started: ${err.message}`;
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      exitReason ??= `${spec.name} exited (${signal ?? `code ${code}`}) before it was ready`;
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await waitForHttp(spec.probePort ?? spec.port, spec.probePath, {
      anyStatus: spec.probeAnyStatus,
      timeoutMs: spec.startTimeoutMs ?? 30_000,
      abortReason: () => exitReason,
    });
  } catch (err) {
    await stop();
    const output = tail.trim().split('\n').slice(-8).join('\n');
    throw new Error(`${(err as Error).message}${output ? `\n${output}` : ''}`, { cause: err });
  }
  return { name: spec.name, port: spec.port, pid: child.pid, output: () => tail, stop };
}
