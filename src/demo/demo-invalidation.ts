// Cache invalidation for the demo: per-tenant epochs without Redis (one process) and the tenant listener
// fed by PGlite's in-process notifications instead of pg LISTEN connections. The same classes as in
// production; only the notification sources differ. Never on the request path.
import type { PgliteRegistry } from '../adapters/pglite/pglite-registry.js';
import type { Tenant } from '../core/principal.js';
import { TenantEpochs } from '../invalidation/tenant-epochs.js';
import { CACHE_TRIGGERS_CHECK_SQL, TenantListener } from '../invalidation/tenant-listener.js';

export interface DemoInvalidationLogger {
  warn(obj: object, msg?: string): void;
}

export interface DemoInvalidation {
  /** Epoch reader for the response cache; bumped on every arzti_edge_cache NOTIFY of a tenant. */
  readonly epochs: TenantEpochs;
  /** Bypass oracle for the response cache; `watch(tenant)` starts a tenant's feed. */
  readonly listener: TenantListener;
  close(): Promise<void>;
}

export function createDemoInvalidation(
  tenants: PgliteRegistry,
  logger?: DemoInvalidationLogger,
): DemoInvalidation {
  const epochs = new TenantEpochs();
  const listener = new TenantListener({
    connect: (tenant: Tenant) => tenants.open(tenant.connectionString),
    epochs,
    verify: async (tenant: Tenant) => {
      const { rows } = await tenants
        .open(tenant.connectionString)
        .query<{ ok: boolean }>(CACHE_TRIGGERS_CHECK_SQL);
      return rows[0]?.ok === true;
    },
    onError: (tenantId, err) => logger?.warn({ tenantId, err }, 'demo cache invalidation feed failed'),
  });
  return {
    epochs,
    listener,
    async close() {
      await listener.close();
      await epochs.close();
    },
  };
}
