// Step 7 of the legacy handler: BCrypt.Net-Next 4.0.3 `Verify` when login_passwort_crypt is non-empty,
// otherwise ordinal equality with login_passwort. BCrypt runs on the libuv pool (never on the event
// loop), behind a small concurrency limit so a burst of logins cannot starve DNS/fs work.
import { timingSafeEqual } from 'node:crypto';
import { verify as bcryptVerify } from '@node-rs/bcrypt';

export type PasswordCheck = 'match' | 'mismatch' | 'error';

export interface StoredPassword {
  /** arzsw_benutzer.login_passwort */
  readonly plain: string;
  /** arzsw_benutzer.login_passwort_crypt */
  readonly crypt: string | null;
}

export interface PasswordChecker {
  check(password: string, stored: StoredPassword): Promise<PasswordCheck>;
}

export interface PasswordCheckerOptions {
  /** Concurrent BCrypt verifications (each occupies one libuv thread). */
  maxConcurrentBcrypt: number;
  /** Called once per BCrypt verification actually run, with its duration. */
  onBcrypt?: (durationSeconds: number) => void;
  /** Replaceable for tests; defaults to @node-rs/bcrypt `verify` (async, thread pool). */
  verify?: (password: string, hash: string) => Promise<boolean>;
}

/**
 * BCrypt.Net-Next verifies by re-hashing and comparing the full 60-character string, so only a hash
 * in canonical form can ever match: `$2a|b|x|y$`, two-digit cost 04–31, 22 salt symbols whose unused
 * low 4 bits are zero, 31 hash symbols whose unused low 2 bits are zero. Anything else throws there or
 * compares unequal — a failed login either way. The Rust verifier behind @node-rs/bcrypt is laxer (it
 * skips empty `$` segments, for one), so the form is checked here first.
 */
export function isCanonicalBcryptHash(hash: string): boolean {
  const m = BCRYPT_FORM.exec(hash);
  if (!m) return false;
  const salt = m[1] as string;
  const digest = m[2] as string;
  return (
    BCRYPT_ALPHABET.indexOf(salt[21] as string) % 16 === 0 &&
    BCRYPT_ALPHABET.indexOf(digest[30] as string) % 4 === 0
  );
}

const BCRYPT_FORM = /^\$2[abxy]\$(?:0[4-9]|[12][0-9]|3[01])\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Ordinal (UTF-16 code unit) equality, without an early exit on the first differing unit. */
export function ordinalEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf16le'), Buffer.from(b, 'utf16le'));
}

export function createPasswordChecker(options: PasswordCheckerOptions): PasswordChecker {
  const verify = options.verify ?? bcryptVerify;
  const limit = Math.max(1, Math.floor(options.maxConcurrentBcrypt));
  let running = 0;
  const waiting: Array<() => void> = [];

  const acquire = (): Promise<void> => {
    if (running < limit) {
      running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  return {
    async check(password, stored) {
      // `string.IsNullOrEmpty(login_passwort_crypt)` decides the branch (a whitespace hash is "non-empty").
      if (stored.crypt === null || stored.crypt === '') {
        return ordinalEquals(password, stored.plain) ? 'match' : 'mismatch';
      }
      if (!isCanonicalBcryptHash(stored.crypt)) return 'error';
      await acquire();
      const started = process.hrtime.bigint();
      try {
        return (await verify(password, stored.crypt)) ? 'match' : 'mismatch';
      } catch {
        return 'error';
      } finally {
        options.onBcrypt?.(Number(process.hrtime.bigint() - started) / 1e9);
        release();
      }
    },
  };
}
