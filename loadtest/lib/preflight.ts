// Before measuring: a few sequential requests per configuration and route, to see the status and the
// path header each configuration really answers with, and to capture the bytes the bare ceiling server
// will replay (the proxy's cache hit when the cache is active, otherwise the emulator's answer).
import http from 'node:http';
import type { LoadRequest } from './autocannon-load.js';

export interface ProbeAnswer {
  readonly status: number;
  readonly header: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly ms: number;
}

export function probe(
  port: number,
  request: LoadRequest,
  header: string,
  timeoutMs = 120_000,
): Promise<ProbeAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
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
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const value = res.headers[header];
          const text = Array.isArray(value) ? value[0] : value;
          resolve({
            status: res.statusCode ?? 0,
            header: text === undefined ? '(none)' : (text.split(';')[0] as string).trim(),
            contentType: String(res.headers['content-type'] ?? 'application/octet-stream'),
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.end(body);
  });
}

/**
 * At least `min` sequential probes, continuing up to `max` until `done(answer)` holds (e.g. a cache hit
 * was seen). Returns the last answer, the fastest probe time and every observed status/header pair.
 */
export async function probeSeries(
  port: number,
  request: LoadRequest,
  header: string,
  options: { min: number; max: number; done?: (answer: ProbeAnswer) => boolean },
): Promise<{ last: ProbeAnswer; fastestMs: number; seen: string[] }> {
  const seen: string[] = [];
  let last: ProbeAnswer | undefined;
  let fastestMs = Infinity;
  for (let i = 0; i < options.max; i += 1) {
    last = await probe(port, request, header);
    seen.push(`${last.status} ${last.header}`);
    fastestMs = Math.min(fastestMs, last.ms);
    if (i + 1 >= options.min && (options.done?.(last) ?? true)) break;
  }
  return { last: last as ProbeAnswer, fastestMs, seen };
}
