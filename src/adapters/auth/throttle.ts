// Failed-login throttling: after `maxFailures` failed checks for one login name, or from one client
// address, within `windowMs`, further uncached attempts are refused for `cooldownMs` without touching
// the management DB or BCrypt. Bounded memory (LRU of counters); login names are kept only as hashes.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export type ThrottleScope = 'login' | 'ip';

export interface AuthThrottleOptions {
  enabled: boolean;
  /** Failures per login name within the window that start a cooldown. */
  maxFailuresPerLogin: number;
  /** Failures per client address within the window that start a cooldown. 0 disables the per-address limit. */
  maxFailuresPerIp: number;
  windowMs: number;
  cooldownMs: number;
  /** Counters kept per scope; the least recently touched is forgotten first. */
  maxTrackedKeys: number;
  now?: () => number;
}

export interface AuthThrottle {
  /** The scope that currently blocks this attempt, or undefined. */
  blockedBy(loginName: string, clientIp: string): ThrottleScope | undefined;
  /** Counts one failed credential check (management row missing, wrong password, unusable row). */
  recordFailure(loginName: string, clientIp: string): void;
}

interface Counter {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/**
 * Decisions:
 * - A success resets no counter. Resetting the address counter would let anyone holding one valid
 *   account launder an address between guesses; resetting the login counter would hand a distributed
 *   guesser a fresh allowance after every legitimate login. Counters simply age out with the window.
 * - Credentials already in the success cache are never throttled (the authenticator answers them
 *   before asking here), so an attacker guessing a login name does not lock out its owner's running
 *   clients — only fresh verifications of that login wait for the cooldown.
 * - Reaching the limit starts one cooldown and restarts the count; attempts refused during the
 *   cooldown are not counted (they cost nothing and must not extend it indefinitely).
 */
export function createAuthThrottle(options: AuthThrottleOptions): AuthThrottle {
  const now = options.now ?? (() => performance.now());
  const max = Math.max(1, Math.floor(options.maxTrackedKeys));
  const logins = new LRUCache<string, Counter>({ max });
  const ips = new LRUCache<string, Counter>({ max });
  const loginKey = (loginName: string) => createHash('sha256').update(loginName, 'utf8').digest('base64url');

  const blocked = (counter: Counter | undefined, t: number) =>
    counter !== undefined && counter.blockedUntil > t;

  const count = (map: LRUCache<string, Counter>, key: string, limit: number, t: number) => {
    if (limit <= 0) return;
    let counter = map.get(key);
    if (!counter || t - counter.windowStart >= options.windowMs) {
      counter = { windowStart: t, failures: 0, blockedUntil: counter?.blockedUntil ?? 0 };
      map.set(key, counter);
    }
    if (counter.blockedUntil > t) return;
    counter.failures += 1;
    if (counter.failures >= limit) {
      counter.blockedUntil = t + options.cooldownMs;
      counter.failures = 0;
      counter.windowStart = t;
    }
  };

  return {
    blockedBy(loginName, clientIp) {
      if (!options.enabled) return undefined;
      const t = now();
      if (blocked(logins.get(loginKey(loginName)), t)) return 'login';
      if (options.maxFailuresPerIp > 0 && blocked(ips.get(addressKey(clientIp)), t)) return 'ip';
      return undefined;
    },
    recordFailure(loginName, clientIp) {
      if (!options.enabled) return;
      const t = now();
      count(logins, loginKey(loginName), options.maxFailuresPerLogin, t);
      count(ips, addressKey(clientIp), options.maxFailuresPerIp, t);
    },
  };
}

/**
 * The per-address counter key: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 prefix — one
 * IPv6 host usually owns a whole /64 and could otherwise rotate through it.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.split('%')[0]!.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = Math.max(0, 8 - headGroups.length - tailGroups.length);
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
