// Metrics of the invalidation flow (epoch bumps, notification lag, listener states), registered on
// a registry the composition root passes in. No tenant labels: counts and states are aggregated.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type BumpSource = 'notify' | 'write' | 'reconnect' | 'peer' | 'manual';

export interface EpochMetrics {
  readonly invalidations: Counter<'source'>;
  readonly lagSeconds: Histogram;
  readonly syncErrors: Counter;
  readonly listeners: Gauge<'state'>;
}

export function createEpochMetrics(registry: Registry): EpochMetrics {
  const registers = [registry];
  return {
    invalidations: new Counter({
      name: 'edge_cache_invalidations_total',
      help: 'Tenant epoch bumps by source: notify (DB trigger), write (proxied write), reconnect, peer (another instance), manual',
      labelNames: ['source'],
      registers,
    }),
    lagSeconds: new Histogram({
      name: 'edge_cache_invalidation_lag_seconds',
      help: 'From the change in the tenant DB (clock_timestamp in the NOTIFY payload) to the local epoch bump',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    syncErrors: new Counter({
      name: 'edge_cache_epoch_sync_errors_total',
      help: 'Epoch reads/bumps that could not reach Redis (the instance runs on local epochs meanwhile)',
      registers,
    }),
    listeners: new Gauge({
      name: 'edge_cache_listeners',
      help: 'Tenant databases per LISTEN connection state',
      labelNames: ['state'],
      registers,
    }),
  };
}
