// Authentication metrics on a registry the composition root passes in (never prom-client's global one).
// Labels are bounded enumerations: never a login name, address or tenant.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type AuthOutcome =
  | 'authenticated'
  | 'missing'
  | 'invalid-header'
  | 'unknown-user'
  | 'wrong-password'
  | 'error'
  | 'throttled'
  | 'unavailable';

export interface AuthMetrics {
  readonly results: Counter<'outcome'>;
  readonly cacheLookups: Counter<'result'>;
  readonly managementQueries: Counter<'outcome'>;
  readonly managementQuerySeconds: Histogram;
  readonly bcryptVerifies: Counter;
  readonly bcryptSeconds: Histogram;
  readonly throttled: Counter<'scope'>;
}

export function createAuthMetrics(registry: Registry, cacheSize?: () => number): AuthMetrics {
  const registers = [registry];
  const metrics: AuthMetrics = {
    results: new Counter({
      name: 'edge_auth_results_total',
      help: 'Authentication decisions by outcome (unavailable = management DB not queryable, forwarded)',
      labelNames: ['outcome'],
      registers,
    }),
    cacheLookups: new Counter({
      name: 'edge_auth_cache_lookups_total',
      help: 'Credential cache lookups: hit (success), negative-hit (remembered failure), miss',
      labelNames: ['result'],
      registers,
    }),
    managementQueries: new Counter({
      name: 'edge_auth_management_queries_total',
      help: 'Queries against the management (ArzSw) database by outcome (ok, error)',
      labelNames: ['outcome'],
      registers,
    }),
    managementQuerySeconds: new Histogram({
      name: 'edge_auth_management_query_seconds',
      help: 'Duration of the management user lookup',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    bcryptVerifies: new Counter({
      name: 'edge_auth_bcrypt_verifies_total',
      help: 'BCrypt verifications run (on the libuv thread pool)',
      registers,
    }),
    bcryptSeconds: new Histogram({
      name: 'edge_auth_bcrypt_seconds',
      help: 'Duration of one BCrypt verification, once a slot is free',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    throttled: new Counter({
      name: 'edge_auth_throttled_total',
      help: 'Attempts refused by failed-login throttling, by the scope that blocked them (login, ip)',
      labelNames: ['scope'],
      registers,
    }),
  };
  if (cacheSize) {
    new Gauge({
      name: 'edge_auth_cache_entries',
      help: 'Entries in the credential cache',
      registers,
      collect() {
        this.set(cacheSize());
      },
    });
  }
  return metrics;
}
