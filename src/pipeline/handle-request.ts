// Glue for one request: context → stages → carry out the outcome through the ports (forwarder or writer) →
// one observation (log line + metrics). The only code that sees both req/res and the pipeline; it never
// writes to `res` itself.
import type {
  ErrorOutcome,
  LegacyForwarder,
  OutcomeWriter,
  RequestObserver,
  RequestRecord,
} from '../core/outcome.js';
import type { RequestContext } from '../core/request-context.js';
import { toErrorOutcome } from './error-outcome.js';
import { runPipeline } from './run-pipeline.js';
import type { NamedStage } from './stage.js';

/** What the handler needs from Node's response object (nothing but liveness; writing is the ports' job). */
export interface ResponseState {
  readonly headersSent: boolean;
  destroy(error?: Error): void;
}

export interface RequestHandlerDeps<Req, Res extends ResponseState> {
  readonly stages: readonly NamedStage[];
  readonly toContext: (req: Req) => RequestContext;
  readonly forwarder: LegacyForwarder<Req, Res>;
  readonly writer: OutcomeWriter<Res>;
  readonly observer: RequestObserver;
  readonly now: () => number;
}

export function createRequestHandler<Req, Res extends ResponseState>(
  deps: RequestHandlerDeps<Req, Res>,
): (req: Req, res: Res) => Promise<void> {
  const { stages, toContext, forwarder, writer, observer, now } = deps;

  return async function handleRequest(req: Req, res: Res): Promise<void> {
    const initial = toContext(req);
    let ctx = initial;
    const base = () => ({
      routeId: ctx.route?.id ?? 'unmatched',
      mode: ctx.mode ?? 'legacy',
      durationMs: now() - ctx.startedAtMs,
    });
    try {
      const result = await runPipeline(stages, initial);
      ctx = result.ctx;
      const { outcome } = result;

      if (outcome.kind === 'forward') {
        const forwarded = await forwarder.forward(
          ctx,
          req,
          res,
          outcome.edge || outcome.capture || outcome.beforeResponseHead
            ? { edge: outcome.edge, capture: outcome.capture, beforeResponseHead: outcome.beforeResponseHead }
            : undefined,
        );
        if (forwarded.kind === 'failed') {
          const error = toErrorOutcome(forwarded.error, 'legacy');
          const written = await writer.write(ctx, res, error);
          observer.observe(ctx, {
            ...base(),
            edge: 'legacy',
            status: written.status,
            upstreamMs: forwarded.upstreamMs,
            errorCode: error.code,
            upstreamError: forwarded.upstreamError,
            ...(outcome.reason ? { reason: outcome.reason } : {}),
          });
          return;
        }
        const record: RequestRecord =
          forwarded.kind === 'client-gone'
            ? {
                ...base(),
                edge: 'legacy',
                status: 499,
                upstreamMs: forwarded.upstreamMs,
                interrupted: 'client',
              }
            : {
                ...base(),
                edge: outcome.edge ?? 'legacy',
                status: forwarded.status,
                upstreamMs: forwarded.upstreamMs,
                ...(forwarded.interrupted ? { interrupted: forwarded.interrupted } : {}),
                ...(forwarded.interrupted && forwarded.interrupted !== 'client'
                  ? { upstreamError: forwarded.interrupted }
                  : {}),
              };
        observer.observe(ctx, outcome.reason ? { ...record, reason: outcome.reason } : record);
        return;
      }

      const written = await writer.write(ctx, res, outcome);
      observer.observe(ctx, {
        ...base(),
        edge: outcome.edge ?? 'legacy',
        status: written.status,
        ...(outcome.kind === 'error' ? { errorCode: outcome.code } : {}),
        ...(written.complete ? {} : { interrupted: 'client' as const }),
      });
    } catch (err) {
      // Last resort: a port threw. Same conversion as everywhere else; never a second header block.
      ctx.log.error({ err }, 'request handling failed');
      const error: ErrorOutcome = toErrorOutcome(err);
      if (res.headersSent) {
        res.destroy();
        observer.observe(ctx, {
          ...base(),
          edge: 'legacy',
          status: 500,
          errorCode: error.code,
          interrupted: 'client',
        });
        return;
      }
      const written = await writer
        .write(ctx, res, error)
        .catch(() => ({ status: error.status, complete: false }));
      observer.observe(ctx, { ...base(), edge: 'legacy', status: written.status, errorCode: error.code });
    }
  };
}
