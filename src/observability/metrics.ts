// Prometheus metrics on the edge's OWN registry (never prom-client's global one), plus the default process
// metrics registered on it. Labels are bounded: route id, mode, status, error kind — never a raw path.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UpstreamErrorKind } from '../core/outcome.js';

export interface EdgeMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'mode' | 'status'>;
  readonly duration: Histogram<'route' | 'mode'>;
  readonly upstreamErrors: Counter<'kind'>;
}

export interface MetricsSources {
  /** Open sockets (active + idle) from the edge to the legacy, read at scrape time. */
  readonly openUpstreamSockets: () => number;
}

export const UPSTREAM_ERROR_KINDS: readonly UpstreamErrorKind[] = ['unreachable', 'timeout', 'reset'];

export function createMetrics(sources: MetricsSources): EdgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'edge_http_requests_total',
    help: 'Requests answered, by route id, mode and HTTP status',
    labelNames: ['route', 'mode', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'edge_http_request_duration_seconds',
    help: 'Time from request arrival to the end of the response, by route id and mode',
    labelNames: ['route', 'mode'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'edge_upstream_errors_total',
    help: 'Failed exchanges with the legacy, by kind (unreachable, timeout, reset)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  for (const kind of UPSTREAM_ERROR_KINDS) upstreamErrors.inc({ kind }, 0);
  new Gauge({
    name: 'edge_upstream_open_sockets',
    help: 'Open TCP connections from the edge to the legacy (active and idle keep-alive)',
    registers: [registry],
    collect() {
      this.set(sources.openUpstreamSockets());
    },
  });

  return { registry, requests, duration, upstreamErrors };
}
