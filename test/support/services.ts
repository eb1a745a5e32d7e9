// Where the test services live and whether they answer. Read by the global setup (once per run)
// and by suites that need a service; with CI=true a missing service is a failure, never a skip.
import net from 'node:net';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ServiceStatus {
  postgres: boolean;
  redis: boolean;
}

function portOpen(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function probeServices(): Promise<ServiceStatus> {
  const [postgres, redis] = await Promise.all([portOpen(PG_ADMIN_URL, 5432), portOpen(REDIS_URL, 6379)]);
  return { postgres, redis };
}
