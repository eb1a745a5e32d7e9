// Stage 1: find the route for method + raw path in the compiled table (the catch-all when nothing matches).
import { extendContext } from '../core/request-context.js';
import type { RouteTable } from '../core/route-table.js';
import { next, type Stage } from './stage.js';

export function createMatchRouteStage(routes: RouteTable): Stage {
  return async (ctx) => next(extendContext(ctx, { route: routes.match(ctx.method, ctx.path) }));
}
