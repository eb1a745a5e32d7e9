// The authenticator against a real ArzSw database: the credential table of CONTRACT §4.1, a warm cache
// that costs nothing, throttling in front of the DB, and tenant isolation under concurrent mixed logins.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';
import { basicAuth, bcryptHash, insertManagementUsers } from '../../support/emulator-fixtures.js';
import { createAuthStack, type AuthStack } from './auth-stack.js';

const TENANT_A = 'Host=127.0.0.1;Port=5432;Database=tenant_a;Username=a;Password=pa;';
const TENANT_B = 'Host=127.0.0.1;Port=5432;Database=tenant_b;Username=b;Password=pb;';

describeWith(['postgres'], 'authenticator against PostgreSQL', () => {
  let db: TestDatabase;
  let stack: AuthStack;

  beforeAll(async () => {
    db = await createTestDatabase('auth_pg', ['arzsw']);
    stack = await createAuthStack({
      managementUrl: db.url,
      authenticator: {
        throttle: {
          enabled: true,
          maxFailuresPerLogin: 10,
          maxFailuresPerIp: 1_000,
          windowMs: 60_000,
          cooldownMs: 300,
          maxTrackedKeys: 1_000,
        },
      },
    });
    await insertManagementUsers(stack.management, [
      { loginName: 'apoti_user_rzstein', password: '123456', connectionString: TENANT_A, mandantCode: 'RZ1' },
      {
        loginName: 'crypt_a',
        passwordCrypt: bcryptHash('geheim', 4),
        connectionString: TENANT_A,
        mandantCode: 'RZ1',
      },
      {
        loginName: 'crypt_b',
        passwordCrypt: bcryptHash('anders', 4),
        connectionString: TENANT_B,
        mandantCode: 'RZ2',
      },
      { loginName: 'plain_b', password: 'b-pass', connectionString: TENANT_B, mandantCode: 'RZ2' },
      { loginName: 'empty', password: '', connectionString: TENANT_A },
      { loginName: 'colon', password: 'a:b:c', connectionString: TENANT_A },
      { loginName: 'Jürgen_ÄÖÜ', password: 'päss€', connectionString: TENANT_B },
      { loginName: 'throttled', passwordCrypt: bcryptHash('right', 4), connectionString: TENANT_B },
    ]);
    await stack.management.query(
      `INSERT INTO arzsw_benutzer (benutzer_name, login_name, login_passwort, login_passwort_crypt, arzsw_mandant_id, arzsw_datenbank_id)
       SELECT 'bad', 'badhash', 'x', '$2a$10$not-a-hash', arzsw_mandant_id, arzsw_datenbank_id FROM arzsw_benutzer LIMIT 1`,
    );
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it.each([
    ['valid plaintext', basicAuth('apoti_user_rzstein', '123456'), 'ok'],
    ['valid bcrypt', basicAuth('crypt_a', 'geheim'), 'ok'],
    ['empty password', basicAuth('empty', ''), 'ok'],
    ['password containing ":"', basicAuth('colon', 'a:b:c'), 'ok'],
    ['UTF-8 login', basicAuth('Jürgen_ÄÖÜ', 'päss€'), 'ok'],
    ['wrong password', basicAuth('crypt_a', 'Geheim'), 'wrong-password'],
    ['login name case differs', basicAuth('APOTI_USER_RZSTEIN', '123456'), 'unknown-user'],
    ['unknown user', basicAuth('nobody', 'x'), 'unknown-user'],
    ['unparsable stored hash', basicAuth('badhash', 'x'), 'error'],
    ['bad Base64', 'Basic YXBvdGk=!', 'invalid-header'],
    [
      'wrong scheme',
      `Bearer ${Buffer.from('apoti_user_rzstein:123456').toString('base64')}`,
      'invalid-header',
    ],
    ['missing header', undefined, 'missing'],
  ])('%s → %s', async (_name, header, expected) => {
    const result = await stack.auth(header);
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });

  it('resolves the tenant of the user (arzsw_datenbank) and the client code of its mandant', async () => {
    const result = await stack.auth(basicAuth('crypt_b', 'anders'));
    expect(result.ok && result.principal).toMatchObject({
      loginName: 'crypt_b',
      clientCode: 'RZ2',
      tenant: { connectionString: TENANT_B },
    });
  });

  it('with the cache warm, 1000 authentications cost zero management queries and zero BCrypt verifies', async () => {
    const headers = [
      basicAuth('crypt_a', 'geheim'),
      basicAuth('crypt_b', 'anders'),
      basicAuth('plain_b', 'b-pass'),
    ];
    for (const h of headers) expect((await stack.auth(h)).ok).toBe(true);
    const queries = await stack.counter('edge_auth_management_queries_total');
    const verifies = await stack.counter('edge_auth_bcrypt_verifies_total');
    for (let batch = 0; batch < 10; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => stack.auth(headers[i % headers.length] as string)),
      );
      expect(results.every((r) => r.ok)).toBe(true);
    }
    expect(await stack.counter('edge_auth_management_queries_total')).toBe(queries);
    expect(await stack.counter('edge_auth_bcrypt_verifies_total')).toBe(verifies);
  });

  it('20 wrong passwords in a row query the DB at most N=10 times; the right one works after the cooldown', async () => {
    const before = await stack.counter('edge_auth_management_queries_total');
    const reasons: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const r = await stack.auth(basicAuth('throttled', `wrong-${i}`), '192.0.2.50');
      reasons.push(r.ok ? 'ok' : r.reason);
    }
    expect((await stack.counter('edge_auth_management_queries_total')) - before).toBeLessThanOrEqual(10);
    expect(reasons.filter((r) => r === 'throttled')).toHaveLength(10);
    expect(await stack.counter('edge_auth_throttled_total')).toBeGreaterThanOrEqual(10);
    expect(await stack.auth(basicAuth('throttled', 'right'), '192.0.2.50')).toMatchObject({
      reason: 'throttled',
    });
    await new Promise((r) => setTimeout(r, 350));
    expect((await stack.auth(basicAuth('throttled', 'right'), '192.0.2.50')).ok).toBe(true);
  });

  it('principals never cross tenants under hundreds of concurrent interleaved mixed credentials', async () => {
    stack.cache.clear();
    const cases = [
      { header: basicAuth('crypt_a', 'geheim'), login: 'crypt_a', tenant: TENANT_A },
      { header: basicAuth('apoti_user_rzstein', '123456'), login: 'apoti_user_rzstein', tenant: TENANT_A },
      { header: basicAuth('crypt_b', 'anders'), login: 'crypt_b', tenant: TENANT_B },
      { header: basicAuth('plain_b', 'b-pass'), login: 'plain_b', tenant: TENANT_B },
      { header: basicAuth('crypt_b', 'geheim'), login: null, tenant: null }, // A's password on B's login
      { header: basicAuth('crypt_a', 'anders'), login: null, tenant: null },
    ];
    let seed = 7;
    const pick = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return cases[seed % cases.length] as (typeof cases)[number];
    };
    const runs = Array.from({ length: 600 }, () => pick());
    const results = await Promise.all(
      runs.map(async (c, i) => {
        if (i % 7 === 0) await new Promise((r) => setTimeout(r, i % 5));
        if (i === 300) stack.cache.clear(); // a flush in the middle of the storm
        return { c, r: await stack.auth(c.header, `10.1.${i % 250}.${i % 200}`) };
      }),
    );
    for (const { c, r } of results) {
      if (c.login === null) {
        expect(r.ok).toBe(false);
      } else {
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.principal.loginName).toBe(c.login);
          expect(r.principal.tenant.connectionString).toBe(c.tenant);
        }
      }
    }
  });
});
