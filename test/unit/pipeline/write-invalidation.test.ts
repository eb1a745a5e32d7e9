// Read-your-writes hook: which requests are writes, and what a successful write invalidates — the caller's
// tenant when it can be resolved in time, every tenant this instance caches otherwise. The hook never
// rejects and never delays a non-2xx answer.
import { describe, expect, it } from 'vitest';
import { createRequestContext, extendContext } from '../../../src/core/request-context.js';
import type { RequestAuthenticator } from '../../../src/pipeline/authenticate.js';
import {
  createWriteInvalidation,
  isWriteRequest,
  type WriteInvalidationDeps,
} from '../../../src/pipeline/executors/write-invalidation.js';
import { silentLog as log, testPrincipal } from '../../fakes/request-fixtures.js';

const principal = testPrincipal;

const request = (method: string, rawUrl: string) =>
  createRequestContext({
    requestId: 'w1',
    startedAtMs: 0,
    receivedAt: 0,
    method,
    rawUrl,
    headers: { authorization: ['Basic dTpw'] },
    remoteAddress: '10.0.0.1',
    log,
  });

function harness(
  authenticator: RequestAuthenticator | undefined,
  options: Partial<WriteInvalidationDeps> = {},
) {
  const bumped: number[] = [];
  const scopes: string[] = [];
  const hookFor = createWriteInvalidation({
    authenticator,
    epochs: {
      bumpAfterWrite: async (id) => {
        bumped.push(id);
      },
    },
    knownTenants: () => [7, 8, 9],
    onInvalidated: (scope, reason) => scopes.push(`${scope}:${reason}`),
    ...options,
  });
  return { hookFor, bumped, scopes };
}

describe('isWriteRequest', () => {
  it.each([
    ['PATCH', '/v2/rezept/status', true],
    ['POST', '/api/v1/Prescriptions/mark-as-read', true],
    ['POST', '/api/Prescriptions/set-abgerechnet', true],
    ['POST', '/api/Apotheken', true],
    ['PUT', '/api/Apotheken/3', true],
    ['DELETE', '/api/Apotheken/3', true],
    ['PATCH', '/v2/rezept/statusuuid', false],
    ['PATCH', '/V2.0/Rezept/StatusUuid/', false],
    ['GET', '/v2/rezept', false],
    ['HEAD', '/v2/rezept', false],
    ['OPTIONS', '/api/Apotheken', false],
  ])('%s %s → %s', (method, path, write) => {
    expect(isWriteRequest(method, path)).toBe(write);
  });
});

describe('the hook for a forwarded write', () => {
  const resolving: RequestAuthenticator = {
    authenticate: async () => ({ ok: true, principal: principal(42) }),
  };

  it('reads are left alone (no hook)', () => {
    const { hookFor } = harness(resolving);
    expect(hookFor(request('GET', '/v2/rezept'))).toBeUndefined();
    expect(hookFor(request('PATCH', '/v2/rezept/statusuuid'))).toBeUndefined();
  });

  it('2xx: bumps the tenant resolved while the write travelled; non-2xx: nothing, no wait', async () => {
    const { hookFor, bumped, scopes } = harness(resolving);
    const hook = hookFor(request('PATCH', '/v2/rezept/status'));
    expect(hook).toBeDefined();
    expect(hook?.(400)).toBeUndefined();
    expect(hook?.(500)).toBeUndefined();
    await hook?.(200);
    expect(bumped).toEqual([42]);
    expect(scopes).toEqual(['tenant:resolved']);
  });

  it('a principal already on the context is used without authenticating again', async () => {
    let calls = 0;
    const counting: RequestAuthenticator = {
      authenticate: async () => {
        calls += 1;
        return { ok: false, reason: 'missing' };
      },
    };
    const { hookFor, bumped } = harness(counting);
    const ctx = extendContext(request('POST', '/api/Apotheken'), { principal: principal(5) });
    await hookFor(ctx)?.(201);
    expect(bumped).toEqual([5]);
    expect(calls).toBe(0);
  });

  it.each([
    ['auth failed', { authenticate: async () => ({ ok: false, reason: 'wrong-password' }) }, 'auth-failed'],
    [
      'auth unavailable',
      { authenticate: async () => ({ ok: false, reason: 'unavailable' }) },
      'auth-unavailable',
    ],
    ['auth throws', { authenticate: async () => Promise.reject(new Error('boom')) }, 'auth-unavailable'],
    ['no authenticator', undefined, 'no-authenticator'],
  ] as const)('%s after a 2xx → every known tenant is bumped', async (_name, authenticator, reason) => {
    const { hookFor, bumped, scopes } = harness(authenticator as RequestAuthenticator | undefined);
    await hookFor(request('POST', '/api/v1/Prescriptions/mark-as-read'))?.(200);
    expect(bumped.sort()).toEqual([7, 8, 9]);
    expect(scopes).toEqual([`all-tenants:${reason}`]);
  });

  it('resolution slower than maxWaitMs → all tenants now, the own tenant when it arrives; never rejects', async () => {
    let release: (() => void) | undefined;
    const slow: RequestAuthenticator = {
      authenticate: () =>
        new Promise((resolve) => (release = () => resolve({ ok: true, principal: principal(11) }))),
    };
    const { hookFor, bumped, scopes } = harness(slow, {
      maxWaitMs: 20,
      epochs: {
        bumpAfterWrite: async (id) => {
          bumped.push(id);
          if (id === 8) throw new Error('redis down');
        },
      },
    });
    const started = performance.now();
    await hookFor(request('DELETE', '/api/Apotheken/1'))?.(204);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(bumped.sort()).toEqual([7, 8, 9]);
    expect(scopes).toEqual(['all-tenants:timeout']);
    release?.();
    await new Promise((r) => setTimeout(r, 10));
    expect(bumped).toContain(11);
  });
});
