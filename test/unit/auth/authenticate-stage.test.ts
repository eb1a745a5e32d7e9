// The authenticate stage: skipped for legacy routes, the legacy's exact 401 for fast modes, forward when
// the management DB is unavailable or the request is one the proxy cannot judge like the legacy.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/core/principal.js';
import {
  createRequestContext,
  type EdgeLogger,
  type RequestContext,
} from '../../../src/core/request-context.js';
import { createModeState, type RouteMode } from '../../../src/core/route-mode.js';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import {
  createAuthenticateStage,
  LEGACY_CHALLENGE,
  type RequestAuthenticator,
} from '../../../src/pipeline/authenticate.js';

const PRINCIPAL: Principal = {
  userId: 1,
  loginName: 'u',
  mandantId: 2,
  clientCode: 'C',
  tenant: { datenbankId: 3, connectionString: 'Host=x' },
};

const routes = parseRouteTable(
  [
    'routes:',
    '  - { id: r-legacy, method: GET, path: /v2/legacy, mode: legacy }',
    '  - { id: r-sql, method: GET, path: /v2/rezept, mode: sql }',
    '  - { id: r-cache, method: GET, path: /v2/rezept/status, mode: cache }',
    '  - { id: r-shadow, method: GET, path: /v2/shadow, mode: shadow }',
  ].join('\n'),
  'test.yaml',
);

const warnings: object[] = [];
const log: EdgeLogger = {
  debug() {},
  info() {},
  warn: (obj) => warnings.push(obj),
  error() {},
  child: () => log,
};

function ctxFor(path: string, headers: Record<string, string[]> = {}, startedAtMs = 0): RequestContext {
  const base = createRequestContext({
    requestId: 'r',
    startedAtMs,
    receivedAt: 0,
    method: 'GET',
    rawUrl: path,
    headers,
    remoteAddress: '192.0.2.1',
    log,
  });
  return Object.freeze({ ...base, route: routes.match('GET', path) });
}

function fakeAuthenticator(answer: Awaited<ReturnType<RequestAuthenticator['authenticate']>>) {
  const calls: { authorization: readonly string[]; clientIp: string }[] = [];
  const authenticator: RequestAuthenticator = {
    authenticate: async (request) => {
      calls.push(request);
      return answer;
    },
  };
  return { authenticator, calls };
}

const modes = (implemented: RouteMode[] = ['legacy', 'sql', 'cache', 'shadow']) =>
  createModeState({ implemented });

