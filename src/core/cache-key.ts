// Cache keys: tenant (datenbank id, never a credential) + route id + normalised params + tenant epoch
// → a Redis-safe name that carries no request data. Normalising params is the route's job, not ours.
import { createHash } from 'node:crypto';

export type CacheParamValue = string | number | boolean | null;

export interface CacheKeyInput {
  /** arzsw_datenbank.arzsw_datenbank_id of the authenticated caller's tenant. */
  tenantId: number;
  /** The route id from routes.yaml. */
  routeId: string;
  /** Already normalised by the route (case, defaults, caps); order of keys does not matter. */
  params: Readonly<Record<string, CacheParamValue>>;
  epoch: number;
}

export const CACHE_KEY_PREFIX = 'edge:v1:';

/**
 * `edge:v1:<sha256 hex of tenant, route, params>:<epoch>`. The hashed part is a canonical JSON
 * array (params sorted by name), so `{a:1,b:2}` and `{b:2,a:1}` share a key and no concatenation of
 * tenant and route can alias another pair. The epoch stays readable for debugging.
 */
export function cacheKey(input: CacheKeyInput): string {
  if (!Number.isSafeInteger(input.tenantId)) throw new TypeError('tenantId must be an integer');
  if (!Number.isSafeInteger(input.epoch) || input.epoch < 0)
    throw new TypeError('epoch must be a natural number');
  if (input.routeId === '') throw new TypeError('routeId must not be empty');
  const names = Object.keys(input.params).sort();
  const params: [string, CacheParamValue][] = [];
  for (const name of names) {
    const value = input.params[name];
    if (value === undefined) continue;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new TypeError(`cache param ${name} must be a string, number, boolean or null`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`cache param ${name} must be finite`);
    }
    params.push([name, value]);
  }
  const canonical = JSON.stringify([input.tenantId, input.routeId, params]);
  const digest = createHash('sha256').update(canonical, 'utf8').digest('hex');
  return `${CACHE_KEY_PREFIX}${digest}:${input.epoch}`;
}
