// The `sql` mode executor of the execute stage: a V2 read answered straight from the caller's tenant
// database, byte-identical to the legacy (prescriptions/*), with fresh timestamps and `X-Edge: sql`. Every
// doubt and every failure before the first byte is a forward to the legacy with a bounded reason; a failure
// after it breaks the connection (the response writer destroys the socket), never a faked complete body.
// List counts come from the count memo when it holds them for the tenant's current epoch and feed.
import type { Outcome } from '../../core/outcome.js';
import type { Tenant } from '../../core/principal.js';
import type { RequestContext } from '../../core/request-context.js';
import type { LegacySettings } from '../../core/route-table.js';
import type { CountMemoPort } from '../../prescriptions/count-memo.js';
import type { FastAnswer } from '../../prescriptions/v2-fast-answer.js';
import type { ModeExecutor } from '../execute.js';
import { answerBody, type TickClock } from './answer-body.js';
import {
  answerFromTenant,
  FastPathForward,
  createDatabaseForwardLog,
  planV2Read,
  type FastForwardReason,
  type FastPathObserver,
  type TenantAnswerDeps,
} from './v2-read.js';

export interface SqlExecutorDeps extends Omit<TenantAnswerDeps, 'environment'> {
  /** The active route table's legacy settings (environment, MaxPageSize, MaxBulkSize). */
  readonly legacy: () => LegacySettings;
  readonly clock: TickClock;
  readonly observer: FastPathObserver;
  /**
   * List counts remembered per tenant, type and cache epoch (prescriptions/count-memo). Absent (no
   * epochs/invalidation feed available): every list request counts in SQL.
   */
  readonly countMemo?: CountMemoPort;
  /** Starts the tenant's invalidation feed (the tenant listener); the memo is used only while it is up. */
  readonly invalidation?: { watch(tenant: Tenant): void };
}

/** The outcome of a fast answer: streamed (no Content-Length, as the legacy), status and type as produced. */
export function fastAnswerOutcome(
  answer: Pick<FastAnswer, 'status' | 'contentType' | 'chunks'>,
  clock: TickClock,
  edge: 'sql' | 'cache-miss',
): Outcome {
  return {
    kind: 'respond',
    status: answer.status,
    headers: { 'Content-Type': answer.contentType },
    body: answerBody(answer.chunks, clock),
    edge,
  };
}

export function forwardOutcome(
  ctx: RequestContext,
  observer: FastPathObserver,
  reason: FastForwardReason,
): Outcome {
  observer.forwarded(ctx.route?.id ?? 'unmatched', reason);
  return { kind: 'forward', reason };
}

export function createSqlExecutor(deps: SqlExecutorDeps): ModeExecutor {
  const { observer, clock } = deps;
  const logForward = createDatabaseForwardLog();
  const tenantDeps: TenantAnswerDeps = {
    database: deps.database,
    readiness: deps.readiness,
    environment: () => deps.legacy().environment,
    ...(deps.batchRows === undefined ? {} : { batchRows: deps.batchRows }),
    ...(deps.itemMemo === undefined ? {} : { itemMemo: deps.itemMemo }),
  };
  return async (ctx) => {
    const routeId = ctx.route?.id ?? 'unmatched';
    const plan = await planV2Read(ctx, deps.legacy());
    if (plan.kind === 'forward') return forwardOutcome(ctx, observer, plan.reason);
    if (plan.kind === 'string-error') {
      observer.answered(routeId, 'sql');
      return fastAnswerOutcome(
        { status: 400, contentType: plan.error.contentType, chunks: [stringChunk(plan.error.body)] },
        clock,
        'sql',
      );
    }
    const { tenant } = plan.principal;
    deps.invalidation?.watch(tenant);
    let answer: FastAnswer;
    try {
      answer = await answerFromTenant(
        tenantDeps,
        tenant,
        plan.query,
        deps.countMemo === undefined ? {} : { countMemo: { memo: deps.countMemo, routeId } },
      );
    } catch (err) {
      const failure = err instanceof FastPathForward ? err : new FastPathForward('sql-error', { cause: err });
      logForward(ctx, failure, tenant.datenbankId);
      return forwardOutcome(ctx, observer, failure.reason);
    }
    observer.answered(routeId, 'sql');
    return fastAnswerOutcome(answer, clock, 'sql');
  };
}

/** A controller string body (ASCII) as one slot-less chunk. */
export function stringChunk(body: string): { bytes: Buffer; slots: readonly number[] } {
  return { bytes: Buffer.from(body, 'latin1'), slots: [] };
}
