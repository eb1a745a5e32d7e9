// Per-route rollout rules (which tenants a route's fast mode serves) and shadow-comparison settings, as
// compiled from routes.yaml. Pure: selection is a stable hash of route id + tenant datenbank id, so one
// pharmacy always takes the same path; no clock, no randomness, no I/O.
import { createHash } from 'node:crypto';
import { compileIgnorePath, type IgnorePath } from './ignore-path.js';
import type { Principal } from './principal.js';

/** Buckets per route: a percent with two decimals selects `percent * 100` of them. */
export const ROLLOUT_BUCKETS = 10_000;

/** Tenants named in routes.yaml: `arzsw_datenbank` ids (numbers) or mandant client codes (strings). */
export interface TenantSet {
  readonly ids: ReadonlySet<number>;
  /** arzsw_mandant.code_kenner, compared exactly (case-sensitive). */
  readonly codes: ReadonlySet<string>;
}

export interface RolloutRule {
  /** Share of tenants, 0–100. */
  readonly percent: number;
  readonly allowTenants: TenantSet;
  readonly denyTenants: TenantSet;
}

/** Which rule decided: deny beats allow beats percent. */
export type RolloutVerdict = 'denied' | 'allowed' | 'in-percent' | 'out-of-percent';

export const EMPTY_TENANT_SET: TenantSet = Object.freeze({
  ids: new Set<number>(),
  codes: new Set<string>(),
});

/** 0..9999 from sha256(`<route id>:<datenbank id>`); the same for every process and restart. */
export function rolloutBucket(routeId: string, datenbankId: number): number {
  const digest = createHash('sha256').update(`${routeId}:${datenbankId}`).digest();
  // 2^32 mod 10000 leaves a bias below 2e-6 per bucket: irrelevant for a rollout share.
  return digest.readUInt32BE(0) % ROLLOUT_BUCKETS;
}

function contains(set: TenantSet, principal: Principal): boolean {
  return set.ids.has(principal.tenant.datenbankId) || set.codes.has(principal.clientCode);
}

export function selectTenant(rule: RolloutRule, routeId: string, principal: Principal): RolloutVerdict {
  if (contains(rule.denyTenants, principal)) return 'denied';
  if (contains(rule.allowTenants, principal)) return 'allowed';
  const threshold = Math.round(rule.percent * 100);
  if (threshold <= 0) return 'out-of-percent';
  if (threshold >= ROLLOUT_BUCKETS) return 'in-percent';
  return rolloutBucket(routeId, principal.tenant.datenbankId) < threshold ? 'in-percent' : 'out-of-percent';
}

/** False when no tenant can be selected (0 % and nobody allowed): the route is legacy for everyone. */
export function canSelectAnyone(rule: RolloutRule): boolean {
  return rule.percent > 0 || rule.allowTenants.ids.size > 0 || rule.allowTenants.codes.size > 0;
}

/** The fast executor whose answer a shadow route compares against the legacy's. */
export const SHADOW_CANDIDATES = ['sql', 'cache'] as const;
export type ShadowCandidate = (typeof SHADOW_CANDIDATES)[number];

export interface ShadowSettings {
  /** Share of requests compared, 0.0–1.0 (per request, not sticky). */
  readonly sample: number;
  /** Comparisons (capture + candidate + diff) in flight per route; more are skipped as `busy`. */
  readonly maxConcurrent: number;
  /** Fields whose values never count as a difference. */
  readonly ignorePaths: readonly IgnorePath[];
  /** Compare the legacy against a second forward of the same read (noise baseline, Diffy's secondary). */
  readonly calibrate: boolean;
  readonly candidate: ShadowCandidate;
  /** Largest legacy body (and request body) captured; beyond it the comparison is skipped as `too-large`. */
  readonly maxBodyBytes: number;
  /** The candidate's answer is given up (`candidate-timeout`) after this long. */
  readonly timeoutMs: number;
}

export const DEFAULT_IGNORE_PATHS = ['$.responseTimestamp', '$.prescriptions[*].deliveryTimestamp'] as const;

export const SHADOW_DEFAULTS = Object.freeze({
  sample: 1,
  maxConcurrent: 4,
  calibrate: false,
  candidate: 'sql' as ShadowCandidate,
  maxBodyBytes: 8 * 1024 * 1024,
  timeoutMs: 10_000,
});

const READ_ONLY_PATCH = /\/statusuuid\/?$/i;

/**
 * Shadow re-runs a request against a candidate (or the legacy itself when calibrating), so only reads
 * qualify: GET, and PATCH …/statusuuid — the legacy's one PATCH that only reads (CONTRACT §6.3).
 */
export function isReadRequest(method: string, path: string): boolean {
  return method === 'GET' || (method === 'PATCH' && READ_ONLY_PATCH.test(path));
}

/** ShadowSettings with every default (for a shadow route built without routes.yaml's parser). */
export function defaultShadowSettings(): ShadowSettings {
  const ignorePaths = DEFAULT_IGNORE_PATHS.map((text) => {
    const result = compileIgnorePath(text);
    if (!result.ok) throw new Error(`default ignore path ${text}: ${result.reason}`);
    return result.path;
  });
  return Object.freeze({ ...SHADOW_DEFAULTS, ignorePaths: Object.freeze(ignorePaths) });
}
