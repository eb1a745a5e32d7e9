// throttle: per-login and per-address failure windows, cooldowns, bounded memory, IPv6 /64 grouping.
import { describe, expect, it } from 'vitest';
import {
  addressKey,
  createAuthThrottle,
  type AuthThrottleOptions,
} from '../../../src/adapters/auth/throttle.js';

function setup(overrides: Partial<AuthThrottleOptions> = {}) {
  let t = 0;
  const throttle = createAuthThrottle({
    enabled: true,
    maxFailuresPerLogin: 3,
    maxFailuresPerIp: 5,
    windowMs: 60_000,
    cooldownMs: 30_000,
    maxTrackedKeys: 100,
    now: () => t,
    ...overrides,
  });
  return { throttle, advance: (ms: number) => (t += ms) };
}

describe('auth throttle', () => {
  it('blocks a login name after N failures for the cooldown, then allows again', () => {
    const { throttle, advance } = setup();
    for (let i = 0; i < 2; i += 1) throttle.recordFailure('alice', `10.0.0.${i}`);
    expect(throttle.blockedBy('alice', '10.9.9.9')).toBeUndefined();
    throttle.recordFailure('alice', '10.0.0.3');
    expect(throttle.blockedBy('alice', '10.9.9.9')).toBe('login');
    expect(throttle.blockedBy('bob', '10.9.9.9')).toBeUndefined();
    advance(29_999);
    expect(throttle.blockedBy('alice', '10.9.9.9')).toBe('login');
    advance(1);
    expect(throttle.blockedBy('alice', '10.9.9.9')).toBeUndefined();
    // The count restarted with the cooldown: one more failure does not block again.
    throttle.recordFailure('alice', '10.0.0.4');
    expect(throttle.blockedBy('alice', '10.9.9.9')).toBeUndefined();
  });

  it('blocks an address after N failures across login names', () => {
    const { throttle } = setup();
    for (let i = 0; i < 5; i += 1) throttle.recordFailure(`user${i}`, '192.0.2.7');
    expect(throttle.blockedBy('someone-else', '192.0.2.7')).toBe('ip');
    expect(throttle.blockedBy('someone-else', '192.0.2.8')).toBeUndefined();
  });

  it('forgets failures older than the window', () => {
    const { throttle, advance } = setup();
    throttle.recordFailure('alice', '1.1.1.1');
    throttle.recordFailure('alice', '1.1.1.1');
    advance(60_000);
    throttle.recordFailure('alice', '1.1.1.1');
    expect(throttle.blockedBy('alice', '1.1.1.2')).toBeUndefined();
  });

  it('failures during a cooldown neither count nor extend it', () => {
    const { throttle, advance } = setup();
    for (let i = 0; i < 3; i += 1) throttle.recordFailure('alice', '1.1.1.1');
    advance(20_000);
    for (let i = 0; i < 10; i += 1) throttle.recordFailure('alice', '1.1.1.1');
    advance(10_000);
    expect(throttle.blockedBy('alice', '1.1.1.9')).toBeUndefined();
  });

  it('can be disabled, and the per-address limit alone can be switched off', () => {
    const off = setup({ enabled: false }).throttle;
    for (let i = 0; i < 50; i += 1) off.recordFailure('alice', '1.1.1.1');
    expect(off.blockedBy('alice', '1.1.1.1')).toBeUndefined();
    const noIp = setup({ maxFailuresPerIp: 0 }).throttle;
    for (let i = 0; i < 50; i += 1) noIp.recordFailure(`u${i}`, '1.1.1.1');
    expect(noIp.blockedBy('fresh', '1.1.1.1')).toBeUndefined();
  });

  it('keeps at most maxTrackedKeys counters per scope', () => {
    const { throttle } = setup({ maxTrackedKeys: 2, maxFailuresPerIp: 0 });
    throttle.recordFailure('a', 'x');
    throttle.recordFailure('a', 'x');
    throttle.recordFailure('b', 'x');
    throttle.recordFailure('c', 'x'); // evicts the counter of "a"
    throttle.recordFailure('a', 'x');
    expect(throttle.blockedBy('a', 'x')).toBeUndefined();
  });

  it('groups IPv6 by /64 and unwraps IPv4-mapped addresses', () => {
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002::7')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
