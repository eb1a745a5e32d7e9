// The tenant selector behind per-route rollout: a stable hash of route id + tenant, sticky per pharmacy,
// deny beats allow beats percent; and the ModeState that applies it with the kill switch.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/core/principal.js';
import {
  EMPTY_TENANT_SET,
  ROLLOUT_BUCKETS,
  canSelectAnyone,
  rolloutBucket,
  selectTenant,
  type RolloutRule,
} from '../../../src/core/rollout.js';
import { createModeState, type ModeSubject } from '../../../src/core/route-mode.js';

function principal(datenbankId: number, clientCode = `RZ${datenbankId}`): Principal {
  return {
    userId: datenbankId * 10,
    loginName: `user${datenbankId}`,
    mandantId: datenbankId,
    clientCode,
    tenant: { datenbankId, connectionString: 'Host=db' },
  };
}

function rule(
  percent: number,
  allow: Array<number | string> = [],
  deny: Array<number | string> = [],
): RolloutRule {
  const set = (items: Array<number | string>) => ({
    ids: new Set(items.filter((i): i is number => typeof i === 'number')),
    codes: new Set(items.filter((i): i is string => typeof i === 'string')),
  });
  return { percent, allowTenants: set(allow), denyTenants: set(deny) };
}

const selected = (r: RolloutRule, route: string, ids: number[]) =>
  ids.filter((id) => {
    const verdict = selectTenant(r, route, principal(id));
    return verdict === 'in-percent' || verdict === 'allowed';
  });

describe('rollout selection', () => {
  it('sends 30 % ± 7 points of 100 tenants to the fast path, for every route id', () => {
    const tenants = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const route of [
      'v2-rezept-list',
      'v2-rezept-status-list',
      'v2-rezept-statusuuid',
      'some-other-route',
    ]) {
      const share = selected(rule(30), route, tenants).length;
      expect(share, route).toBeGreaterThanOrEqual(23);
      expect(share, route).toBeLessThanOrEqual(37);
    }
  });

  it('approaches the configured share over many tenants (hash spread)', () => {
    const tenants = Array.from({ length: 20_000 }, (_, i) => i + 1);
    for (const percent of [1, 10, 30, 50, 99.5]) {
      const share = (selected(rule(percent), 'v2-rezept-list', tenants).length / tenants.length) * 100;
      expect(Math.abs(share - percent), `${percent}%`).toBeLessThan(1);
    }
  });

  it('is sticky: a tenant always gets the same verdict, in any order and any process', () => {
    const r = rule(30);
    const first = Array.from({ length: 50 }, (_, i) => selectTenant(r, 'v2-rezept-list', principal(i + 1)));
    for (let round = 0; round < 5; round += 1) {
      const again = Array.from({ length: 50 }, (_, i) => 50 - i)
        .map((id) => [id, selectTenant(r, 'v2-rezept-list', principal(id))] as const)
        .sort(([a], [b]) => a - b)
        .map(([, verdict]) => verdict);
      expect(again).toEqual(first);
    }
    // Pinned values: the bucket is sha256-based and must never change between releases (or every
    // pharmacy would flip paths on upgrade).
    expect(rolloutBucket('v2-rezept-list', 1)).toBe(6715);
    expect(rolloutBucket('v2-rezept-list', 42)).toBe(5463);
    expect(rolloutBucket('v2-rezept-status-list', 1)).toBe(5526);
    expect(rolloutBucket('v2-rezept-list', 1)).toBeLessThan(ROLLOUT_BUCKETS);
  });

  it('grows monotonically: raising the percent keeps everyone already selected', () => {
    const tenants = Array.from({ length: 500 }, (_, i) => i + 1);
    const at10 = new Set(selected(rule(10), 'v2-rezept-list', tenants));
    const at40 = new Set(selected(rule(40), 'v2-rezept-list', tenants));
    for (const id of at10) expect(at40.has(id)).toBe(true);
  });

  it('selects different tenants for different routes (route id is part of the hash)', () => {
    const tenants = Array.from({ length: 200 }, (_, i) => i + 1);
    const a = selected(rule(50), 'v2-rezept-list', tenants);
    const b = selected(rule(50), 'v2-rezept-status-list', tenants);
    expect(a).not.toEqual(b);
  });

  it('deny beats allow beats percent; ids and client codes both work', () => {
    const tenant7 = principal(7, 'APO-SEVEN');
    expect(selectTenant(rule(100, [], [7]), 'r', tenant7)).toBe('denied');
    expect(selectTenant(rule(100, [], ['APO-SEVEN']), 'r', tenant7)).toBe('denied');
    expect(selectTenant(rule(0, [7], [7]), 'r', tenant7)).toBe('denied');
    expect(selectTenant(rule(0, ['APO-SEVEN'], ['apo-seven']), 'r', tenant7)).toBe('allowed');
    expect(selectTenant(rule(0, [7]), 'r', tenant7)).toBe('allowed');
    expect(selectTenant(rule(0), 'r', tenant7)).toBe('out-of-percent');
    expect(selectTenant(rule(100), 'r', tenant7)).toBe('in-percent');
  });

  it('knows when a rule selects nobody', () => {
    expect(canSelectAnyone(rule(0))).toBe(false);
    expect(canSelectAnyone(rule(0, [], [1]))).toBe(false);
    expect(canSelectAnyone(rule(0, ['X']))).toBe(true);
    expect(canSelectAnyone(rule(0.01))).toBe(true);
    expect(
      canSelectAnyone({ percent: 0, allowTenants: EMPTY_TENANT_SET, denyTenants: EMPTY_TENANT_SET }),
    ).toBe(false);
  });
});

