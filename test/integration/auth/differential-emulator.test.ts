// Differential: for a table of credential cases the proxy's authenticator decides exactly as the legacy
// (its emulator) does on the wire — 200 where the authenticator authenticates, 401 (empty body, the
// Basic challenge) where it refuses — against the same management database.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorizationValues } from '../../../src/adapters/auth/basic-header.js';
import { describeWith } from '../../support/needs.js';
import {
  basicAuth,
  bcryptHash,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { createAuthStack, type AuthStack } from './auth-stack.js';

interface WireResponse {
  status: number;
  body: string;
  challenge: string | undefined;
  contentLength: string | undefined;
}

/** GET /v2/rezept with exactly these Authorization header lines (none, one or several). */
function legacyGet(baseUrl: string, authorization: readonly string[]): Promise<WireResponse> {
  const url = new URL('/v2/rezept', baseUrl);
  return new Promise((resolve, reject) => {
    // A flat name/value list sends one header line per entry (an object would join or keep one);
    // Node then adds no Host header by itself.
    const req = http.request(url, {
      method: 'GET',
      headers: ['Host', url.host, ...authorization.flatMap((value) => ['Authorization', value])],
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          challenge: res.headers['www-authenticate'],
          contentLength: res.headers['content-length'],
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// [name, Authorization lines, expected on the wire per CONTRACT §4.1]
const CASES: [string, string[], 200 | 401][] = [
  ['valid plaintext (default user)', [basicAuth('apoti_user_rzstein', '123456')], 200],
  ['valid bcrypt', [basicAuth('crypt_user', 'geheim')], 200],
  ['empty-password user', [basicAuth('empty_user', '')], 200],
  ['password containing ":"', [basicAuth('colon_user', 'a:b:c')], 200],
  ['UTF-8 login', [basicAuth('Jürgen_Größe', 'päss€')], 200],
  ['lower-case scheme', [`basic ${b64('apoti_user_rzstein:123456')}`], 200],
  [
    'whitespace inside the Base64',
    [`Basic ${b64('apoti_user_rzstein:123456').replace(/(.{4})/, '$1 ')}`],
    200,
  ],
  ['wrong password', [basicAuth('apoti_user_rzstein', '1234567')], 401],
  ['wrong bcrypt password', [basicAuth('crypt_user', 'Geheim')], 401],
  ['unknown user', [basicAuth('nobody', '123456')], 401],
  ['login name in other case', [basicAuth('APOTI_USER_RZSTEIN', '123456')], 401],
  ['bad Base64', ['Basic YXBvdGlfdXNlcl9yenN0ZWluOjEyMzQ1Ng='], 401],
  ['wrong scheme', [`Bearer ${b64('apoti_user_rzstein:123456')}`], 401],
  ['scheme only', ['Basic'], 401],
  ['no colon', [`Basic ${b64('apoti_user_rzstein')}`], 401],
  ['missing header', [], 401],
  ['empty header', [''], 401],
  [
    'two Authorization headers',
    [basicAuth('apoti_user_rzstein', '123456'), basicAuth('apoti_user_rzstein', '123456')],
    401,
  ],
  ['two headers, one empty', [basicAuth('apoti_user_rzstein', '123456'), ''], 200],
];

describeWith(['postgres'], 'authenticator vs legacy emulator (differential)', () => {
  let legacy: LegacyFixture;
  let stack: AuthStack;

  beforeAll(async () => {
    legacy = await startLegacyFixture({
      prefix: 'auth_diff',
      users: [
        { loginName: 'crypt_user', passwordCrypt: bcryptHash('geheim', 4) },
        { loginName: 'empty_user', password: '' },
        { loginName: 'colon_user', password: 'a:b:c' },
        { loginName: 'Jürgen_Größe', password: 'päss€' },
      ],
    });
    stack = await createAuthStack({ managementUrl: legacy.management.url });
  });

  afterAll(async () => {
    await stack?.close();
    await legacy?.close();
  });

  it.each(CASES)('%s → %s', async (_name, lines, expected) => {
    const wire = await legacyGet(legacy.url, lines);
    expect(wire.status).toBe(expected);
    // What the proxy sees: Node's rawHeaders carry every line.
    const raw = lines.flatMap((v) => ['Authorization', v]);
    const decision = await stack.auth(authorizationValues(raw));
    if (decision.ok) {
      expect(wire.status).toBe(200);
      expect(decision.principal.tenant.connectionString).toBe(legacy.tenant.npgsql);
    } else {
      expect(decision.reason).not.toBe('unavailable');
      expect(wire).toEqual({
        status: 401,
        body: '',
        challenge: 'Basic realm="ArzTi3 API", charset="UTF-8"',
        contentLength: '0',
      });
    }
  });
});
