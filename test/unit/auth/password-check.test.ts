// password-check: step 7 — BCrypt.Net-Next 4.0.3 semantics (canonical hashes only, $2a/b/x/y), the
// plaintext fallback with ordinal equality, and the BCrypt concurrency limit.
import { hashSync } from '@node-rs/bcrypt';
import { describe, expect, it } from 'vitest';
import {
  createPasswordChecker,
  isCanonicalBcryptHash,
  ordinalEquals,
} from '../../../src/adapters/auth/password-check.js';

// Test vectors of BCrypt.Net's own test suite (jBCrypt lineage); cost 06/08 keeps them fast.
const VECTORS: [string, string][] = [
  ['', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.'],
  ['a', '$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe'],
  ['abc', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
  ['abcdefghijklmnopqrstuvwxyz', '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC'],
  ['~!@#$%^&*()      ~!@#$%^&*()PNBFRD', '$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO'],
  ['abc', '$2a$08$Ro0CUfOqk6cXEKf3dyaM7OhSCvnwM9s4wIX9JeLapehKK5YdLxKcm'],
];

const checker = createPasswordChecker({ maxConcurrentBcrypt: 2 });
const crypt = (hash: string) => ({ plain: 'unused', crypt: hash });

describe('BCrypt branch', () => {
  it.each(VECTORS)(
    'BCrypt.Net vector %j matches and a different password does not',
    async (password, hash) => {
      expect(await checker.check(password, crypt(hash))).toBe('match');
      expect(await checker.check(`${password}x`, crypt(hash))).toBe('mismatch');
    },
  );

  it('treats $2b$, $2x$ and $2y$ exactly like $2a$ (BCrypt.Net-Next has no 2x bug emulation)', async () => {
    const [password, hash] = VECTORS[2] as [string, string];
    for (const v of ['b', 'x', 'y']) {
      expect(await checker.check(password, crypt(hash.replace('$2a$', `$2${v}$`)))).toBe('match');
    }
  });

  it('verifies hashes made by @node-rs/bcrypt, with UTF-8 and ":" in the password', async () => {
    const password = 'pä:ss:wört €';
    const hash = hashSync(password, 4);
    expect(await checker.check(password, crypt(hash))).toBe('match');
    expect(await checker.check('pa:ss:wort €', crypt(hash))).toBe('mismatch');
  });

  it('only the first 72 bytes (with the terminating NUL) count', async () => {
    const long = 'x'.repeat(72);
    const hash = hashSync(long, 4);
    expect(await checker.check(`${long}anything`, crypt(hash))).toBe('match');
  });

  const good = VECTORS[0]?.[1] as string;
  it.each([
    [
      '$2$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.',
      'no minor revision (BCrypt.Net never matches it)',
    ],
    [good.replace('$2a$', '$2c$'), 'unknown revision'],
    [good.replace('$2a$', '$2A$'), 'upper-case revision'],
    [good.replace('$06$', '$6$'), 'one-digit cost'],
    [good.replace('$06$', '$03$'), 'cost below 4'],
    [good.replace('$06$', '$32$'), 'cost above 31'],
    [good.replace('$2a$06$', () => '$2a$$06$'), 'empty segment (the Rust parser would skip it)'],
    [good.slice(1), 'no leading $'],
    [`${good}$`, 'trailing $'],
    [`${good} `, 'trailing space'],
    [good.slice(0, -1), 'too short'],
    [good.replace('cll.', 'cllA'), 'non-canonical last salt symbol'],
    [good.replace(/.$/, '/'), 'non-canonical last hash symbol'],
    [good.replace('Rq63', 'Rq6+'), 'character outside the bcrypt alphabet'],
    ['   ', 'blank (still "non-empty" for string.IsNullOrEmpty)'],
  ])('%j is not a usable hash: %s', async (hash) => {
    expect(isCanonicalBcryptHash(hash)).toBe(false);
    expect(await checker.check('', crypt(hash))).toBe('error');
  });
});

describe('plaintext branch (login_passwort_crypt NULL or empty)', () => {
  it('compares ordinally with login_passwort', async () => {
    for (const cryptValue of [null, '']) {
      expect(await checker.check('123456', { plain: '123456', crypt: cryptValue })).toBe('match');
      expect(await checker.check('123456 ', { plain: '123456', crypt: cryptValue })).toBe('mismatch');
      expect(await checker.check('ABC', { plain: 'abc', crypt: cryptValue })).toBe('mismatch');
    }
  });

  it('an empty stored password accepts exactly the empty password', async () => {
    expect(await checker.check('', { plain: '', crypt: null })).toBe('match');
    expect(await checker.check(' ', { plain: '', crypt: null })).toBe('mismatch');
  });

  it('ordinalEquals is code-unit equality (no normalisation, no case folding)', () => {
    expect(ordinalEquals('é', 'é')).toBe(true);
    expect(ordinalEquals('é', 'e\u0301')).toBe(false);
    expect(ordinalEquals('ß', 'ss')).toBe(false);
    expect(ordinalEquals('', '')).toBe(true);
  });
});

describe('concurrency limit', () => {
  it('never runs more BCrypt verifications at once than allowed, and reports each one', async () => {
    let running = 0;
    let peak = 0;
    const durations: number[] = [];
    const limited = createPasswordChecker({
      maxConcurrentBcrypt: 2,
      onBcrypt: (s) => durations.push(s),
      verify: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        return true;
      },
    });
    const hash = VECTORS[0]?.[1] as string;
    const results = await Promise.all(Array.from({ length: 9 }, () => limited.check('', crypt(hash))));
    expect(results.every((r) => r === 'match')).toBe(true);
    expect(peak).toBe(2);
    expect(durations).toHaveLength(9);
  });

  it('a verifier that throws is a failed check, not an exception', async () => {
    const throwing = createPasswordChecker({
      maxConcurrentBcrypt: 1,
      verify: () => Promise.reject(new Error('boom')),
    });
    expect(await throwing.check('', crypt(VECTORS[0]?.[1] as string))).toBe('error');
  });
});
