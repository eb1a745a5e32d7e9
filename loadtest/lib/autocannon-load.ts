// One closed-loop autocannon run against a loopback port with exact per-response latencies (float ms,
// collected through setupClient; autocannon's own histogram has 1 ms resolution), the value of one
// response header counted per response (X-Edge, X-Cache-Status), status classes and the CPU time of the
// processes under test. Must not keep response bodies: see dropBodies below.
import { createRequire } from 'node:module';

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p97_5: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

/** The parts of autocannon's per-connection client that the harness touches. */
export interface AutocannonClient {
  on(event: 'response', listener: (status: number, bytes: number, durationMs: number) => void): void;
  on(event: 'headers', listener: (info: { statusCode: number; headers: string[] }) => void): void;
  pipelinedRequests?: { addBody?: (data: Buffer) => void };
}

export type Autocannon = (
  options: Record<string, unknown>,
  callback: (err: Error | null, result: AutocannonResult) => void,
) => unknown;

export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * autocannon appends every response body to a string (for verifyBody/onResponse) whether or not anyone
 * reads it; for multi-megabyte answers that costs the load generator more CPU than the server under test
 * spends. The queue is created before setupClient runs, so the append can be replaced by a no-op here.
 */
export function dropBodies(client: AutocannonClient): void {
  if (client.pipelinedRequests && typeof client.pipelinedRequests.addBody === 'function') {
    client.pipelinedRequests.addBody = () => undefined;
  }
}

export interface LoadRequest {
  readonly method: 'GET' | 'PATCH' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface LoadOptions {
  readonly port: number;
  readonly request: LoadRequest;
  readonly seconds: number;
  readonly connections: number;
  readonly pipelining?: number;
  /** Overall request rate limit (open-ish model); closed loop when absent. */
  readonly rate?: number;
  /** Per-request timeout in seconds (autocannon counts a timeout as an error and reconnects). */
  readonly timeoutSeconds?: number;
  /** Lower-case response header whose value (first `;`-separated token) is counted per response. */
  readonly observeHeader?: string;
  /** Processes whose CPU time is sampled before and after (ms-returning functions, e.g. treeCpuMs). */
  readonly cpu?: Readonly<Record<string, () => number>>;
}

export interface LoadResult {
  /** Responses received (any status). */
  readonly completed: number;
  /** completed / wall time of the run. */
  readonly reqPerSec: number;
  readonly elapsedMs: number;
  /** Exact durations of 2xx responses, ascending. */
  readonly samples: Float64Array;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  readonly bytes: number;
  /** Counts of the observed header's first token; `(none)` when absent. */
  readonly observed: Readonly<Record<string, number>>;
  /** CPU ms spent during the run, per entry of options.cpu. */
  readonly cpuMs: Readonly<Record<string, number>>;
  /** autocannon's own (1 ms resolution) figures, for comparison with the exact ones. */
  readonly autocannon: { readonly p50: number; readonly p97_5: number; readonly p99: number };
}

function firstToken(value: string): string {
  const semi = value.indexOf(';');
  return (semi === -1 ? value : value.slice(0, semi)).trim();
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const durations: number[] = [];
  const statusCounts: Record<string, number> = {};
  const observed: Record<string, number> = {};
  let bytes = 0;
  const header = options.observeHeader?.toLowerCase();
  const cpuBefore = Object.fromEntries(Object.entries(options.cpu ?? {}).map(([k, f]) => [k, f()]));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${options.port}${options.request.path}`,
        method: options.request.method,
        headers: options.request.headers ?? {},
        ...(options.request.body !== undefined ? { body: options.request.body } : {}),
        connections: options.connections,
        pipelining: options.pipelining ?? 1,
        duration: options.seconds,
        timeout: options.timeoutSeconds ?? 30,
        ...(options.rate ? { overallRate: options.rate } : {}),
        setupClient: (client: AutocannonClient) => {
          dropBodies(client);
          if (header !== undefined) {
            client.on('headers', (info) => {
              let value = '(none)';
              const raw = info.headers;
              for (let i = 0; i + 1 < raw.length; i += 2) {
                if ((raw[i] as string).toLowerCase() === header) {
                  value = firstToken(raw[i + 1] as string);
                  break;
                }
              }
              observed[value] = (observed[value] ?? 0) + 1;
            });
          }
          client.on('response', (status, responseBytes, ms) => {
            statusCounts[status] = (statusCounts[status] ?? 0) + 1;
            bytes += responseBytes;
            if (status >= 200 && status < 300) durations.push(ms);
          });
        },
      },
      (err, result) => {
        if (err) return reject(err);
        const elapsedMs = performance.now() - started;
        const cpuMs = Object.fromEntries(
          Object.entries(options.cpu ?? {}).map(([k, f]) => [k, f() - (cpuBefore[k] as number)]),
        );
        const completed = Object.values(statusCounts).reduce((a, b) => a + b, 0);
        resolve({
          completed,
          reqPerSec: completed / (elapsedMs / 1000),
          elapsedMs,
          samples: Float64Array.from(durations).sort(),
          statusCounts,
          non2xx: completed - durations.length,
          errors: result.errors,
          timeouts: result.timeouts,
          bytes,
          observed,
          cpuMs,
          autocannon: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
        });
      },
    );
  });
}
