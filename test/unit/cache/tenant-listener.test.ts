// TenantListener against a scripted NotificationSource: bypass until LISTEN is up, a bump per
// notification, bypass while disconnected, bump before bypass ends on reconnect.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Tenant } from '../../../src/core/principal.js';
import { createEpochMetrics } from '../../../src/invalidation/epoch-metrics.js';
import { TenantEpochs } from '../../../src/invalidation/tenant-epochs.js';
import {
  CACHE_NOTIFY_CHANNEL,
  TenantListener,
  parseCacheNotification,
  type TenantNotificationSource,
} from '../../../src/invalidation/tenant-listener.js';

class ScriptedSource implements TenantNotificationSource {
  onPayload: ((payload: string) => void) | undefined;
  onState: ((state: 'connected' | 'disconnected') => void) | undefined;
  channel: string | undefined;
  closed = false;
  fail = 0;
  #resolve: (() => void) | undefined;

  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onState?: (state: 'connected' | 'disconnected') => void,
  ): Promise<() => Promise<void>> {
    if (this.fail > 0) {
      this.fail -= 1;
      return Promise.reject(new Error('connect refused'));
    }
    this.channel = channel;
    this.onPayload = onPayload;
    this.onState = onState;
    return new Promise((resolve) => {
      this.#resolve = () => resolve(async () => undefined);
    });
  }

  establish(): void {
    this.#resolve?.();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const tenant = (id: number): Tenant => ({ datenbankId: id, connectionString: `Host=x;Database=t${id}` });
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('TenantListener', () => {
  it('bypasses unwatched and connecting tenants, serves once LISTEN is up, with an epoch bump first', async () => {
    const epochs = new TenantEpochs();
    const source = new ScriptedSource();
    const listener = new TenantListener({ connect: () => source, epochs });
    expect(listener.bypassReason(1)).toBe('not-watched');
    listener.watch(tenant(1));
    listener.watch(tenant(1)); // idempotent
    expect(source.channel).toBe(CACHE_NOTIFY_CHANNEL);
    expect(listener.bypassReason(1)).toBe('listener-connecting');
    source.establish();
    await flush();
    expect(listener.bypassReason(1)).toBeUndefined();
    expect(epochs.peek(1)?.epoch).toBe(1);
    await listener.close();
    expect(source.closed).toBe(true);
  });

  it('bumps per notification and measures lag from the payload', async () => {
    const registry = new Registry();
    const metrics = createEpochMetrics(registry);
    const epochs = new TenantEpochs();
    const source = new ScriptedSource();
    let now = 1_000_000;
    const listener = new TenantListener({ connect: () => source, epochs, metrics, now: () => now });
    listener.watch(tenant(2));
    source.establish();
    await flush();
    const before = epochs.peek(2)?.epoch ?? 0;
    now = 1_000_030;
    source.onPayload?.('em16d:1000000');
    source.onPayload?.('apo:1000010');
    expect(epochs.peek(2)?.epoch).toBe(before + 2);
    const text = await registry.metrics();
    expect(text).toMatch(/edge_cache_invalidation_lag_seconds_count 2/);
    expect(text).toMatch(/edge_cache_invalidation_lag_seconds_sum 0\.05/);
    expect(text).toContain('edge_cache_listeners{state="connected"} 1');
    await listener.close();
  });

  it('is in bypass while disconnected; on reconnect bumps, then serves', async () => {
    const epochs = new TenantEpochs();
    const source = new ScriptedSource();
    const listener = new TenantListener({ connect: () => source, epochs });
    listener.watch(tenant(3));
    source.establish();
    await flush();
    const e1 = epochs.peek(3)?.epoch ?? 0;
    source.onState?.('disconnected');
    expect(listener.bypassReason(3)).toBe('listener-down');
    expect(listener.states().get(3)).toBe('disconnected');
    source.onState?.('connected');
    expect(listener.bypassReason(3)).toBeUndefined();
    expect(epochs.peek(3)?.epoch).toBe(e1 + 1);
    await listener.close();
  });

  it('retries a listen() that rejected, staying in bypass meanwhile', async () => {
    const epochs = new TenantEpochs();
    const source = new ScriptedSource();
    source.fail = 1;
    const errors: number[] = [];
    const listener = new TenantListener({
      connect: () => source,
      epochs,
      retryDelayMs: 10,
      onError: (id) => errors.push(id),
    });
    listener.watch(tenant(4));
    await flush();
    expect(listener.bypassReason(4)).toBe('listener-down');
    expect(errors).toEqual([4]);
    await new Promise((r) => setTimeout(r, 30));
    source.establish();
    await flush();
    expect(listener.bypassReason(4)).toBeUndefined();
    await listener.close();
  });

  it('parses payloads', () => {
    expect(parseCacheNotification('erezs:1732900000123')).toEqual({
      table: 'erezs',
      changedAtMs: 1732900000123,
    });
    expect(parseCacheNotification('apo')).toEqual({ table: 'apo', changedAtMs: undefined });
  });
});

describe('TenantListener with a source that resolves listen() while still disconnected', () => {
  it('stays in bypass until the source reports connected', async () => {
    const epochs = new TenantEpochs();
    let onState: ((s: 'connected' | 'disconnected') => void) | undefined;
    const source: TenantNotificationSource = {
      async listen(_channel, _onPayload, state) {
        onState = state;
        state?.('disconnected'); // like pg-listener when the first connect fails
        return async () => undefined;
      },
    };
    const listener = new TenantListener({ connect: () => source, epochs });
    listener.watch(tenant(5));
    await flush();
    expect(listener.bypassReason(5)).toBe('listener-down');
    expect(epochs.peek(5)).toBeUndefined();
    onState?.('connected');
    expect(listener.bypassReason(5)).toBeUndefined();
    expect(epochs.peek(5)?.epoch).toBe(1);
    await listener.close();
  });
});

describe('TenantListener with trigger verification', () => {
  it('stays in bypass (unverified) until verify passes, re-checking periodically', async () => {
    const epochs = new TenantEpochs();
    const source = new ScriptedSource();
    let ok = false;
    const listener = new TenantListener({
      connect: () => source,
      epochs,
      verify: async () => ok,
      verifyRetryMs: 20,
    });
    listener.watch(tenant(6));
    source.establish();
    await flush();
    expect(listener.bypassReason(6)).toBe('triggers-unverified');
    expect(epochs.peek(6)).toBeUndefined();
    ok = true;
    await new Promise((r) => setTimeout(r, 40));
    expect(listener.bypassReason(6)).toBeUndefined();
    expect(epochs.peek(6)?.epoch).toBe(1);
    await listener.close();
  });

  it('a connect() that throws (bad connection string) leaves the tenant in bypass', async () => {
    const errors: unknown[] = [];
    const listener = new TenantListener({
      connect: () => {
        throw new Error('unparsable');
      },
      epochs: new TenantEpochs(),
      onError: (_id, err) => errors.push(err),
    });
    listener.watch(tenant(7));
    expect(listener.bypassReason(7)).toBe('listener-down');
    expect(errors).toHaveLength(1);
    await listener.close();
  });

  it('restarts when the tenant connection string changes', async () => {
    const sources: ScriptedSource[] = [];
    const listener = new TenantListener({
      connect: () => {
        const s = new ScriptedSource();
        sources.push(s);
        return s;
      },
      epochs: new TenantEpochs(),
    });
    listener.watch(tenant(8));
    sources[0]?.establish();
    await flush();
    listener.watch({ datenbankId: 8, connectionString: 'Host=y;Database=moved' });
    expect(listener.bypassReason(8)).toBe('not-watched');
    await flush();
    expect(sources).toHaveLength(2);
    expect(sources[0]?.closed).toBe(true);
    expect(listener.bypassReason(8)).toBe('listener-connecting');
    await listener.close();
  });
});
