// Support for the Redis integration suites: a unique key prefix per file (cleaned up afterwards) and a
// TCP proxy in front of the shared Redis that can "hang" — so outages are simulated without ever
// stopping or slowing the shared server for other suites.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../../support/services.js';

export function uniquePrefix(file: string): string {
  return `test:${file}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deletePrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  await client.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** All key names under `prefix` with their raw values. */
export async function dumpPrefix(prefix: string): Promise<Map<string, Buffer>> {
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  await client.connect();
  const out = new Map<string, Buffer>();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const value = await client.getBuffer(key);
        if (value !== null) out.set(key, value);
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return out;
}

export interface PausableProxy {
  url: string;
  /** Stops forwarding in both directions (bytes are held, not lost): Redis "hangs". */
  pause(): void;
  /** Forwards held bytes and resumes. */
  resume(): void;
  close(): Promise<void>;
}

export async function startPausableProxy(targetUrl: string = REDIS_URL): Promise<PausableProxy> {
  const target = new URL(targetUrl);
  let paused = false;
  const pairs = new Set<{ flush: () => void; destroy: () => void }>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    const held: { to: net.Socket; chunk: Buffer }[] = [];
    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (paused) held.push({ to, chunk });
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const pair = {
      flush: () => {
        for (const { to, chunk } of held.splice(0)) to.write(chunk);
      },
      destroy: () => {
        client.destroy();
        upstream.destroy();
      },
    };
    pairs.add(pair);
    const drop = () => {
      pair.destroy();
      pairs.delete(pair);
    };
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      for (const pair of pairs) pair.flush();
    },
    close: async () => {
      for (const pair of pairs) pair.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A redis:// URL on which nothing listens (a port that was free a moment ago). */
export async function deadRedisUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `redis://127.0.0.1:${port}`;
}
