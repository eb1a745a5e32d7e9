// Before measuring: a few sequential requests per configuration and route, to see the status and the
// path header each configuration really answers with, and to capture the bytes the bare ceiling server
// will replay (the proxy's cache hit when the cache is active, otherwise the emulator's answer).
import type { LoadRequest } from './autocannon-load.js';
import { timedRequest } from './timed-request.js';

export interface ProbeAnswer {
  readonly status: number;
  readonly header: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly ms: number;
}

export async function probe(
  port: number,
  request: LoadRequest,
  header: string,
  timeoutMs = 120_000,
): Promise<ProbeAnswer> {
  const answer = await timedRequest(false, port, request, { keepBody: true, timeoutMs, header });
  return {
    status: answer.status,
    header: answer.edge,
    contentType: answer.contentType,
    body: answer.body as Buffer,
    ms: answer.ms,
  };
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
