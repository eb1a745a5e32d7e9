// Stage 3: decide the mode this request executes in, from its route (as matched, from the table the request
// started with) and the runtime ModeState: kill switch, unimplemented modes, and the tenant rollout — which
// is why it runs after authenticate (the principal's tenant selects the path).
import { KILL_SWITCH_TAG } from '../core/edge-header.js';
import { extendContext } from '../core/request-context.js';
import type { ModeState } from '../core/route-mode.js';
import { holderOf, type RouteTableSource } from '../core/route-table-holder.js';
import { next, type Stage } from './stage.js';

const KILL_SWITCH_TAGS: readonly string[] = Object.freeze([KILL_SWITCH_TAG]);

export function createDecideStage(modes: ModeState, routes: RouteTableSource): Stage {
  const holder = holderOf(routes);
  return async (ctx) => {
    const route = ctx.route ?? holder.current().fallback;
    const decision = modes.decide(route, ctx.principal);
    return next(
      extendContext(
        ctx,
        decision.reason === 'kill-switch'
          ? { route, mode: decision.mode, edgeTags: KILL_SWITCH_TAGS }
          : { route, mode: decision.mode },
      ),
    );
  };
}
