import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../../src/core/cache-key.js';

const base = {
  tenantId: 12,
  routeId: 'v2-rezept',
  params: { type: 'e-rezept', page: 1, pageSize: 100 },
  epoch: 3,
};

describe('cacheKey', () => {
  it('has the form edge:v1:<sha256 hex>:<epoch>', () => {
    expect(cacheKey(base)).toMatch(/^edge:v1:[0-9a-f]{64}:3$/);
  });

  it('is equal for equal requests regardless of param order', () => {
    const reordered = { ...base, params: { pageSize: 100, page: 1, type: 'e-rezept' } };
    expect(cacheKey(reordered)).toBe(cacheKey(base));
  });

  it('never shares between tenants', () => {
    expect(cacheKey({ ...base, tenantId: 13 })).not.toBe(cacheKey(base));
    // no aliasing through concatenation of tenant and route
    expect(cacheKey({ ...base, tenantId: 1, routeId: '2v2-rezept' })).not.toBe(
      cacheKey({ ...base, tenantId: 12, routeId: 'v2-rezept' }),
    );
  });

  it('differs by route, by any param value or type, and by epoch', () => {
    const k = cacheKey(base);
    expect(cacheKey({ ...base, routeId: 'v2-rezept-status' })).not.toBe(k);
    expect(cacheKey({ ...base, params: { ...base.params, page: 2 } })).not.toBe(k);
    expect(cacheKey({ ...base, params: { ...base.params, page: '1' } })).not.toBe(k);
    expect(cacheKey({ ...base, params: { ...base.params, extra: null } })).not.toBe(k);
    expect(cacheKey({ ...base, epoch: 4 })).not.toBe(k);
  });

  it('carries none of the request data in clear', () => {
    const key = cacheKey({ ...base, params: { rezeptUuid: '7f3c2a10-5b8e-4d21-9c3a-0e6f1b2d4a55' } });
    expect(key).not.toContain('7f3c2a10');
    expect(key).not.toContain('v2-rezept');
    expect(key).toMatch(/^[a-z0-9:]+$/);
  });

  it('rejects values that cannot be keyed unambiguously', () => {
    expect(() => cacheKey({ ...base, tenantId: 1.5 })).toThrow(TypeError);
    expect(() => cacheKey({ ...base, epoch: -1 })).toThrow(TypeError);
    expect(() => cacheKey({ ...base, routeId: '' })).toThrow(TypeError);
    expect(() => cacheKey({ ...base, params: { page: Number.NaN } })).toThrow(TypeError);
    expect(() => cacheKey({ ...base, params: { page: {} as unknown as string } })).toThrow(TypeError);
  });
});
