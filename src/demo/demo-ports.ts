// The demo's listening ports: validation of the emulator's port setting, a fail-fast probe before the
// slow database bootstrap, and one clear message when a port is taken. Reads no environment itself.
import net from 'node:net';
import { EdgeError } from '../errors.js';

export const DEFAULT_EMULATOR_PORT = 5017;

export interface NamedPort {
  /** The setting that chooses it (EDGE_PORT, EDGE_ADMIN_PORT, EMULATOR_PORT). */
  readonly setting: string;
  readonly port: number;
  readonly host: string;
}

/** EMULATOR_PORT as given (undefined/blank: 5017); throws EDGE_CONFIG_INVALID when malformed. */
export function parseEmulatorPort(raw: string | undefined): number {
  const value = raw?.trim() ?? '';
  if (value === '') return DEFAULT_EMULATOR_PORT;
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new EdgeError(
      'EDGE_CONFIG_INVALID',
      `EMULATOR_PORT: must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(value);
}

/** The message for a port that cannot be bound, naming the setting that moves it. */
export function portProblem(named: NamedPort, err: unknown): EdgeError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${named.host}:${named.port}`;
  const reason =
    code === 'EADDRINUSE'
      ? `is already in use (another process listens on ${where})`
      : code === 'EACCES'
        ? `may not be bound by this user (${where})`
        : `cannot be bound (${where}: ${(err as Error | undefined)?.message ?? String(err)})`;
  return new EdgeError(
    'EDGE_CONFIG_INVALID',
    `port ${named.port} (${named.setting}) ${reason}; stop that process or choose another port, ` +
      `e.g. ${named.setting}=${named.port + 10000 <= 65535 ? named.port + 10000 : 0}`,
    { cause: err },
  );
}

export function isPortProblem(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL';
}

function probe(named: NamedPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err) => reject(portProblem(named, err)));
    server.listen({ port: named.port, host: named.host, exclusive: true }, () => {
      server.close(() => resolve());
    });
  });
}

/**
 * Fails fast (before the databases are built) when a fixed port is taken or two settings name the same
 * port. Port 0 (any free port) is never probed. The real listen can still lose a race; callers map its
 * EADDRINUSE through portProblem as well.
 */
export async function assertPortsFree(ports: readonly NamedPort[]): Promise<void> {
  const fixed = ports.filter((p) => p.port !== 0);
  for (const [i, a] of fixed.entries()) {
    const clash = fixed.slice(i + 1).find((b) => b.port === a.port);
    if (clash) {
      throw new EdgeError(
        'EDGE_CONFIG_INVALID',
        `${a.setting} and ${clash.setting} are both ${a.port}; the demo needs distinct ports`,
      );
    }
  }
  for (const named of fixed) await probe(named);
}
