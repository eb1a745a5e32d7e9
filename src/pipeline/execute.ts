// Stage 4: produce the final outcome for the decided mode. `legacy` forwards; other modes run the executor
// registered for them (later issues), and a mode without an executor forwards as well.
import type { Outcome } from '../core/outcome.js';
import type { RequestContext } from '../core/request-context.js';
import type { RouteMode } from '../core/route-mode.js';
import { done, type Stage } from './stage.js';

export type ModeExecutor = (ctx: RequestContext) => Promise<Outcome>;

export interface ExecuteDeps {
  readonly executors: Readonly<Partial<Record<Exclude<RouteMode, 'legacy'>, ModeExecutor>>>;
}

export function createExecuteStage(deps: ExecuteDeps): Stage {
  return async (ctx) => {
    const mode = ctx.mode ?? 'legacy';
    if (mode === 'legacy') return done(ctx, { kind: 'forward' });
    const executor = deps.executors[mode];
    if (!executor) return done(ctx, { kind: 'forward', reason: 'mode-not-implemented' });
    return done(ctx, await executor(ctx));
  };
}
