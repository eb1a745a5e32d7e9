// Readiness probe of the legacy: a plain TCP connect to LEGACY_URL's host and port (cheap, no request in the
// legacy's logs). Proves the listener, not the application. On demand, single-flight, cached briefly.
import net from 'node:net';

export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly checkedAt: number;
}

export interface LegacyProbe {
  check(): Promise<ProbeResult>;
}

export interface LegacyProbeOptions {
  readonly hostname: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** A result younger than this is reused. */
  readonly cacheMs: number;
  readonly now?: () => number;
}

function connectOnce(
  hostname: string,
  port: number,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port });
    const finish = (ok: boolean, detail: string) => {
      socket.destroy();
      resolve({ ok, detail });
    };
    socket.setTimeout(timeoutMs, () => finish(false, `no TCP connection within ${timeoutMs} ms`));
    socket.once('connect', () => finish(true, 'tcp connect ok'));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish(false, `tcp connect failed: ${err.code ?? err.message}`),
    );
  });
}

export function createLegacyProbe(options: LegacyProbeOptions): LegacyProbe {
  const now = options.now ?? Date.now;
  let last: ProbeResult | undefined;
  let inFlight: Promise<ProbeResult> | undefined;
  return {
    check() {
      if (last && now() - last.checkedAt < options.cacheMs) return Promise.resolve(last);
      inFlight ??= connectOnce(options.hostname, options.port, options.timeoutMs).then((result) => {
        last = { ...result, checkedAt: now() };
        inFlight = undefined;
        return last;
      });
      return inFlight;
    },
  };
}
