// The demo's backends without the proxy: PGlite databases built by createDemoDatabases, the emulator
// on them, and both change feeds (tenant cache epochs, management credentials) driven by PGlite's
// in-process notifications after writes the emulator makes. Needs no external service.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../../src/core/principal.js';
import { createDemoDatabases, type DemoDatabases } from '../../../src/demo/demo-databases.js';
import { createDemoInvalidation, type DemoInvalidation } from '../../../src/demo/demo-invalidation.js';
import { basicAuthorization, pickDemoSample } from '../../../src/demo/demo-sample.js';
import { startEmulator, type EmulatorHandle } from '../../../src/emulator/emulator.js';
import { startManagementListener } from '../../../src/invalidation/management-listener.js';
import { managementTriggersInstalled } from '../../../src/invalidation/management-triggers.js';
import { CACHE_TRIGGERS_CHECK_SQL } from '../../../src/invalidation/tenant-listener.js';

let dbs: DemoDatabases;
let legacy: EmulatorHandle;
const RZSTEIN = basicAuthorization('apoti_user_rzstein', '123456');
const T2 = basicAuthorization('apoti_user_t2', 'tenant-2-pw');

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function tenantOf(index: number): Tenant {
  const t = dbs.tenants[index]!;
  return { datenbankId: t.datenbankId, connectionString: t.connectionString };
}

beforeAll(async () => {
  dbs = await createDemoDatabases({
    tenants: [
      { name: 'demo_apoti_1', prescriptions: 300 },
      { name: 'demo_apoti_2', prescriptions: 200 },
    ],
  });
  legacy = await startEmulator({
    management: dbs.management,
    port: 0,
    openTenantDatabase: (connectionString) => dbs.registry.open(connectionString),
  });
}, 120_000);

afterAll(async () => {
  await legacy?.close();
  await dbs?.close();
  await dbs?.close(); // idempotent
});

describe('createDemoDatabases', () => {
  it('installs the project’s triggers in every database (migrations ran)', async () => {
    for (const tenant of dbs.tenants) {
      const { rows } = await dbs.registry.open(tenant.connectionString).query(CACHE_TRIGGERS_CHECK_SQL);
      expect(rows).toEqual([{ ok: true }]);
    }
    expect(await managementTriggersInstalled(dbs.management)).toBe(true);
  });

  it('maps each demo user to its own tenant; 20% of the prescriptions are new', async () => {
    for (const [auth, total] of [
      [RZSTEIN, 60],
      [T2, 40],
    ] as const) {
      const res = await fetch(`${legacy.url}/v2/rezept?pageSize=5`, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { totalCount: number; prescriptions: unknown[] };
      expect(body.totalCount).toBe(total);
      // pageSize applies per type (CONTRACT §6.1.3): up to five each of eMuster16, P-Rezept, E-Rezept.
      expect(body.prescriptions.length).toBeGreaterThanOrEqual(10);
      expect(body.prescriptions.length).toBeLessThanOrEqual(15);
    }
    const wrong = await fetch(`${legacy.url}/v2/rezept`, {
      headers: { authorization: basicAuthorization('apoti_user_rzstein', 'wrong') },
    });
    expect(wrong.status).toBe(401);
  });

  it('is deterministic: the same seed gives the same users and first page', () => {
    expect(dbs.users.map((u) => u.login)).toContain('apoti_user_rzstein');
    expect(dbs.users.find((u) => u.login === 'apoti_user_t2')).toMatchObject({
      password: 'tenant-2-pw',
      databaseId: 2,
    });
  });
});

describe('pickDemoSample', () => {
  it('picks an item of page 1 whose UUID exists once, so marking it removes it from the list', async () => {
    const sample = await pickDemoSample({
      legacyUrl: legacy.url,
      login: 'apoti_user_rzstein',
      password: '123456',
      tenantDb: dbs.tenants[0]!.db,
    });
    expect(sample.totalCount).toBe(60);
    const page = (await (
      await fetch(`${legacy.url}/v2/rezept?pageSize=5`, { headers: { authorization: RZSTEIN } })
    ).json()) as { prescriptions: Array<{ rezeptUuid: string }> };
    expect(page.prescriptions.map((p) => p.rezeptUuid)).toContain(sample.rezeptUuid);
  });
});

describe('change feeds on PGlite notifications', () => {
  let invalidation: DemoInvalidation;
  beforeAll(() => {
    invalidation = createDemoInvalidation(dbs.registry);
  });
  afterAll(async () => {
    await invalidation?.close();
  });

  it('a write through the legacy bumps that tenant’s cache epoch, not the other’s', async () => {
    const { listener, epochs } = invalidation;
    listener.watch(tenantOf(0));
    listener.watch(tenantOf(1));
    await until(() => listener.bypassReason(1) === undefined, 'tenant 1 feed connected');
    await until(() => listener.bypassReason(2) === undefined, 'tenant 2 feed connected');
    const before1 = (await epochs.current(1)).epoch;
    const before2 = (await epochs.current(2)).epoch;

    const sample = await pickDemoSample({
      legacyUrl: legacy.url,
      login: 'apoti_user_rzstein',
      password: '123456',
      tenantDb: dbs.tenants[0]!.db,
    });
    const res = await fetch(`${legacy.url}/v2/rezept/status`, {
      method: 'PATCH',
      headers: { authorization: RZSTEIN, 'content-type': 'application/json' },
      body: JSON.stringify({
        updates: [{ rezeptUuid: sample.rezeptUuid, type: sample.type, transferArz: true }],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, successCount: 1 });

    await until(() => (epochs.peek(1)?.epoch ?? 0) > before1, 'tenant 1 epoch bump');
    expect(epochs.peek(2)?.epoch).toBe(before2);
  });

  it('a management change reaches the credential cache through the auth feed', async () => {
    const invalidated: unknown[] = [];
    const feed = await startManagementListener({
      source: dbs.management,
      target: { invalidate: (scope) => invalidated.push(scope) || 1, clear: () => undefined },
      registry: new Registry(),
    });
    try {
      await dbs.management.query(
        `UPDATE arzsw_benutzer SET login_passwort = login_passwort WHERE login_name = 'apoti_user_t2'`,
      );
      await until(() => invalidated.length > 0, 'credential invalidation');
      const user = dbs.users.find((u) => u.login === 'apoti_user_t2')!;
      expect(invalidated).toEqual([{ users: [user.id] }]);
    } finally {
      await feed.stop();
    }
  });
});
