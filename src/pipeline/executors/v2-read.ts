// What the `sql` and `cache` executors share: which V2 read a request is, reading the statusuuid body (bounded),
// the decision answer-or-forward (prescriptions/v2-request), and asking the tenant database for the answer
// (index readiness → count memo → answerV2Read) with every failure before the first byte turned into a
// bounded forward reason. It never writes a response and never forwards by itself: it returns what to do.
import type { Principal, Tenant } from '../../core/principal.js';
import type { HeaderSnapshot, RequestContext } from '../../core/request-context.js';
import type { LegacySettings } from '../../core/route-table.js';
import type { SqlDatabase } from '../../core/sql-port.js';
import { isEdgeError } from '../../errors.js';
import type { CountMemoPort } from '../../prescriptions/count-memo.js';
import { answerV2Read, type FastAnswer, type FastAnswerHints } from '../../prescriptions/v2-fast-answer.js';
import { itemMemoScope, type ItemMemoPort } from '../../prescriptions/item-memo.js';
import {
  decideV2Read,
  type V2ForwardReason,
  type V2ListQuery,
  type V2ReadEndpoint,
  type V2StatusUuidQuery,
  type V2StringError,
} from '../../prescriptions/v2-request.js';

/** Why a fast-mode request went to the legacy; a bounded metric label (`edge_fast_path_forwards_total`). */
export type FastForwardReason =
  | V2ForwardReason
  /** The route is in a fast mode but the request is none of the three V2 reads (e.g. a write route). */
  | 'not-a-v2-read'
  /** No authenticated principal on the context (the mode changed between the stages). */
  | 'no-principal'
  | 'body-too-large'
  /** The client went away mid-body, or the body could not be read. */
  | 'body-unreadable'
  /** Connection refused/lost, unparsable connection string, pool budget exhausted. */
  | 'db-unavailable'
  | 'statement-timeout'
  /** Any other error before the first byte. */
  | 'sql-error'
  /** The tenant DB lacks migration 001's indexes (the fast queries would scan whole tables). */
  | 'indexes-missing'
  /** The cache itself failed (not the database). */
  | 'cache-error';

export const FAST_FORWARD_REASONS: readonly FastForwardReason[] = Object.freeze([
  'method',
  'tenant-header',
  'api-version-header',
  'accept',
  'param-name',
  'param-encoding',
  'param-invalid',
  'type-non-ascii',
  'paging-legacy-error',
  'content-type',
  'body-invalid',
  'no-connection-string',
  'not-a-v2-read',
  'no-principal',
  'body-too-large',
  'body-unreadable',
  'db-unavailable',
  'statement-timeout',
  'sql-error',
  'indexes-missing',
  'cache-error',
]);

/** What the executors report (observability/fast-path-metrics implements it). */
export interface FastPathObserver {
  answered(routeId: string, edge: 'sql' | 'cache-hit' | 'cache-miss' | 'stale'): void;
  forwarded(routeId: string, reason: FastForwardReason): void;
}

export type V2Query = V2ListQuery | V2StatusUuidQuery;

export type V2ReadPlan =
  | { readonly kind: 'forward'; readonly reason: FastForwardReason }
  /** A controller 400 with a string body: answered without a database. */
  | { readonly kind: 'string-error'; readonly error: V2StringError }
  | { readonly kind: 'query'; readonly principal: Principal; readonly query: V2Query };

/** The legacy's routes for the three reads (case-insensitive, `v2` or `v2.0`, one trailing slash). */
const V2_READ_PATH = /^\/v2(?:\.0)?\/rezept(\/status|\/statusuuid)?\/?$/i;

export function v2Endpoint(method: string, path: string): V2ReadEndpoint | undefined {
  const match = V2_READ_PATH.exec(path);
  if (match === null) return undefined;
  const tail = match[1]?.toLowerCase();
  if (tail === '/statusuuid') return method === 'PATCH' ? 'statusuuid' : undefined;
  if (method !== 'GET') return undefined;
  return tail === '/status' ? 'pharmacy-list' : 'list';
}

