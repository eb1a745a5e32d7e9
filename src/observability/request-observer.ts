// Turns one finished request into exactly one JSON log line and its metric samples. Never logs bodies,
// query strings or headers.
import type { RequestObserver } from '../core/outcome.js';
import type { EdgeLogger } from '../core/request-context.js';
import type { EdgeMetrics } from './metrics.js';

/** A request refused at the protocol level before it became a request (no context, nothing forwarded). */
export interface Refusal {
  readonly status: number;
  /** Node's parser code (HPE_…) or the edge's own reason. */
  readonly reason: string;
  readonly requestId: string;
  readonly remoteAddress: string;
  readonly method?: string;
}

export function observeRefusal(metrics: EdgeMetrics, log: EdgeLogger, refusal: Refusal): void {
  metrics.requests.inc({ route: 'unmatched', mode: 'refused', status: String(refusal.status) });
  log.warn({ ...refusal, route: 'unmatched', mode: 'refused', edge: 'refused' }, 'request refused');
}

/** `log` is the app's base logger; the request id is written as a field (no per-request child needed). */
export function createRequestObserver(metrics: EdgeMetrics, log: EdgeLogger): RequestObserver {
  return {
    observe(ctx, record) {
      const status = String(record.status);
      metrics.requests.inc({ route: record.routeId, mode: record.mode, status });
      metrics.duration.observe({ route: record.routeId, mode: record.mode }, record.durationMs / 1000);
      if (record.upstreamError) metrics.upstreamErrors.inc({ kind: record.upstreamError });

      const line: Record<string, unknown> = {
        requestId: ctx.requestId,
        method: ctx.method,
        path: ctx.path,
        route: record.routeId,
        mode: record.mode,
        edge: record.edge,
        status: record.status,
        durationMs: Math.round(record.durationMs * 1000) / 1000,
      };
      if (record.upstreamMs !== undefined) line.upstreamMs = Math.round(record.upstreamMs * 1000) / 1000;
      if (record.errorCode) line.errorCode = record.errorCode;
      if (record.upstreamError) line.upstreamError = record.upstreamError;
      if (record.interrupted) line.interrupted = record.interrupted;
      if (record.reason) line.reason = record.reason;
      // warn only for what the edge itself had to do about a failure; legacy 5xx pass through at info.
      if (record.errorCode || (record.interrupted && record.interrupted !== 'client'))
        log.warn(line, 'request');
      else log.info(line, 'request');
    },
  };
}
