// Adapts a fast-mode executor (the `sql` or `cache` executor of the execute stage) into the shadow
// candidate: runs it for the same request, collects its answer (bounded) and reports `undefined` when it
// would forward. An executor error outcome counts as a failed candidate, not as a difference.
import { isRenderedBody, type Outcome, type RespondBody } from '../core/outcome.js';
import { bufferedRequestBody } from '../core/request-body.js';
import { extendContext, type RequestContext } from '../core/request-context.js';
import type { ShadowCandidate } from '../core/rollout.js';
import { EdgeError } from '../errors.js';
import type { ShadowAnswer } from './compare.js';
import type { ComputeFastAnswer } from './shadow-runner.js';

export type OutcomeExecutor = (ctx: RequestContext) => Promise<Outcome>;

async function collect(body: RespondBody, maxBytes: number): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  if (isRenderedBody(body)) {
    if (body.maxBytes > maxBytes) {
      throw new EdgeError('EDGE_INTERNAL', `shadow candidate body exceeds ${maxBytes} bytes`);
    }
    const target = Buffer.allocUnsafe(body.maxBytes);
    return target.subarray(0, body.renderInto(target));
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      bytes += buffer.length;
      if (bytes > maxBytes)
        throw new EdgeError('EDGE_INTERNAL', `shadow candidate body exceeds ${maxBytes} bytes`);
      chunks.push(buffer);
    }
  } finally {
    // Releases whatever the stream holds (e.g. a tenant transaction) when we stop early.
    if (!body.readableEnded) body.destroy();
  }
  return Buffer.concat(chunks, bytes);
}

function contentTypeOf(headers: Readonly<Record<string, string | readonly string[]>>): string | undefined {
  for (const [name, value] of Object.entries(headers))
    if (name.toLowerCase() === 'content-type') return typeof value === 'string' ? value : value[0];
  return undefined;
}

/**
 * The executor sees the request as the legacy got it: the body the forwarder already streamed to the legacy
 * is replaced by the captured copy (read-only PATCH …/statusuuid reads it through `ctx.body`).
 */
export function candidateFromExecutor(mode: ShadowCandidate, executor: OutcomeExecutor): ComputeFastAnswer {
  return async (ctx, request): Promise<ShadowAnswer | undefined> => {
    const outcome = await executor(extendContext(ctx, { mode, body: bufferedRequestBody(request.body) }));
    switch (outcome.kind) {
      case 'forward':
        return undefined;
      case 'error':
        throw new EdgeError(outcome.code, outcome.message);
      case 'respond':
        return {
          status: outcome.status,
          contentType: contentTypeOf(outcome.headers),
          body: await collect(outcome.body, request.maxBodyBytes),
        };
    }
  };
}
