// Single-client latency of one request against several configurations: one warm-up answer each (kept
// whole, for the body comparison; a cache until it shows a hit), then sequential samples interleaved
// across the configurations (A B, B A, …) over one keep-alive connection per configuration. Slow
// configurations get fewer samples and a time cap. Never runs two requests at once.
import http from 'node:http';
import type { LoadRequest } from './autocannon-load.js';
import { timedRequest, type TimedAnswer } from './timed-request.js';
import { summarizeSorted, type LatencySummary } from './percentile.js';

export interface SampleTarget<C extends string> {
  readonly config: C;
  readonly port: number;
  /** The X-Edge token every answer must carry for the configuration to count as active. */
  readonly expectedEdge: string;
  /** Warm up until this token is seen (a cache: its first answer is a miss), at most 5 tries. */
  readonly warmUntilExpected?: boolean;
}

export interface SampleOptions {
  /** Samples per configuration. */
  readonly samples: number;
  /** Samples of a configuration whose warm-up took longer than slowMs. */
  readonly slowSamples: number;
  readonly slowMs: number;
  /** A configuration stops sampling once this much time passed since its first sample (≥ 1 sample). */
  readonly capMs: number;
  readonly timeoutMs: number;
}

export interface SampledConfig<C extends string> {
  readonly config: C;
  readonly expectedEdge: string;
  /** The last warm-up answer (its body included). */
  readonly warmup: TimedAnswer;
  readonly warmupTries: number;
  readonly wanted: number;
  /** Stopped by the time cap before `wanted` samples. */
  readonly capped: boolean;
  /** Latency of the samples answered 200 with the expected X-Edge (the warm-up not included). */
  readonly latency: LatencySummary;
  /** `status X-Edge` → count over the samples. */
  readonly observed: Readonly<Record<string, number>>;
  /** Every sample answered 200 with the expected X-Edge, and so did the last warm-up. */
  readonly active: boolean;
  readonly failures: readonly string[];
}

export async function sampleSequential<C extends string>(
  request: LoadRequest,
  targets: readonly SampleTarget<C>[],
  options: SampleOptions,
): Promise<SampledConfig<C>[]> {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    const states = [];
    for (const [i, target] of targets.entries()) {
      const agent = agents[i] as http.Agent;
      let warmup = await timedRequest(agent, target.port, request, {
        keepBody: true,
        timeoutMs: options.timeoutMs,
      });
      let tries = 1;
      while (target.warmUntilExpected && warmup.edge !== target.expectedEdge && tries < 5) {
        warmup = await timedRequest(agent, target.port, request, {
          keepBody: true,
          timeoutMs: options.timeoutMs,
        });
        tries += 1;
      }
      states.push({
        target,
        agent,
        warmup,
        tries,
        wanted: warmup.ms > options.slowMs ? Math.min(options.samples, options.slowSamples) : options.samples,
        durations: [] as number[],
        observed: {} as Record<string, number>,
        failures: [] as string[],
        firstAt: NaN,
        capped: false,
        done: false,
      });
    }
    for (let round = 0; states.some((s) => !s.done); round += 1) {
      const order = round % 2 === 0 ? states : [...states].reverse();
      for (const s of order) {
        if (s.done) continue;
        const taken = Object.values(s.observed).reduce((a, b) => a + b, 0) + s.failures.length;
        const elapsed = performance.now() - s.firstAt;
        if (taken >= s.wanted || (taken >= 1 && elapsed >= options.capMs)) {
          s.capped = taken < s.wanted;
          s.done = true;
          continue;
        }
        if (taken === 0) s.firstAt = performance.now();
        try {
          const answer = await timedRequest(s.agent, s.target.port, request, {
            keepBody: false,
            timeoutMs: options.timeoutMs,
          });
          const key = `${answer.status} ${answer.edge}`;
          s.observed[key] = (s.observed[key] ?? 0) + 1;
          if (answer.status === 200 && answer.edge === s.target.expectedEdge) s.durations.push(answer.ms);
        } catch (err) {
          s.failures.push((err as Error).message);
        }
      }
    }
    return states.map((s) => ({
      config: s.target.config,
      expectedEdge: s.target.expectedEdge,
      warmup: s.warmup,
      warmupTries: s.tries,
      wanted: s.wanted,
      capped: s.capped,
      latency: summarizeSorted(Float64Array.from(s.durations).sort()),
      observed: s.observed,
      active:
        s.failures.length === 0 &&
        s.warmup.status === 200 &&
        s.warmup.edge === s.target.expectedEdge &&
        Object.keys(s.observed).every((k) => k === `200 ${s.target.expectedEdge}`),
      failures: s.failures,
    }));
  } finally {
    for (const agent of agents) agent.destroy();
  }
}
