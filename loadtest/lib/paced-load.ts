// Open-loop load with evenly spaced arrivals: `rate` requests per second spread over a keep-alive pool of
// `connections` sockets, each request timed from the moment it is written to the end of its body. Unlike
// autocannon's overallRate, which releases the requests of a tick together (a burst of up to one request
// per connection that then queues inside the server under test), this measures what one hop adds to a
// request that arrives alone — the "added latency" of a proxy below capacity.
import http from 'node:http';
import type { LoadRequest } from './autocannon-load.js';
import { timedRequest } from './timed-request.js';

export interface PacedResult {
  /** Per-response duration in ms (write to last byte) of the 200 answers, sorted ascending. */
  readonly durations: Float64Array;
  /** Non-200 answers and failed requests. */
  readonly errors: number;
  /** First token of X-Edge → answers. */
  readonly observed: Readonly<Record<string, number>>;
  readonly sent: number;
  readonly seconds: number;
}

export interface PacedOptions {
  readonly port: number;
  readonly request: LoadRequest;
  readonly connections: number;
  readonly rate: number;
  readonly seconds: number;
  /** Per request (default 30 s). */
  readonly timeoutMs?: number;
}

export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const durations: number[] = [];
  const observed: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  const timing = { keepBody: false, timeoutMs: options.timeoutMs ?? 30_000 };
  const one = () =>
    timedRequest(agent, options.port, options.request, timing).then(
      (answer) => {
        observed[answer.edge] = (observed[answer.edge] ?? 0) + 1;
        if (answer.status === 200) durations.push(answer.ms);
        else errors += 1;
      },
      () => {
        errors += 1;
      },
    );
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = t0 + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = one();
    pending.add(p);
    void p.then(() => pending.delete(p));
    sent += 1;
  }
  await Promise.all(pending);
  agent.destroy();
  return {
    durations: Float64Array.from(durations).sort(),
    errors,
    observed,
    sent,
    seconds: (performance.now() - t0) / 1000,
  };
}
