// One timed request on loopback, shared by the benchmark clients that are not autocannon (preflight
// probes, the single-client sampler, the paced open-loop generator).
import http from 'node:http';
import type { LoadRequest } from './autocannon-load.js';

export interface TimedAnswer {
  readonly status: number;
  /** First token of the path header (X-Edge unless asked otherwise), `(none)` when absent. */
  readonly edge: string;
  readonly contentType: string;
  readonly bytes: number;
  /** From writing the request to the last byte of the response. */
  readonly ms: number;
  readonly body?: Buffer;
}

/**
 * One request on loopback, timed from writing it to the last byte of the answer. `agent: false` opens a
 * connection of its own; with a keep-alive agent a reused socket the server just closed is retried once
 * (Node's documented pattern).
 */
export function timedRequest(
  agent: http.Agent | false,
  port: number,
  request: LoadRequest,
  options: { keepBody: boolean; timeoutMs: number; header?: string },
  retried = false,
): Promise<TimedAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const body = request.body;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
        },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (options.keepBody) chunks.push(chunk);
        });
        res.on('end', () => {
          const ms = performance.now() - started;
          const value = res.headers[options.header ?? 'x-edge'];
          const edge = Array.isArray(value) ? value[0] : value;
          resolve({
            status: res.statusCode ?? 0,
            edge: edge === undefined ? '(none)' : (edge.split(';')[0] as string).trim(),
            contentType: String(res.headers['content-type'] ?? 'application/octet-stream'),
            bytes,
            ms,
            ...(options.keepBody ? { body: Buffer.concat(chunks) } : {}),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed just now: the documented retry (Node's http docs).
      if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) {
        resolve(timedRequest(agent, port, request, options, true));
      } else reject(err);
    });
    req.setTimeout(options.timeoutMs, () =>
      req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
    );
    req.end(body);
  });
}
