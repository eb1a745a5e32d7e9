// Stage 3: decide the mode this request executes in, from the route's configured mode and the runtime
// ModeState (kill switch, unimplemented modes → legacy).
import { extendContext } from '../core/request-context.js';
import type { ModeState } from '../core/route-mode.js';
import type { RouteTable } from '../core/route-table.js';
import { next, type Stage } from './stage.js';

export function createDecideStage(modes: ModeState, routes: RouteTable): Stage {
  return async (ctx) => {
    const route = ctx.route ?? routes.fallback;
    return next(extendContext(ctx, { route, mode: modes.effectiveMode(route) }));
  };
}
