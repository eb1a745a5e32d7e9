// Stage 1: find the route for method + raw path in the active table (the catch-all when nothing matches).
// The table is read once, here, through the holder: the request keeps that table's route (mode, rollout,
// shadow settings) even if a reload swaps the table while it runs.
import { extendContext } from '../core/request-context.js';
import { holderOf, type RouteTableSource } from '../core/route-table-holder.js';
import { next, type Stage } from './stage.js';

export function createMatchRouteStage(routes: RouteTableSource): Stage {
  const holder = holderOf(routes);
  return async (ctx) => next(extendContext(ctx, { route: holder.current().match(ctx.method, ctx.path) }));
}
