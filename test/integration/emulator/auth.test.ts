// CONTRACT §4.1: the Basic handler on every request — one ArzSw query per request, BCrypt or the
// ordinal plaintext fallback, every failure a 401 challenge with an empty body on [Authorize] endpoints.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/emulator.js';
import {
  basicAuth,
  bcryptHash,
  DEFAULT_USER,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';

const CHALLENGE = 'Basic realm="ArzTi3 API", charset="UTF-8"';

describeWith(['postgres'], 'emulator: Basic authentication (§4.1)', () => {
  let legacy: LegacyFixture;

  beforeAll(async () => {
    legacy = await startLegacyFixture({
      prefix: 'auth',
      users: [
        { loginName: 'crypt_user', passwordCrypt: bcryptHash('s3cret!') },
        { loginName: 'colon_user', password: 'pa:ss:word' },
        { loginName: 'müller_ß', password: 'grüße' },
        { loginName: 'empty_pw', password: '' },
        { loginName: 'bad_hash', passwordCrypt: 'not-a-bcrypt-hash', password: 'x' },
      ],
    });
  });

  afterAll(async () => {
    await legacy?.close();
  });

  /** An [Authorize] endpoint that runs no tenant SQL (unknown type selects nothing). */
  const call = (authorization?: string) =>
    fetch(`${legacy.url}/v2/rezept?type=none`, {
      headers: authorization === undefined ? {} : { authorization },
    });

  async function expectChallenge(res: Response): Promise<void> {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
  }

  async function counted(fn: () => Promise<void>): Promise<{ queries: number; bcrypt: number }> {
    const before = { ...legacy.emulator.stats };
    await fn();
    return {
      queries: legacy.emulator.stats.managementQueries - before.managementQueries,
      bcrypt: legacy.emulator.stats.bcryptVerifies - before.bcryptVerifies,
    };
  }

  it('accepts a valid BCrypt user: one management query, one BCrypt verification', async () => {
    const n = await counted(async () => {
      const res = await call(basicAuth('crypt_user', 's3cret!'));
      expect(res.status).toBe(200);
      await res.text();
    });
    expect(n).toEqual({ queries: 1, bcrypt: 1 });
  });

  it('accepts a valid plaintext user without BCrypt', async () => {
    const n = await counted(async () => {
      const res = await call(basicAuth(DEFAULT_USER.loginName, DEFAULT_USER.password));
      expect(res.status).toBe(200);
      await res.text();
    });
    expect(n).toEqual({ queries: 1, bcrypt: 0 });
  });

  it('rejects a wrong plaintext password and a wrong BCrypt password', async () => {
    await expectChallenge(await call(basicAuth(DEFAULT_USER.loginName, '1234567')));
    const n = await counted(async () => expectChallenge(await call(basicAuth('crypt_user', 'S3cret!'))));
    expect(n).toEqual({ queries: 1, bcrypt: 1 });
  });

  it('rejects an unknown user after one query and no BCrypt', async () => {
    const n = await counted(async () => expectChallenge(await call(basicAuth('nobody', 'x'))));
    expect(n).toEqual({ queries: 1, bcrypt: 0 });
  });

  it('compares the login name case-sensitively', async () => {
    await expectChallenge(await call(basicAuth(DEFAULT_USER.loginName.toUpperCase(), DEFAULT_USER.password)));
  });

  it('rejects invalid Base64 without querying the database', async () => {
    const n = await counted(async () => {
      await expectChallenge(await call('Basic !!!notbase64!!!'));
      await expectChallenge(await call('Basic YWJj')); // "abc": no ':' → invalid header
      await expectChallenge(await call('Basic YXBvdGk')); // missing padding
    });
    expect(n).toEqual({ queries: 0, bcrypt: 0 });
  });

  it('rejects a missing header, an empty header and a scheme-only header without a query', async () => {
    const n = await counted(async () => {
      await expectChallenge(await call());
      await expectChallenge(await call(''));
      await expectChallenge(await call('Basic'));
    });
    expect(n).toEqual({ queries: 0, bcrypt: 0 });
  });

  it('rejects another scheme (Bearer) without a query', async () => {
    const token = Buffer.from(`${DEFAULT_USER.loginName}:${DEFAULT_USER.password}`).toString('base64');
    const n = await counted(async () => expectChallenge(await call(`Bearer ${token}`)));
    expect(n.queries).toBe(0);
  });

  it('accepts the scheme name in any case', async () => {
    const token = Buffer.from(`${DEFAULT_USER.loginName}:${DEFAULT_USER.password}`).toString('base64');
    const res = await call(`bAsIc ${token}`);
    expect(res.status).toBe(200);
    await res.text();
  });

  it('splits at the first colon: a password may contain ":"', async () => {
    const res = await call(basicAuth('colon_user', 'pa:ss:word'));
    expect(res.status).toBe(200);
    await res.text();
    await expectChallenge(await call(basicAuth('colon_user', 'pa')));
  });

  it('decodes credentials as UTF-8 (a Latin-1 encoded header does not match)', async () => {
    const res = await call(basicAuth('müller_ß', 'grüße'));
    expect(res.status).toBe(200);
    await res.text();
    const latin1 = `Basic ${Buffer.from('müller_ß:grüße', 'latin1').toString('base64')}`;
    await expectChallenge(await call(latin1));
  });

  it('lets a user with an empty login_passwort and no hash in with an empty password', async () => {
    const res = await call(basicAuth('empty_pw', ''));
    expect(res.status).toBe(200);
    await res.text();
    await expectChallenge(await call(basicAuth('empty_pw', 'x')));
  });

  it('treats an unparsable BCrypt hash as a failed login (401, not 500)', async () => {
    await expectChallenge(await call(basicAuth('bad_hash', 'x')));
  });

  it('authenticates on anonymous endpoints and unknown paths too, ignoring a failure there', async () => {
    const n = await counted(async () => {
      const health = await fetch(`${legacy.url}/api/Health/arzsw`, {
        headers: { authorization: basicAuth('nobody', 'x') },
      });
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('{"status":"ok"}');
      const missing = await fetch(`${legacy.url}/no/such/path`, { headers: { authorization: legacy.auth } });
      expect(missing.status).toBe(404);
      await missing.text();
    });
    expect(n.queries).toBe(2);
  });

  it('answers 401 (not 500) when the management database is unreachable', async () => {
    const broken = await startEmulator({
      management: `${legacy.management.url.replace(/\/[^/]*$/, '')}/edge_test_does_not_exist`,
    });
    try {
      const res = await fetch(`${broken.url}/v2/rezept`, { headers: { authorization: legacy.auth } });
      await expectChallenge(res);
      expect(broken.stats.managementQueries).toBe(1);
    } finally {
      await broken.close();
    }
  });
});
