// The tenant registry with real pools: one pool per tenant DB from its Npgsql string, the proxy's session
// settings on every connection, replacement on a changed string, idle close and the total budget —
// observed from pg_stat_activity.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTenantRegistry, type TenantRegistry } from '../../../src/adapters/postgres/tenant-registry.js';
import type { Tenant } from '../../../src/core/principal.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, withAdmin, type TestDatabase } from '../../support/pg-databases.js';
import { within } from './auth-stack.js';

const APP = 'edge-registry-test';

describeWith(['postgres'], 'tenant registry against PostgreSQL', () => {
  let one: TestDatabase;
  let two: TestDatabase;
  const registries: TenantRegistry[] = [];

  beforeAll(async () => {
    [one, two] = await Promise.all([createTestDatabase('reg_one'), createTestDatabase('reg_two')]);
  });
  afterAll(async () => {
    await Promise.all(registries.map((r) => r.close()));
    await Promise.all([one?.drop(), two?.drop()]);
  });

  const make = (overrides: Partial<Parameters<typeof createTenantRegistry>[0]> = {}) => {
    const registry = createTenantRegistry({
      maxConnectionsPerTenant: 3,
      maxConnectionsTotal: 6,
      idleCloseMs: 300_000,
      statementTimeoutMs: 4_000,
      applicationName: APP,
      ...overrides,
    });
    registries.push(registry);
    return registry;
  };
  const tenantOf = (db: TestDatabase, id: number, extra = ''): Tenant => ({
    datenbankId: id,
    connectionString: `${db.npgsql}Application Name=${APP};${extra}`,
  });
  const connections = (db: TestDatabase) =>
    withAdmin(async (c) => {
      const { rows } = await c.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
        [db.name, APP],
      );
      return Number(rows[0]?.n);
    });

  it('runs every statement with jit off, no parallel workers and the statement timeout', async () => {
    const registry = make();
    const settings = await registry.withDatabase(tenantOf(one, 1), (db) =>
      db.query<{ jit: string; workers: string; timeout: string; name: string }>(
        `SELECT current_setting('jit') AS jit, current_setting('max_parallel_workers_per_gather') AS workers,
                current_setting('statement_timeout') AS timeout, current_database() AS name`,
      ),
    );
    expect(settings.rows[0]).toEqual({ jit: 'off', workers: '0', timeout: '4s', name: one.name });
    await registry.close();
  });

  it('one pool per tenant, capped per tenant, closed with the registry', async () => {
    const registry = make();
    const t1 = tenantOf(one, 1);
    const t2 = tenantOf(two, 2);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        registry.withDatabase(i % 2 ? t1 : t2, (db) => db.query('SELECT pg_sleep(0.05)')),
      ),
    );
    expect(registry.stats()).toMatchObject({ pools: 2, budgetedConnections: 6 });
    expect(await connections(one)).toBeLessThanOrEqual(3);
    expect(await connections(two)).toBeLessThanOrEqual(3);
    await registry.close();
    await within(2_000, async () => (await connections(one)) === 0 && (await connections(two)) === 0);
  });

  it('replaces the pool when the connection string of the datenbank id changes', async () => {
    const registry = make();
    const before = await registry.withDatabase(tenantOf(one, 5), (db) =>
      db.query<{ name: string }>('SELECT current_database() AS name'),
    );
    expect(before.rows[0]?.name).toBe(one.name);
    // Same id, now pointing at the other database.
    const after = await registry.withDatabase(tenantOf(two, 5), (db) =>
      db.query<{ name: string }>('SELECT current_database() AS name'),
    );
    expect(after.rows[0]?.name).toBe(two.name);
    expect(registry.stats().pools).toBe(1);
    await within(2_000, async () => (await connections(one)) === 0);
    await registry.close();
  });

  it('closes a pool (and its connections) once idle for idleCloseMs', async () => {
    const registry = make({ idleCloseMs: 150, sweepIntervalMs: 25 });
    await registry.withDatabase(tenantOf(one, 7), (db) => db.query('SELECT 1'));
    expect(await connections(one)).toBe(1);
    await within(2_000, async () => registry.stats().pools === 0 && (await connections(one)) === 0);
    // Used again later: reopened transparently.
    await registry.withDatabase(tenantOf(one, 7), (db) => db.query('SELECT 1'));
    expect(registry.stats().pools).toBe(1);
    await registry.close();
  });

  it('keeps the total budget: the least recently used idle pool is closed for a new tenant', async () => {
    const registry = make({ maxConnectionsPerTenant: 3, maxConnectionsTotal: 3 });
    await registry.withDatabase(tenantOf(one, 1), (db) => db.query('SELECT 1'));
    await registry.withDatabase(tenantOf(two, 2), (db) => db.query('SELECT 1'));
    expect(registry.stats()).toMatchObject({ pools: 1, budgetedConnections: 3 });
    await within(2_000, async () => (await connections(one)) === 0);
    expect(await connections(two)).toBe(1);
    await registry.close();
  });
});
