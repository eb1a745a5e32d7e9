// The shape every pipeline stage has: context in, a new context or a final outcome out. Stages never call
// each other and never touch req/res; the order lives in stages.ts only.
import type { Outcome } from '../core/outcome.js';
import type { RequestContext } from '../core/request-context.js';

export type StageResult =
  | { readonly type: 'next'; readonly ctx: RequestContext }
  | { readonly type: 'done'; readonly ctx: RequestContext; readonly outcome: Outcome };

export type Stage = (ctx: RequestContext) => Promise<StageResult>;

export interface NamedStage {
  /** For logs and errors only; never used to look a stage up. */
  readonly name: string;
  readonly run: Stage;
}

export function next(ctx: RequestContext): StageResult {
  return { type: 'next', ctx };
}

export function done(ctx: RequestContext, outcome: Outcome): StageResult {
  return { type: 'done', ctx, outcome };
}
