// The `cache` mode executor: the same decision as the sql executor, then the tenant-scoped response cache
// keyed by the *normalised* parameters (never the raw query). A miss fills from the tenant database; only
// complete 200 bodies up to maxEntryBytes are stored — larger pages stream straight through. A tenant whose
// invalidation feed is not up bypasses the cache (answered by SQL, `X-Edge: sql`).
//
//   X-Edge: cache-hit | cache-miss | stale (served expired while refreshing) | sql (bypass, too large)
import type { CacheableResponse } from '../../core/cache-port.js';
import type { CacheParamValue } from '../../core/cache-key.js';
import type { Outcome } from '../../core/outcome.js';
import type { Tenant } from '../../core/principal.js';
import type { LegacySettings } from '../../core/route-table.js';
import type { CountMemoPort } from '../../prescriptions/count-memo.js';
import type { SplicedChunk } from '../../prescriptions/spliced-body.js';
import { toCacheSegments } from '../../prescriptions/spliced-body.js';
import type { FastAnswer } from '../../prescriptions/v2-fast-answer.js';
import type { ModeExecutor } from '../execute.js';
import { entryRenderer, type TickClock } from './answer-body.js';
import { fastAnswerOutcome, forwardOutcome, stringChunk } from './sql-executor.js';
import {
  answerFromTenant,
  FastPathForward,
  createDatabaseForwardLog,
  planV2Read,
  type FastPathObserver,
  type TenantAnswerDeps,
  type V2Query,
} from './v2-read.js';

/** A fill result too large to store: streamed to its own caller only. */
interface Oversized {
  readonly answer: Pick<FastAnswer, 'status' | 'contentType' | 'chunks'>;
}

type CacheLookup =
  | { readonly outcome: 'hit' | 'stale' | 'miss' | 'bypass'; readonly entry: CacheableResponse }
  | { readonly outcome: 'miss' | 'bypass'; readonly uncacheable: Oversized };

/** The response cache facade (adapters/cache/response-cache.ts implements it). */
export interface ResponseCachePort {
  lookupOrFill(request: {
    tenantId: number;
    routeId: string;
    params: Readonly<Record<string, CacheParamValue>>;
    fill: () => Promise<CacheableResponse | { readonly uncacheable: Oversized }>;
  }): Promise<CacheLookup>;
}

/** The tenant listener: starts a tenant's invalidation feed; says when its entries must not be used. */
export interface CacheInvalidationState {
  watch(tenant: Tenant): void;
  bypassReason(tenantId: number): string | undefined;
}

export interface CacheExecutorDeps extends Omit<TenantAnswerDeps, 'environment'> {
  readonly cache: ResponseCachePort;
  readonly invalidation: CacheInvalidationState;
  readonly legacy: () => LegacySettings;
  readonly clock: TickClock;
  readonly observer: FastPathObserver;
  /** Bodies above this many (stable) bytes are not stored; they stream like the sql path. */
  readonly maxEntryBytes: number;
  /** Counts a request answered without the cache (listener down, entry too large …). */
  readonly onBypass?: (routeId: string, reason: string) => void;
  /** List counts remembered per tenant, type and epoch, used by fills (see the sql executor). */
  readonly countMemo?: CountMemoPort;
}

/**
 * The cache key's parameters: what selects the body, after normalisation (types resolved case-insensitively,
 * page as echoed, pageSize after the cap) plus the environment it echoes. The route id is part of the key.
 */
export function cacheParams(
  query: V2Query,
  legacy: LegacySettings,
): Readonly<Record<string, CacheParamValue>> {
  return query.op === 'list'
    ? {
        op: 'list',
        types: query.types.join(','),
        page: query.page,
        pageSize: query.pageSize,
        environment: legacy.environment,
      }
    : // Order and duplicates matter (totalCount, globalErrors order), so the list is kept as sent.
      { op: 'statusuuid', uuids: JSON.stringify(query.rezeptUuids) };
}

const byteSize = (chunks: readonly SplicedChunk[]) => chunks.reduce((sum, c) => sum + c.bytes.length, 0);

