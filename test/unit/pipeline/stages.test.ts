import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import {
  createRequestContext,
  type EdgeLogger,
  type RequestContext,
} from '../../../src/core/request-context.js';
import { createModeState } from '../../../src/core/route-mode.js';
import { EdgeError } from '../../../src/errors.js';
import { toErrorOutcome } from '../../../src/pipeline/error-outcome.js';
import { runPipeline } from '../../../src/pipeline/run-pipeline.js';
import { next, done, type NamedStage } from '../../../src/pipeline/stage.js';
import { createStages } from '../../../src/pipeline/stages.js';
import type { RequestAuthenticator } from '../../../src/pipeline/authenticate.js';
import type { Principal } from '../../../src/core/principal.js';

const errors: unknown[] = [];
const log: EdgeLogger = {
  debug() {},
  info() {},
  warn() {},
  error: (obj) => errors.push(obj),
  child: () => log,
};

function context(method: string, rawUrl: string): RequestContext {
  return createRequestContext({
    requestId: 'r1',
    startedAtMs: 0,
    receivedAt: 0,
    method,
    rawUrl,
    headers: {},
    remoteAddress: '127.0.0.1',
    log,
  });
}

const principal: Principal = {
  userId: 1,
  loginName: 'apoti_user',
  mandantId: 1,
  clientCode: 'RZ',
  tenant: { datenbankId: 1, connectionString: 'Host=db' },
};
const authenticator: RequestAuthenticator = { authenticate: async () => ({ ok: true, principal }) };

const routes = parseRouteTable(
  [
    'routes:',
    '  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: legacy }',
    '  - { id: v2-rezept-cached, method: GET, path: /v2/rezept/status, mode: cache }',
  ].join('\n'),
  'test.yaml',
);

describe('the stage list', () => {
  it('has exactly the documented order', () => {
    const modes = createModeState({ implemented: ['legacy'] });
    const stages = createStages({ routes, modes, auth: { modes }, execute: { executors: {} } });
    expect(stages.map((s) => s.name)).toEqual(['matchRoute', 'authenticate', 'decide', 'execute']);
    expect(Object.isFrozen(stages)).toBe(true);
  });

  it('forwards a legacy route with route and mode on the context', async () => {
    const modes = createModeState({ implemented: ['legacy'] });
    const stages = createStages({ routes, modes, auth: { modes }, execute: { executors: {} } });
    const initial = context('GET', '/V2.0/rezept?page=1');
    const { ctx, outcome } = await runPipeline(stages, initial);
    expect(outcome).toEqual({ kind: 'forward' });
    expect(ctx.route?.id).toBe('v2-rezept-list');
    expect(ctx.mode).toBe('legacy');
    expect(initial.route).toBeUndefined();
  });

  it('runs a configured but unimplemented mode as legacy', async () => {
    const modes = createModeState({ implemented: ['legacy'] });
    const stages = createStages({ routes, modes, auth: { modes }, execute: { executors: {} } });
    const { ctx, outcome } = await runPipeline(stages, context('GET', '/v2/rezept/status'));
    expect(ctx.route?.id).toBe('v2-rezept-cached');
    expect(ctx.mode).toBe('legacy');
    expect(outcome.kind).toBe('forward');
  });

  it('hands an implemented mode to its executor', async () => {
    const modes = createModeState({ implemented: ['cache'] });
    const stages = createStages({
      routes,
      modes,
      auth: { modes, authenticator },
      execute: {
        executors: {
          cache: async () => ({
            kind: 'respond',
            status: 200,
            headers: {},
            body: Buffer.from('hit'),
            edge: 'cache-hit',
          }),
        },
      },
    });
    const { ctx, outcome } = await runPipeline(stages, context('GET', '/v2/rezept/status'));
    expect(outcome).toMatchObject({ kind: 'respond', edge: 'cache-hit' });
    expect(ctx.principal).toBe(principal);
    expect(ctx.mode).toBe('cache');
  });

  it('sends unmatched requests to the catch-all', async () => {
    const modes = createModeState({ implemented: ['legacy'] });
    const stages = createStages({ routes, modes, auth: { modes }, execute: { executors: {} } });
    const { ctx, outcome } = await runPipeline(stages, context('GET', '/v1/rezept'));
    expect(ctx.route?.id).toBe('unmatched');
    expect(outcome.kind).toBe('forward');
  });
});

describe('runPipeline', () => {
  it('stops at the first outcome', async () => {
    const seen: string[] = [];
    const stages: NamedStage[] = [
      { name: 'a', run: async (ctx) => (seen.push('a'), next(ctx)) },
      { name: 'b', run: async (ctx) => (seen.push('b'), done(ctx, { kind: 'forward', reason: 'b' })) },
      { name: 'c', run: async (ctx) => (seen.push('c'), next(ctx)) },
    ];
    const { outcome } = await runPipeline(stages, context('GET', '/'));
    expect(seen).toEqual(['a', 'b']);
    expect(outcome).toEqual({ kind: 'forward', reason: 'b' });
  });

  it('turns a throwing stage into an error outcome and logs the stage', async () => {
    errors.length = 0;
    const stages: NamedStage[] = [
      {
        name: 'boom',
        run: async () => Promise.reject(new EdgeError('EDGE_SQL_TIMEOUT', 'statement timed out')),
      },
    ];
    const { outcome } = await runPipeline(stages, context('GET', '/'));
    expect(outcome).toEqual({
      kind: 'error',
      code: 'EDGE_SQL_TIMEOUT',
      status: 504,
      message: 'statement timed out',
    });
    expect(errors).toEqual([expect.objectContaining({ stage: 'boom' })]);
  });

  it('treats a pipeline without an outcome as an internal error', async () => {
    const { outcome } = await runPipeline(
      [{ name: 'a', run: async (ctx) => next(ctx) }],
      context('GET', '/'),
    );
    expect(outcome).toMatchObject({ kind: 'error', code: 'EDGE_INTERNAL', status: 500 });
  });
});

describe('toErrorOutcome', () => {
  it('keeps edge codes and hides internal details', () => {
    expect(toErrorOutcome(new EdgeError('EDGE_UPSTREAM_UNREACHABLE', 'no legacy'), 'legacy')).toEqual({
      kind: 'error',
      code: 'EDGE_UPSTREAM_UNREACHABLE',
      status: 502,
      message: 'no legacy',
      edge: 'legacy',
    });
    expect(toErrorOutcome(new EdgeError('EDGE_UPSTREAM_TIMEOUT')).status).toBe(504);
    const internal = toErrorOutcome(new TypeError('secret detail'));
    expect(internal).toMatchObject({ code: 'EDGE_INTERNAL', status: 500 });
    expect(internal.message).not.toContain('secret');
  });
});