/** The body bound for statusuuid: 1 MiB plus room for maxBulkSize long UUIDs. Beyond → forward. */
export function maxStatusUuidBodyBytes(maxBulkSize: number): number {
  return 1024 * 1024 + Math.max(0, maxBulkSize) * 128;
}

const forward = (reason: FastForwardReason): V2ReadPlan => ({ kind: 'forward', reason });

/** The headers the decision reads. */
const DECISION_HEADERS = [
  'x-tenant-id',
  'x-api-version',
  'accept',
  'accept-charset',
  'content-type',
  'content-encoding',
] as const;

/**
 * The snapshot's arrays in the shape decideV2Read expects (node's IncomingHttpHeaders): one value as a
 * string; a repeated header stays a list, which the decision joins (Accept) or forwards (Content-Type).
 */
function decisionHeaders(headers: HeaderSnapshot): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const name of DECISION_HEADERS) {
    const values = headers[name];
    if (values !== undefined) out[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}

/** Decides without touching a database (reads the body for statusuuid). Never throws. */
export async function planV2Read(ctx: RequestContext, legacy: LegacySettings): Promise<V2ReadPlan> {
  const principal = ctx.principal;
  if (principal === undefined) return forward('no-principal');
  const endpoint = v2Endpoint(ctx.method, ctx.path);
  if (endpoint === undefined) return forward('not-a-v2-read');

  let body: Buffer | undefined;
  if (endpoint === 'statusuuid') {
    // Headers first: a request the decision forwards anyway is not read (its body streams untouched).
    if (ctx.headers['x-tenant-id'] !== undefined) return forward('tenant-header');
    if (ctx.headers['x-api-version'] !== undefined) return forward('api-version-header');
    const read = ctx.body
      ? await ctx.body.read(maxStatusUuidBodyBytes(legacy.maxBulkSize)).catch(() => undefined)
      : ({ kind: 'complete', bytes: Buffer.alloc(0) } as const);
    if (read === undefined || read.kind === 'unavailable') return forward('body-unreadable');
    if (read.kind === 'too-large') return forward('body-too-large');
    body = read.bytes;
  }

  const queryAt = ctx.target.indexOf('?');
  const decision = decideV2Read(
    {
      endpoint,
      method: ctx.method,
      rawQuery: queryAt === -1 ? '' : ctx.target.slice(queryAt + 1),
      headers: decisionHeaders(ctx.headers),
      ...(body === undefined ? {} : { body }),
      hasConnectionString: principal.tenant.connectionString !== '',
    },
    { maxPageSize: legacy.maxPageSize, maxBulkSize: legacy.maxBulkSize },
  );
  if (decision.kind === 'forward') return forward(decision.reason);
  const { query } = decision;
  return query.op === 'string-error'
    ? { kind: 'string-error', error: query }
    : { kind: 'query', principal, query };
}

/** A fast-path answer could not be produced before the first byte; the request goes to the legacy. */
export class FastPathForward extends Error {
  readonly reason: FastForwardReason;
  constructor(reason: FastForwardReason, options?: { cause?: unknown }) {
    super(`fast path forwards: ${reason}`, options);
    this.name = 'FastPathForward';
    this.reason = reason;
  }
}

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Classifies a database error (pg, PGlite or the registry's EdgeErrors) into a bounded reason. */
export function sqlFailureReason(err: unknown): FastForwardReason {
  if (err instanceof FastPathForward) return err.reason;
  if (isEdgeError(err)) {
    if (err.code === 'EDGE_SQL_TIMEOUT') return 'statement-timeout';
    if (err.code === 'EDGE_SQL_UNAVAILABLE' || err.code === 'EDGE_AUTH_CONNECTION_STRING')
      return 'db-unavailable';
    return 'sql-error';
  }
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  // 57014 query_canceled (statement_timeout); node-pg's client-side query_timeout.
  if (code === '57014' || text.includes('Query read timeout')) return 'statement-timeout';
  if (typeof code === 'string') {
    // 08 connection exceptions, 28 authorization, 3D000 unknown database, 57P0x shutdown/termination.
    if (CONNECTION_ERRNOS.has(code) || /^(08|28|3D|57P)/.test(code)) return 'db-unavailable';
  }
  if (/timeout exceeded when trying to connect|Connection terminated|connect E/i.test(text))
    return 'db-unavailable';
  return 'sql-error';
}

/** Whether a tenant DB carries the fast-path indexes (memoised; see tenant-readiness). */
export type TenantReadiness = (tenant: Tenant, db: SqlDatabase) => Promise<boolean>;

export interface TenantAnswerDeps {
  /** The tenant's database (a pool lease per call; its close() is a no-op). */
  readonly database: (tenant: Tenant) => SqlDatabase;
  readonly readiness: TenantReadiness;
  readonly environment: () => string;
  /** Rows per statement and type (default 1000); larger pages stream in keyset batches. */
  readonly batchRows?: number;
  /** Encoded list items kept by item version (prescriptions/item-memo); absent: none kept. */
  readonly itemMemo?: ItemMemoPort;
}

/** The item memo for this tenant, unless its database cannot run the memo's statements. */
function itemMemoHint(memo: ItemMemoPort | undefined, tenant: Tenant): Pick<FastAnswerHints, 'itemMemo'> {
  if (memo === undefined) return {};
  const scope = memo.scope(itemMemoScope(tenant));
  return memo.usable(scope) ? { itemMemo: { memo, scope } } : {};
}

/** Optional per-request extras of answerFromTenant. */
export interface TenantAnswerHints {
  /**
   * The tenant's list counts remembered per type and cache epoch (prescriptions/count-memo): looked up
   * right before the list statement, filled from its counts. `routeId` only labels the memo's metric.
   */
  readonly countMemo?: { readonly memo: CountMemoPort; readonly routeId: string };
}

/**
 * The tenant database's answer. Rejects with FastPathForward for everything that must go to the legacy;
 * once resolved, only a streamed body (large pages) can still fail — after the first byte.
 */
export async function answerFromTenant(
  deps: TenantAnswerDeps,
  tenant: Tenant,
  query: V2Query,
  hints: TenantAnswerHints = {},
): Promise<FastAnswer> {
  try {
    const db = deps.database(tenant);
    if (!(await deps.readiness(tenant, db))) throw new FastPathForward('indexes-missing');
    // The memo reads the tenant's epoch here, before the list statement starts (see count-memo).
    const counts =
      hints.countMemo !== undefined && query.op === 'list' && query.types.length > 0
        ? hints.countMemo.memo.lookup({
            tenantId: tenant.datenbankId,
            tenant,
            routeId: hints.countMemo.routeId,
            types: query.types,
          })
        : undefined;
    const answer = await answerV2Read(
      db,
      query,
      {
        environment: deps.environment(),
        ...(deps.batchRows === undefined ? {} : { batchRows: deps.batchRows }),
      },
      {
        ...(counts?.knownCounts === undefined ? {} : { knownCounts: counts.knownCounts }),
        ...itemMemoHint(deps.itemMemo, tenant),
      },
    );
    if (counts !== undefined && answer.counts !== undefined) counts.remember(answer.counts);
    return answer;
  } catch (err) {
    if (err instanceof FastPathForward) throw err;
    throw new FastPathForward(sqlFailureReason(err), { cause: err });
  }
}

const WARN_EVERY_MS = 10_000;

/**
 * Logs forwards caused by the database at warn (an operator should see them), at most once per reason
 * every 10 s with the count of suppressed ones; never the connection string. One per executor.
 */
export function createDatabaseForwardLog(now: () => number = () => performance.now()) {
  const last = new Map<FastForwardReason, { atMs: number; suppressed: number }>();
  return (ctx: RequestContext, err: FastPathForward, datenbankId: number): void => {
    if (err.reason === 'indexes-missing') return; // logged once per check by tenant-readiness
    const t = now();
    const seen = last.get(err.reason);
    if (seen !== undefined && t - seen.atMs < WARN_EVERY_MS) {
      seen.suppressed += 1;
      return;
    }
    last.set(err.reason, { atMs: t, suppressed: 0 });
    ctx.log.warn(
      { reason: err.reason, datenbankId, suppressed: seen?.suppressed ?? 0, err: err.cause ?? err },
      'fast path could not answer; forwarding to the legacy',
    );
  };
}