/** `head` then the rest of a started iterator; return() always reaches the source (see answer-body). */
function resume(head: SplicedChunk[], rest: AsyncIterator<SplicedChunk>): AsyncIterable<SplicedChunk> {
  let index = 0;
  const iterator: AsyncIterableIterator<SplicedChunk> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (index < head.length) return Promise.resolve({ done: false, value: head[index++] as SplicedChunk });
      return rest.next();
    },
    async return() {
      await rest.return?.();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

export function createCacheExecutor(deps: CacheExecutorDeps): ModeExecutor {
  const { observer, clock, cache, invalidation } = deps;
  const logForward = createDatabaseForwardLog();
  const tenantDeps: TenantAnswerDeps = {
    database: deps.database,
    readiness: deps.readiness,
    environment: () => deps.legacy().environment,
    ...(deps.batchRows === undefined ? {} : { batchRows: deps.batchRows }),
    ...(deps.itemMemo === undefined ? {} : { itemMemo: deps.itemMemo }),
  };

  /** The cache fill: the whole 200 body as segments, or (too large) the answer to stream once. */
  const fill = async (tenant: Tenant, query: V2Query, routeId: string) => {
    const memo = deps.countMemo === undefined ? {} : { countMemo: { memo: deps.countMemo, routeId } };
    const answer = await answerFromTenant(tenantDeps, tenant, query, memo);
    const storable = (chunks: readonly SplicedChunk[]): CacheableResponse | { uncacheable: Oversized } =>
      answer.status === 200 && byteSize(chunks) <= deps.maxEntryBytes
        ? { status: 200, contentType: answer.contentType, segments: toCacheSegments(chunks) }
        : { uncacheable: { answer: { ...answer, chunks } } };
    if (Array.isArray(answer.chunks)) return storable(answer.chunks as readonly SplicedChunk[]);
    // A streamed (large) page: collect up to the limit; past it, stream what we hold and the rest.
    const source = (answer.chunks as AsyncIterable<SplicedChunk>)[Symbol.asyncIterator]();
    const head: SplicedChunk[] = [];
    let bytes = 0;
    try {
      for (;;) {
        const next = await source.next();
        if (next.done) return storable(head);
        head.push(next.value);
        bytes += next.value.bytes.length;
        if (bytes > deps.maxEntryBytes)
          return { uncacheable: { answer: { ...answer, chunks: resume(head, source) } } };
      }
    } catch (err) {
      // Nothing was sent yet: a failure while collecting still goes to the legacy.
      await source.return?.().catch(() => undefined);
      throw err instanceof FastPathForward ? err : new FastPathForward('sql-error', { cause: err });
    }
  };

  return async (ctx): Promise<Outcome> => {
    const routeId = ctx.route?.id ?? 'unmatched';
    const legacy = deps.legacy();
    const plan = await planV2Read(ctx, legacy);
    if (plan.kind === 'forward') return forwardOutcome(ctx, observer, plan.reason);
    if (plan.kind === 'string-error') {
      // A controller 400: computed without the database and never cached.
      observer.answered(routeId, 'cache-miss');
      return fastAnswerOutcome(
        { status: 400, contentType: plan.error.contentType, chunks: [stringChunk(plan.error.body)] },
        clock,
        'cache-miss',
      );
    }
    const { tenant } = plan.principal;
    invalidation.watch(tenant);
    const bypass = invalidation.bypassReason(tenant.datenbankId);
    try {
      if (bypass !== undefined) {
        // Entries of this tenant cannot be trusted right now: answer from the database, streamed.
        deps.onBypass?.(routeId, bypass);
        const answer = await answerFromTenant(tenantDeps, tenant, plan.query);
        observer.answered(routeId, 'sql');
        return fastAnswerOutcome(answer, clock, 'sql');
      }
      const result = await cache.lookupOrFill({
        tenantId: tenant.datenbankId,
        routeId,
        params: cacheParams(plan.query, legacy),
        fill: () => fill(tenant, plan.query, routeId),
      });
      if ('uncacheable' in result) {
        deps.onBypass?.(routeId, 'entry-too-large');
        observer.answered(routeId, 'sql');
        return fastAnswerOutcome(result.uncacheable.answer, clock, 'sql');
      }
      const edge =
        result.outcome === 'hit'
          ? 'cache-hit'
          : result.outcome === 'stale'
            ? 'stale'
            : result.outcome === 'miss'
              ? 'cache-miss'
              : 'sql';
      observer.answered(routeId, edge);
      return {
        kind: 'respond',
        status: result.entry.status,
        headers: { 'Content-Type': result.entry.contentType },
        body: entryRenderer(result.entry, clock),
        edge,
      };
    } catch (err) {
      const failure =
        err instanceof FastPathForward ? err : new FastPathForward('cache-error', { cause: err });
      logForward(ctx, failure, tenant.datenbankId);
      return forwardOutcome(ctx, observer, failure.reason);
    }
  };
}
