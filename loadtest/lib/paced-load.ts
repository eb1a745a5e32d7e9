// Open-loop load with evenly spaced arrivals: `rate` requests per second spread over a keep-alive pool of
// `connections` sockets, each request timed from the moment it is written to the end of its body. Unlike
// autocannon's overallRate, which releases the requests of a tick together (a burst of up to one request
// per connection that then queues inside the server under test), this measures what one hop adds to a
// request that arrives alone — the "added latency" of a proxy below capacity.
import http from 'node:http';

export interface PacedResult {
  /** Per-response duration in ms (write to last byte), sorted ascending. */
  readonly durations: Float64Array;
  readonly errors: number;
  readonly sent: number;
  readonly seconds: number;
}

export interface PacedOptions {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly rate: number;
  readonly seconds: number;
  /** Called with every complete response (e.g. to count an X-Edge header). */
  readonly onResponse?: (res: http.IncomingMessage) => void;
}

export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const durations: number[] = [];
  let errors = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  const one = () =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const req = http.get(options.url, { agent, headers: { ...options.headers } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (res.statusCode === 200) durations.push(Number(process.hrtime.bigint() - started) / 1e6);
          else errors += 1;
          options.onResponse?.(res);
          resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
    });
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
    sent,
    seconds: (performance.now() - t0) / 1000,
  };
}