describe('ModeState with rollout and kill switch', () => {
  const route = (mode: ModeSubject['mode'], rollout?: RolloutRule): ModeSubject => ({
    id: 'v2-rezept-list',
    mode,
    ...(rollout ? { rollout } : {}),
  });

  it('decides per tenant after authentication and falls back to legacy without a tenant', () => {
    const modes = createModeState({ implemented: ['sql'] });
    const r = route('sql', rule(0, [1], [2]));
    expect(modes.decide(r, principal(1))).toEqual({ mode: 'sql' });
    expect(modes.decide(r, principal(2))).toEqual({ mode: 'legacy', reason: 'rollout-denied' });
    expect(modes.decide(r, principal(3))).toEqual({ mode: 'legacy', reason: 'rollout-excluded' });
    expect(modes.decide(r, undefined)).toEqual({ mode: 'legacy', reason: 'no-tenant' });
    expect(modes.decide(route('sql'), undefined)).toEqual({ mode: 'sql' });
    expect(modes.decide(route('cache'), principal(1))).toEqual({ mode: 'legacy', reason: 'not-implemented' });
  });

  it('reports the candidate mode before authentication (legacy when nobody can be selected)', () => {
    const modes = createModeState({ implemented: ['sql'] });
    expect(modes.effectiveMode(route('sql', rule(30)))).toBe('sql');
    expect(modes.effectiveMode(route('sql', rule(0)))).toBe('legacy');
    expect(modes.effectiveMode(route('sql', rule(0, ['RZ1'])))).toBe('sql');
    expect(modes.effectiveMode(route('cache'))).toBe('legacy');
  });

  it('kill switch: on while any source holds it, legacy for every route and tenant', () => {
    const modes = createModeState({ implemented: ['sql', 'shadow'] });
    modes.setKillSwitch(true);
    expect(modes.killSwitch).toBe(true);
    expect(modes.killSwitchSources).toEqual(['operator']);
    expect(modes.effectiveMode(route('sql'))).toBe('legacy');
    expect(modes.decide(route('sql'), principal(1))).toEqual({ mode: 'legacy', reason: 'kill-switch' });
    expect(modes.decide(route('legacy'), principal(1))).toEqual({ mode: 'legacy', reason: 'kill-switch' });
    modes.setKillSwitch(true, 'file');
    modes.setKillSwitch(false);
    expect(modes.killSwitch).toBe(true);
    expect(modes.killSwitchSources).toEqual(['file']);
    modes.setKillSwitch(false, 'file');
    expect(modes.killSwitch).toBe(false);
    expect(modes.decide(route('sql'), principal(1))).toEqual({ mode: 'sql' });
  });
});
