// Client-side helpers the proxy e2e tests share: start the edge in front of a test upstream on port 0,
// send requests and collect replies, write raw bytes to a socket.
import http from 'node:http';
import net from 'node:net';
import { resolve } from 'node:path';
import { createApp, type EdgeApp } from '../../src/app.js';
import { hasLegacy, loadConfig } from '../../src/config/env-config.js';
import { createLogger } from '../../src/observability/logger.js';

const ROUTES = resolve(import.meta.dirname, '../../routes.yaml');

export async function startEdge(
  legacyUrl: string,
  env: Record<string, string> = {},
): Promise<{ app: EdgeApp; port: number }> {
  const config = loadConfig({
    LEGACY_URL: legacyUrl,
    EDGE_HOST: '127.0.0.1',
    EDGE_PORT: '0',
    EDGE_ADMIN_PORT: '0',
    ROUTES_FILE: ROUTES,
    EDGE_DRAIN_MS: '1000',
    ...env,
  });
  if (!hasLegacy(config)) throw new Error('LEGACY_URL missing');
  const app = createApp(config, { logger: createLogger('silent') });
  const { port } = await app.start();
  return { app, port };
}

export interface Reply {
  status: number;
  statusMessage: string;
  rawHeaders: string[];
  body: Buffer;
}

export function send(
  port: number,
  options: {
    method?: string;
    path: string;
    headers?: http.OutgoingHttpHeaders | string[];
    body?: Buffer | string;
  },
): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Raw request on a fresh socket; resolves with everything received until `until` matches or the socket closes. */
export function raw(port: number, bytes: string | Buffer, until: (text: string) => boolean): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (until(text)) {
        socket.destroy();
        resolvePromise(text);
      }
    });
    socket.on('close', () => resolvePromise(text));
    socket.on('error', reject);
  });
}

export function header(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === name) values.push(rawHeaders[i + 1] as string);
  }
  return values;
}
