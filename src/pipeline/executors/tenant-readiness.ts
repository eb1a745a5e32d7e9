// Whether a tenant database carries the fast-path indexes of migration 001 (prescriptions/fast-path-readiness),
// memoised per datenbank id. Without them the fast queries stay correct but scan whole tables, so the tenant
// stays on the legacy (forward reason `indexes-missing`) and the operator is told once per check.
import type { Tenant } from '../../core/principal.js';
import type { EdgeLogger } from '../../core/request-context.js';
import type { SqlDatabase, SqlExecutor } from '../../core/sql-port.js';
import type { TenantReadiness } from './v2-read.js';

export interface TenantReadinessOptions {
  /** Names of the missing indexes (prescriptions/fast-path-readiness missingFastPathIndexes). */
  readonly missing: (db: SqlExecutor) => Promise<string[]>;
  readonly log: Pick<EdgeLogger, 'warn' | 'info'>;
  /** How long a "missing" verdict holds before the catalog is asked again. Default 60 000. */
  readonly recheckMissingMs?: number;
  /** How long a "ready" verdict holds (an index may be dropped). Default 600 000. */
  readonly recheckReadyMs?: number;
  readonly now?: () => number;
}

interface Verdict {
  readonly connectionString: string;
  readonly ready: boolean;
  readonly until: number;
}

export function createTenantReadiness(options: TenantReadinessOptions): TenantReadiness {
  const now = options.now ?? (() => performance.now());
  const missingMs = options.recheckMissingMs ?? 60_000;
  const readyMs = options.recheckReadyMs ?? 600_000;
  const verdicts = new Map<number, Verdict>();
  const checking = new Map<number, Promise<boolean>>();

  const check = async (tenant: Tenant, db: SqlDatabase): Promise<boolean> => {
    const missing = await options.missing(db);
    const ready = missing.length === 0;
    const before = verdicts.get(tenant.datenbankId);
    verdicts.set(tenant.datenbankId, {
      connectionString: tenant.connectionString,
      ready,
      until: now() + (ready ? readyMs : missingMs),
    });
    if (!ready)
      options.log.warn(
        { datenbankId: tenant.datenbankId, missing },
        'tenant database lacks the fast-path indexes (tenant migration 001); its fast-mode reads go to the legacy',
      );
    else if (before !== undefined && !before.ready)
      options.log.info({ datenbankId: tenant.datenbankId }, 'tenant database has the fast-path indexes now');
    return ready;
  };

  return (tenant, db) => {
    const verdict = verdicts.get(tenant.datenbankId);
    if (
      verdict !== undefined &&
      verdict.connectionString === tenant.connectionString &&
      now() < verdict.until
    )
      return Promise.resolve(verdict.ready);
    let pending = checking.get(tenant.datenbankId);
    if (pending === undefined) {
      pending = check(tenant, db).finally(() => checking.delete(tenant.datenbankId));
      checking.set(tenant.datenbankId, pending);
    }
    return pending;
  };
}