describe('authenticate stage', () => {
  it('skips legacy routes, the catch-all, unimplemented modes and everything under the kill switch', async () => {
    const { authenticator, calls } = fakeAuthenticator({ ok: false, reason: 'wrong-password' });
    const killable = modes();
    const stage = createAuthenticateStage({ authenticator, modes: killable });
    expect((await stage(ctxFor('/v2/legacy'))).type).toBe('next');
    expect((await stage(ctxFor('/nowhere'))).type).toBe('next');
    expect(
      (await createAuthenticateStage({ authenticator, modes: modes(['legacy']) })(ctxFor('/v2/rezept'))).type,
    ).toBe('next');
    killable.setKillSwitch(true);
    expect((await stage(ctxFor('/v2/rezept'))).type).toBe('next');
    expect(calls).toHaveLength(0);
  });

  it('puts the principal on the context and passes every Authorization value and the peer address', async () => {
    const { authenticator, calls } = fakeAuthenticator({ ok: true, principal: PRINCIPAL });
    const stage = createAuthenticateStage({ authenticator, modes: modes() });
    const ctx = ctxFor('/v2/rezept', { authorization: ['Basic a', 'Basic b'] });
    const result = await stage(ctx);
    expect(result.type).toBe('next');
    expect(result.ctx.principal).toBe(PRINCIPAL);
    expect(ctx.principal).toBeUndefined();
    expect(calls).toEqual([{ authorization: ['Basic a', 'Basic b'], clientIp: '192.0.2.1' }]);
  });

  it.each([
    ['/v2/rezept', 'sql'],
    ['/v2/rezept/status', 'cache-miss'],
  ])('%s: a failed authentication gets the legacy 401 byte for byte', async (path, edge) => {
    for (const reason of [
      'missing',
      'invalid-header',
      'unknown-user',
      'wrong-password',
      'error',
      'throttled',
    ]) {
      const { authenticator } = fakeAuthenticator({ ok: false, reason });
      const result = await createAuthenticateStage({ authenticator, modes: modes() })(ctxFor(path));
      expect(result).toMatchObject({
        type: 'done',
        outcome: {
          kind: 'respond',
          status: 401,
          headers: { 'Content-Length': '0', 'WWW-Authenticate': 'Basic realm="ArzTi3 API", charset="UTF-8"' },
          edge,
        },
      });
      if (result.type === 'done' && result.outcome.kind === 'respond') {
        expect(Buffer.isBuffer(result.outcome.body) && result.outcome.body.length).toBe(0);
      }
    }
    expect(LEGACY_CHALLENGE).toBe('Basic realm="ArzTi3 API", charset="UTF-8"');
  });

  it('forwards when the management DB is unavailable, warning at most every 10 s', async () => {
    warnings.length = 0;
    const { authenticator } = fakeAuthenticator({ ok: false, reason: 'unavailable' });
    const stage = createAuthenticateStage({ authenticator, modes: modes() });
    for (const t of [0, 100, 9_999, 10_000, 10_500]) {
      expect(await stage(ctxFor('/v2/rezept', {}, t))).toMatchObject({
        type: 'done',
        outcome: { kind: 'forward', reason: 'auth-unavailable' },
      });
    }
    expect(warnings).toEqual([
      { code: 'EDGE_AUTH_UNAVAILABLE', suppressed: 0 },
      { code: 'EDGE_AUTH_UNAVAILABLE', suppressed: 2 },
    ]);
  });

  it.each([
    [{ 'x-api-version': ['1.0'] }],
    [{ 'x-api-version': ['3'] }],
    [{ 'x-api-version': ['2', '2'] }],
    [{ 'x-api-version': ['abc'] }],
    [{ authorization: ['Basic \u00e4bc'] }],
  ])('forwards %j instead of judging it (the legacy answers 400 before authorizing)', async (headers) => {
    const { authenticator, calls } = fakeAuthenticator({ ok: false, reason: 'missing' });
    const result = await createAuthenticateStage({ authenticator, modes: modes() })(
      ctxFor('/v2/rezept', headers),
    );
    expect(result).toMatchObject({ type: 'done', outcome: { kind: 'forward', reason: 'auth-unverifiable' } });
    expect(calls).toHaveLength(0);
  });

  it.each([[['2']], [['2.0']]])(
    'X-API-Version %j is the default version: authenticated as usual',
    async (value) => {
      const { authenticator } = fakeAuthenticator({ ok: false, reason: 'missing' });
      const result = await createAuthenticateStage({ authenticator, modes: modes() })(
        ctxFor('/v2/rezept', { 'x-api-version': value }),
      );
      expect(result).toMatchObject({ type: 'done', outcome: { status: 401 } });
    },
  );

  it('shadow mode never blocks: principal when possible, nothing otherwise', async () => {
    const ok = fakeAuthenticator({ ok: true, principal: PRINCIPAL });
    expect(
      (
        await createAuthenticateStage({ authenticator: ok.authenticator, modes: modes() })(
          ctxFor('/v2/shadow'),
        )
      ).ctx.principal,
    ).toBe(PRINCIPAL);
    for (const reason of ['wrong-password', 'unavailable']) {
      const bad = fakeAuthenticator({ ok: false, reason });
      const result = await createAuthenticateStage({ authenticator: bad.authenticator, modes: modes() })(
        ctxFor('/v2/shadow', { 'x-api-version': ['1.0'] }),
      );
      expect(result.type).toBe('next');
      expect(result.ctx.principal).toBeUndefined();
    }
  });

  it('without an authenticator, fast-mode routes are forwarded; unwired ({}) it passes everything through', async () => {
    expect(await createAuthenticateStage({ modes: modes() })(ctxFor('/v2/rezept'))).toMatchObject({
      type: 'done',
      outcome: { kind: 'forward', reason: 'auth-not-configured' },
    });
    expect((await createAuthenticateStage({ modes: modes() })(ctxFor('/v2/shadow'))).type).toBe('next');
    expect((await createAuthenticateStage({})(ctxFor('/v2/rezept'))).type).toBe('next');
  });
});
