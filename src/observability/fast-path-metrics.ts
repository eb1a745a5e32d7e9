// Metrics of the sql/cache executors and of read-your-writes invalidation, on the edge's own registry.
// Labels are bounded: route id, X-Edge path, forward reason, invalidation scope — never a tenant or a user.
import { Counter, type Registry } from 'prom-client';
import type { FastForwardReason, FastPathObserver } from '../pipeline/executors/v2-read.js';
import type { UnresolvedReason } from '../pipeline/executors/write-invalidation.js';

export interface FastPathMetrics extends FastPathObserver {
  writeInvalidated(scope: 'tenant' | 'all-tenants', reason: UnresolvedReason | 'resolved'): void;
}

export function createFastPathMetrics(registry: Registry): FastPathMetrics {
  const registers = [registry];
  const answers = new Counter({
    name: 'edge_fast_path_answers_total',
    help: 'sql/cache-mode requests the edge answered itself, by route id and X-Edge path (sql, cache-hit, cache-miss, stale)',
    labelNames: ['route', 'edge'] as const,
    registers,
  });
  const forwards = new Counter({
    name: 'edge_fast_path_forwards_total',
    help: 'sql/cache-mode requests handed to the legacy instead, by route id and reason',
    labelNames: ['route', 'reason'] as const,
    registers,
  });
  const writes = new Counter({
    name: 'edge_write_invalidations_total',
    help: 'Cache invalidations after a forwarded write succeeded: scope tenant (resolved) or all-tenants (with why)',
    labelNames: ['scope', 'reason'] as const,
    registers,
  });
  return {
    answered: (route, edge) => answers.inc({ route, edge }),
    forwarded: (route, reason: FastForwardReason) => forwards.inc({ route, reason }),
    writeInvalidated: (scope, reason) => writes.inc({ scope, reason }),
  };
}
