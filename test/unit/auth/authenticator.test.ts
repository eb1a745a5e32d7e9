// authenticator: the decision table of CONTRACT §4.1 against a fake management DB, plus cache,
// single-flight, throttling, unavailability and metrics. Real PostgreSQL runs in test/integration/auth.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createAuthenticator, type AuthenticatorOptions } from '../../../src/adapters/auth/authenticator.js';
import { createCredentialCache } from '../../../src/adapters/auth/credential-cache.js';
import type { SqlExecutor, SqlResult } from '../../../src/core/sql-port.js';
import { isEdgeError } from '../../../src/errors.js';

const BCRYPT_ABC = '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'; // password "abc"

interface FakeUser {
  id: number;
  login: string;
  plain: string;
  crypt?: string | null;
  datenbankId?: number;
  mandantId?: number;
  nullColumn?: string;
}

function fakeManagement(users: FakeUser[]) {
  const state = { queries: 0, down: false, delayMs: 0 };
  const db: SqlExecutor = {
    async query<Row>(_text: string, params?: readonly unknown[]): Promise<SqlResult<Row>> {
      state.queries += 1;
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      const u = users.find((x) => x.login === params?.[0]);
      if (!u) return { rows: [], rowCount: 0 };
      const row: Record<string, unknown> = {
        arzsw_benutzer_id: u.id,
        benutzer_name: u.login,
        login_name: u.login,
        login_passwort: u.plain,
        login_passwort_crypt: u.crypt ?? null,
        arzsw_mandant_id: u.mandantId ?? 1,
        arzsw_datenbank_id: u.datenbankId ?? 1,
        mandant_pk: u.mandantId ?? 1,
        code_kenner: `M${u.mandantId ?? 1}`,
        mandant_name: 'm',
        datenbank_pk: u.datenbankId ?? 1,
        datenbank_name: 'd',
        datenbank_connection_string: `Host=tenant${u.datenbankId ?? 1}`,
        datenbank_mandant_id: u.mandantId ?? 1,
      };
      if (u.nullColumn) row[u.nullColumn] = null;
      return { rows: [row as Row], rowCount: 1 };
    },
  };
  return { db, state };
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function setup(users: FakeUser[], options: Partial<AuthenticatorOptions> = {}) {
  const registry = new Registry();
  const management = fakeManagement(users);
  const cache = createCredentialCache({ maxEntries: 1000, successTtlMs: 60_000, failureTtlMs: 5_000 });
  const authenticator = createAuthenticator({ management: management.db, cache, registry, options });
  const counter = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    return (metric?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
      .reduce((sum, v) => sum + v.value, 0);
  };
  const auth = (authorization: string | undefined, clientIp = '10.0.0.1') =>
    authenticator.authenticate({
      authorization: authorization === undefined ? [] : [authorization],
      clientIp,
    });
  return { auth, management: management.state, cache, counter };
}

const USERS: FakeUser[] = [
  { id: 1, login: 'plain', plain: 'secret' },
  { id: 2, login: 'crypt', plain: 'ignored', crypt: BCRYPT_ABC, datenbankId: 7, mandantId: 3 },
  { id: 3, login: 'empty', plain: '' },
  { id: 4, login: 'colon', plain: 'a:b:c' },
  { id: 5, login: 'Jürgen', plain: 'pässwört' },
  { id: 6, login: 'badhash', plain: 'x', crypt: '$2a$06$tooshort' },
  { id: 7, login: 'nullcode', plain: 'x', nullColumn: 'code_kenner' },
];

describe('authenticator decisions (CONTRACT §4.1)', () => {
  it.each([
    ['valid plaintext', basic('plain', 'secret'), 'ok'],
    ['valid bcrypt', basic('crypt', 'abc'), 'ok'],
    ['empty password user', basic('empty', ''), 'ok'],
    ['password containing ":"', basic('colon', 'a:b:c'), 'ok'],
    ['UTF-8 login and password', basic('Jürgen', 'pässwört'), 'ok'],
    ['wrong plaintext password', basic('plain', 'Secret'), 'wrong-password'],
    ['wrong bcrypt password', basic('crypt', 'abd'), 'wrong-password'],
    ['login name is case-sensitive', basic('PLAIN', 'secret'), 'unknown-user'],
    ['unknown user', basic('nobody', 'x'), 'unknown-user'],
    ['unparsable hash', basic('badhash', 'x'), 'error'],
    ['NULL in a NOT NULL-mapped column', basic('nullcode', 'x'), 'error'],
    ['NUL in the login name', basic('pl\u0000ain', 'secret'), 'error'],
    ['missing header', undefined, 'missing'],
    ['bad Base64', 'Basic not*base64', 'invalid-header'],
    ['wrong scheme', `Bearer ${Buffer.from('plain:secret').toString('base64')}`, 'invalid-header'],
    ['no colon', `Basic ${Buffer.from('plain').toString('base64')}`, 'invalid-header'],
    ['two joined values', `${basic('plain', 'secret')},${basic('plain', 'secret')}`, 'invalid-header'],
    ['empty value', '', 'invalid-header'],
  ])('%s → %s', async (_name, header, expected) => {
    const { auth } = setup(USERS);
    const result = await auth(header);
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });

  it('builds the principal from the joined rows', async () => {
    const { auth } = setup(USERS);
    const result = await auth(basic('crypt', 'abc'));
    expect(result).toEqual({
      ok: true,
      principal: {
        userId: 2,
        loginName: 'crypt',
        mandantId: 3,
        clientCode: 'M3',
        tenant: { datenbankId: 7, connectionString: 'Host=tenant7' },
      },
    });
  });

  it('malformed headers cost no query', async () => {
    const { auth, management } = setup(USERS);
    await auth(undefined);
    await auth('Basic %%%');
    await auth('Digest a=b');
    expect(management.queries).toBe(0);
  });
});

describe('caching and single-flight', () => {
  it('a warm cache answers without query or BCrypt', async () => {
    const { auth, management, counter } = setup(USERS);
    expect((await auth(basic('crypt', 'abc'))).ok).toBe(true);
    for (let i = 0; i < 200; i += 1) expect((await auth(basic('crypt', 'abc'))).ok).toBe(true);
    expect(management.queries).toBe(1);
    expect(await counter('edge_auth_bcrypt_verifies_total')).toBe(1);
    expect(await counter('edge_auth_cache_lookups_total', { result: 'hit' })).toBe(200);
    expect(await counter('edge_auth_results_total', { outcome: 'authenticated' })).toBe(201);
  });

  it('remembers failures briefly (negative cache)', async () => {
    const { auth, management, counter } = setup(USERS);
    for (let i = 0; i < 3; i += 1)
      expect(await auth(basic('plain', 'nope'))).toMatchObject({ reason: 'wrong-password' });
    expect(management.queries).toBe(1);
    expect(await counter('edge_auth_cache_lookups_total', { result: 'negative-hit' })).toBe(2);
  });

  it('concurrent identical headers share one query and one BCrypt', async () => {
    const { auth, management, counter } = setup(USERS);
    management.delayMs = 20;
    const results = await Promise.all(Array.from({ length: 50 }, () => auth(basic('crypt', 'abc'))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(management.queries).toBe(1);
    expect(await counter('edge_auth_bcrypt_verifies_total')).toBe(1);
  });

  it('an invalidation during the lookup keeps the result out of the cache', async () => {
    const { auth, management, cache } = setup(USERS);
    management.delayMs = 20;
    const pending = auth(basic('plain', 'secret'));
    await new Promise((r) => setTimeout(r, 5));
    cache.invalidate({ users: [1] });
    expect((await pending).ok).toBe(true);
    expect(cache.size()).toBe(0);
  });
});

describe('management DB unavailable', () => {
  it('reports unavailable (EDGE_AUTH_UNAVAILABLE) without throwing, and caches nothing', async () => {
    const { auth, management, cache, counter } = setup(USERS);
    management.down = true;
    const result = await auth(basic('plain', 'secret'));
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toBe('unavailable');
    expect(
      result.ok === false &&
        result.reason === 'unavailable' &&
        isEdgeError(result.error, 'EDGE_AUTH_UNAVAILABLE'),
    ).toBe(true);
    expect(cache.size()).toBe(0);
    expect(await counter('edge_auth_management_queries_total', { outcome: 'error' })).toBe(1);
    management.down = false;
    expect((await auth(basic('plain', 'secret'))).ok).toBe(true);
  });

  it('keeps honouring credentials verified before the outage (bounded by the TTL)', async () => {
    const { auth, management } = setup(USERS);
    expect((await auth(basic('plain', 'secret'))).ok).toBe(true);
    management.down = true;
    expect((await auth(basic('plain', 'secret'))).ok).toBe(true);
    expect((await auth(basic('colon', 'a:b:c'))).ok === false).toBe(true);
  });
});

describe('throttling', () => {
  const throttle = {
    enabled: true,
    maxFailuresPerLogin: 10,
    maxFailuresPerIp: 10,
    windowMs: 60_000,
    cooldownMs: 150,
    maxTrackedKeys: 100,
  };

  it('20 wrong passwords cost at most N queries; the right one works after the cooldown', async () => {
    const { auth, management, counter } = setup(USERS, { throttle });
    const reasons: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const r = await auth(basic('crypt', `wrong-${i}`));
      reasons.push(r.ok ? 'ok' : r.reason);
    }
    expect(management.queries).toBe(10);
    expect(reasons.slice(0, 10).every((r) => r === 'wrong-password')).toBe(true);
    expect(reasons.slice(10).every((r) => r === 'throttled')).toBe(true);
    expect(await counter('edge_auth_throttled_total')).toBe(10);
    expect(await counter('edge_auth_bcrypt_verifies_total')).toBe(10);
    expect(await auth(basic('crypt', 'abc'))).toMatchObject({ reason: 'throttled' });
    await new Promise((r) => setTimeout(r, 160));
    expect((await auth(basic('crypt', 'abc'))).ok).toBe(true);
  });

  it('credentials already in the cache are never throttled', async () => {
    const { auth } = setup(USERS, { throttle: { ...throttle, cooldownMs: 60_000 } });
    expect((await auth(basic('crypt', 'abc'), '10.0.0.1')).ok).toBe(true);
    for (let i = 0; i < 15; i += 1) await auth(basic('crypt', `guess-${i}`), '203.0.113.9');
    expect(await auth(basic('crypt', 'x'), '203.0.113.9')).toMatchObject({ reason: 'throttled' });
    expect((await auth(basic('crypt', 'abc'), '10.0.0.1')).ok).toBe(true);
  });

  it('blocks a guessing address across login names', async () => {
    const { auth, management } = setup(USERS, { throttle: { ...throttle, cooldownMs: 60_000 } });
    for (let i = 0; i < 10; i += 1) await auth(basic(`nobody-${i}`, 'x'), '198.51.100.1');
    const before = management.queries;
    expect(await auth(basic('plain', 'secret'), '198.51.100.1')).toMatchObject({ reason: 'throttled' });
    expect(management.queries).toBe(before);
    expect((await auth(basic('plain', 'secret'), '198.51.100.2')).ok).toBe(true);
  });
});

describe('several Authorization headers', () => {
  it('are joined like ASP.NET: two credentials fail, an extra empty one is ignored', async () => {
    const { authenticate } = setupRaw(USERS);
    const good = basic('plain', 'secret');
    expect(await authenticate([good, good])).toMatchObject({ reason: 'invalid-header' });
    expect((await authenticate([good, ''])).ok).toBe(true);
    expect(await authenticate(['', ''])).toMatchObject({ reason: 'invalid-header' });
    expect(await authenticate([])).toMatchObject({ reason: 'missing' });
  });
});

function setupRaw(users: FakeUser[]) {
  const management = fakeManagement(users);
  const authenticator = createAuthenticator({
    management: management.db,
    cache: createCredentialCache({ maxEntries: 10, successTtlMs: 1_000, failureTtlMs: 1_000 }),
    registry: new Registry(),
  });
  return {
    authenticate: (authorization: string[]) =>
      authenticator.authenticate({ authorization, clientIp: '1.1.1.1' }),
  };
}
