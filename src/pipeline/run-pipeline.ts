// Runs the stages in array order until one returns an outcome. A throwing stage, or a pipeline that ends
// without an outcome, becomes an error outcome here (via toErrorOutcome) and is logged with the stage name.
import type { Outcome } from '../core/outcome.js';
import type { RequestContext } from '../core/request-context.js';
import { EdgeError } from '../errors.js';
import { toErrorOutcome } from './error-outcome.js';
import type { NamedStage } from './stage.js';

export interface PipelineResult {
  readonly ctx: RequestContext;
  readonly outcome: Outcome;
}

export async function runPipeline(
  stages: readonly NamedStage[],
  initial: RequestContext,
): Promise<PipelineResult> {
  let ctx = initial;
  for (const stage of stages) {
    let result;
    try {
      result = await stage.run(ctx);
    } catch (err) {
      ctx.log.error({ err, stage: stage.name }, 'pipeline stage failed');
      return { ctx, outcome: toErrorOutcome(err) };
    }
    if (result.type === 'done') return { ctx: result.ctx, outcome: result.outcome };
    ctx = result.ctx;
  }
  const err = new EdgeError('EDGE_INTERNAL', 'the pipeline ended without an outcome');
  ctx.log.error({ err }, 'pipeline ended without an outcome');
  return { ctx, outcome: toErrorOutcome(err) };
}
