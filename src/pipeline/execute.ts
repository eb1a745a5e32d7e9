// Stage 4: produce the final outcome for the decided mode. `legacy` forwards; other modes run the executor
// registered for them (sql, cache, shadow), and a mode without an executor forwards as well. A forwarded
// write gets the read-your-writes hook (executors/write-invalidation) whatever its mode.
import type { BeforeResponseHead, Outcome } from '../core/outcome.js';
import type { RequestContext } from '../core/request-context.js';
import type { RouteMode } from '../core/route-mode.js';
import { done, type Stage } from './stage.js';

export type ModeExecutor = (ctx: RequestContext) => Promise<Outcome>;

export interface ExecuteDeps {
  readonly executors: Readonly<Partial<Record<Exclude<RouteMode, 'legacy'>, ModeExecutor>>>;
  /** For a forwarded request: the hook to run before its response head is relayed (undefined: none). */
  readonly beforeForwardedHead?: (ctx: RequestContext) => BeforeResponseHead | undefined;
}

const FORWARD: Outcome = Object.freeze({ kind: 'forward' });
const NOT_IMPLEMENTED: Outcome = Object.freeze({ kind: 'forward', reason: 'mode-not-implemented' });

export function createExecuteStage(deps: ExecuteDeps): Stage {
  return async (ctx) => {
    const mode = ctx.mode ?? 'legacy';
    let outcome: Outcome;
    if (mode === 'legacy') outcome = FORWARD;
    else {
      const executor = deps.executors[mode];
      outcome = executor ? await executor(ctx) : NOT_IMPLEMENTED;
    }
    if (outcome.kind === 'forward' && deps.beforeForwardedHead) {
      const hook = deps.beforeForwardedHead(ctx);
      if (hook) outcome = { ...outcome, beforeResponseHead: hook };
    }
    return done(ctx, outcome);
  };
}
