// tenant-registry (unit, fake pools): one pool per datenbank id, caps, session options, replacement on a
// changed connection string, idle close, the total budget and leases. Real pools: test/integration/auth.
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTenantRegistry,
  type TenantRegistryOptions,
} from '../../../src/adapters/postgres/tenant-registry.js';
import type { Tenant } from '../../../src/core/principal.js';
import type { SqlDatabase } from '../../../src/core/sql-port.js';
import { isEdgeError } from '../../../src/errors.js';

interface FakePool extends SqlDatabase {
  readonly config: pg.PoolConfig;
  closed: boolean;
}

const registries: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

function setup(overrides: Partial<TenantRegistryOptions> = {}) {
  let t = 0;
  const pools: FakePool[] = [];
  const metrics = new Registry();
  const registry = createTenantRegistry({
    maxConnectionsPerTenant: 10,
    maxConnectionsTotal: 30,
    idleCloseMs: 300_000,
    statementTimeoutMs: 5_000,
    registry: metrics,
    now: () => t,
    sweepIntervalMs: 60_000_000, // sweeps are triggered by hand via closeTenant/advance below
    createDatabase: (config) => {
      const pool: FakePool = {
        config,
        closed: false,
        query: async () => ({ rows: [], rowCount: 0 }),
        transaction: async (fn) => fn(pool),
        close: async () => {
          pool.closed = true;
        },
      };
      pools.push(pool);
      return pool;
    },
    ...overrides,
  });
  registries.push(registry);
  return { registry, pools, metrics, advance: (ms: number) => (t += ms) };
}

const tenant = (datenbankId: number, extra = ''): Tenant => ({
  datenbankId,
  connectionString: `Host=db${datenbankId};Database=t${datenbankId};Username=u;Password=p${extra}`,
});

