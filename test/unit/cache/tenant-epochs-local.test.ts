// TenantEpochs without Redis (single instance): local epochs, never "shared".
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { TenantEpochs } from '../../../src/invalidation/tenant-epochs.js';
import { createEpochMetrics } from '../../../src/invalidation/epoch-metrics.js';

describe('TenantEpochs (local only)', () => {
  it('starts at 0 per tenant and bumps synchronously', async () => {
    const epochs = new TenantEpochs();
    expect(await epochs.current(1)).toEqual({ epoch: 0, shared: false });
    const pending = epochs.bump(1, 'notify');
    expect(epochs.peek(1)?.epoch).toBe(1); // before any await
    await pending;
    expect(epochs.peek(2)).toBeUndefined();
    expect((await epochs.current(2)).epoch).toBe(0);
  });

  it('bumpAfterWrite bumps and reports the change', async () => {
    const registry = new Registry();
    const metrics = createEpochMetrics(registry);
    const epochs = new TenantEpochs({ metrics });
    const seen: string[] = [];
    epochs.onChange((id, snap, source) => seen.push(`${id}:${snap.epoch}:${source}`));
    await epochs.bumpAfterWrite(4);
    await epochs.bump(4, 'notify');
    expect(seen).toEqual(['4:1:write', '4:2:notify']);
    const text = await registry.metrics();
    expect(text).toContain('edge_cache_invalidations_total{source="write"} 1');
    expect(text).toContain('edge_cache_invalidations_total{source="notify"} 1');
  });
});
