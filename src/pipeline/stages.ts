// THE order of the request pipeline. Nothing else decides stage order; add a stage here or nowhere.
//
//   matchRoute → authenticate → decide → execute
import type { ModeState } from '../core/route-mode.js';
import { holderOf, type RouteTableSource } from '../core/route-table-holder.js';
import { createAuthenticateStage, type AuthenticateDeps } from './authenticate.js';
import { createDecideStage } from './decide.js';
import { createExecuteStage, type ExecuteDeps } from './execute.js';
import { createMatchRouteStage } from './match-route.js';
import type { NamedStage } from './stage.js';

export interface StageDeps {
  /** The active table, read per request (a holder swapped by hot reload, or a fixed table). */
  readonly routes: RouteTableSource;
  readonly modes: ModeState;
  readonly auth: AuthenticateDeps;
  readonly execute: ExecuteDeps;
}

export function createStages(deps: StageDeps): readonly NamedStage[] {
  const routes = holderOf(deps.routes);
  return Object.freeze([
    { name: 'matchRoute', run: createMatchRouteStage(routes) },
    { name: 'authenticate', run: createAuthenticateStage(deps.auth) },
    { name: 'decide', run: createDecideStage(deps.modes, routes) },
    { name: 'execute', run: createExecuteStage(deps.execute) },
  ]);
}