describe('tenant registry', () => {
  it('opens one pool per datenbank id on first use and reuses it', async () => {
    const { registry, pools } = setup();
    await registry.withDatabase(tenant(1), async () => undefined);
    await registry.withDatabase(tenant(1), async () => undefined);
    await registry.withDatabase(tenant(2), async () => undefined);
    expect(pools).toHaveLength(2);
    expect(registry.stats()).toEqual({ pools: 2, draining: 0, budgetedConnections: 20 });
  });

  it('maps the Npgsql string and adds the proxy session settings', async () => {
    const { registry, pools } = setup();
    await registry.withDatabase(
      {
        datenbankId: 1,
        connectionString:
          'Server=h;Port=6432;Database=d;User ID=u;Password=p;Maximum Pool Size=4;Options=-c work_mem=64MB',
      },
      async () => undefined,
    );
    const config = pools[0]?.config;
    expect(config).toMatchObject({ host: 'h', port: 6432, database: 'd', user: 'u', password: 'p', max: 4 });
    expect(config?.options).toBe('-c work_mem=64MB -c jit=off -c max_parallel_workers_per_gather=0');
    // Command Timeout defaults to 30 s in Npgsql; the proxy's 5 s is shorter and wins.
    expect(config?.statement_timeout).toBe(5_000);
    expect(config?.application_name).toBe('arzti-edge');
  });

  it('caps Maximum Pool Size at the per-tenant maximum and keeps a shorter Command Timeout', async () => {
    const { registry, pools } = setup();
    await registry.withDatabase(
      { datenbankId: 1, connectionString: 'Host=h;Username=u;Maximum Pool Size=100;Command Timeout=2' },
      async () => undefined,
    );
    expect(pools[0]?.config).toMatchObject({ max: 10, statement_timeout: 2_000, query_timeout: 2_000 });
  });

  it('replaces the pool when the connection string of an id changes (after in-flight work ends)', async () => {
    const { registry, pools } = setup();
    let release!: () => void;
    const inFlight = registry.withDatabase(tenant(1), () => new Promise<void>((r) => (release = r)));
    await registry.withDatabase(tenant(1, ';Timeout=3'), async () => undefined);
    expect(pools).toHaveLength(2);
    expect(pools[0]?.closed).toBe(false);
    expect(registry.stats()).toMatchObject({ pools: 1, draining: 1 });
    release();
    await inFlight;
    await registry.closeTenant(99);
    expect(pools[0]?.closed).toBe(true);
    expect(registry.stats()).toMatchObject({ pools: 1, draining: 0 });
  });

  it('keeps a pool open while it is used within idleCloseMs, however many sweeps run', async () => {
    const { registry, pools } = setup({ idleCloseMs: 1_000, sweepIntervalMs: 20 });
    await registry.withDatabase(tenant(1), async () => undefined);
    await new Promise((r) => setTimeout(r, 60)); // the injected clock does not move
    expect(pools[0]?.closed).toBe(false);
  });

  it('closes idle pools once the injected clock passes idleCloseMs', async () => {
    const { registry, pools, advance } = setup({ idleCloseMs: 1_000, sweepIntervalMs: 10 });
    await registry.withDatabase(tenant(1), async () => undefined);
    await registry.withDatabase(tenant(2), async () => undefined);
    advance(999);
    await registry.withDatabase(tenant(2), async () => undefined);
    advance(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(pools.map((p) => p.closed)).toEqual([true, false]);
    expect(registry.stats().pools).toBe(1);
  });

  it('stays within the total budget by closing the least recently used idle pool', async () => {
    const { registry, pools } = setup({ maxConnectionsTotal: 30 });
    for (const id of [1, 2, 3]) await registry.withDatabase(tenant(id), async () => undefined);
    await registry.withDatabase(tenant(1), async () => undefined); // 2 is now least recently used
    await registry.withDatabase(tenant(4), async () => undefined);
    expect(pools.map((p) => p.closed)).toEqual([false, true, false, false]);
    expect(registry.stats().budgetedConnections).toBe(30);
  });

  it('never cuts a pool with work in flight; over budget it refuses (EDGE_SQL_UNAVAILABLE → forward)', async () => {
    const { registry } = setup({ maxConnectionsTotal: 20 });
    const releases: (() => void)[] = [];
    const busy = [1, 2].map((id) =>
      registry.withDatabase(tenant(id), () => new Promise<void>((r) => releases.push(r))),
    );
    await expect(registry.withDatabase(tenant(3), async () => undefined)).rejects.toSatisfy((err) =>
      isEdgeError(err, 'EDGE_SQL_UNAVAILABLE'),
    );
    releases.forEach((r) => r());
    await Promise.all(busy);
    await registry.withDatabase(tenant(3), async () => undefined);
    expect(registry.stats().pools).toBe(2);
  });

  it('a bad connection string is EDGE_AUTH_CONNECTION_STRING without echoing it', async () => {
    const { registry } = setup();
    const err = await registry
      .withDatabase(
        { datenbankId: 5, connectionString: 'Host=h;Password=hunter2;Bogus=1' },
        async () => undefined,
      )
      .catch((e: unknown) => e);
    expect(isEdgeError(err, 'EDGE_AUTH_CONNECTION_STRING')).toBe(true);
    expect(String((err as Error).message)).not.toContain('hunter2');
  });

  it('database(tenant) leases per call and its close() leaves the pool open', async () => {
    const { registry, pools } = setup();
    const db = registry.database(tenant(1));
    await db.query('SELECT 1');
    await db.transaction(async (tx) => tx.query('SELECT 1'));
    await db.close();
    expect(pools).toHaveLength(1);
    expect(pools[0]?.closed).toBe(false);
  });

  it('close() closes everything and refuses further use', async () => {
    const { registry, pools, metrics } = setup();
    await registry.withDatabase(tenant(1), async () => undefined);
    await registry.close();
    expect(pools[0]?.closed).toBe(true);
    await expect(registry.withDatabase(tenant(1), async () => undefined)).rejects.toSatisfy((err) =>
      isEdgeError(err, 'EDGE_SQL_UNAVAILABLE'),
    );
    const text = await metrics.metrics();
    expect(text).toContain('edge_tenant_pools_opened_total 1');
    expect(text).toContain('edge_tenant_pools_closed_total{reason="closed"} 1');
  });
});
