// The shadow runner: sampling, read-only admission, bounded concurrency, capture skips, candidate outcomes,
// calibration against a second legacy answer, and the mismatch sample/log it leaves behind.
import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import {
  createRequestContext,
  extendContext,
  type EdgeLogger,
  type RequestContext,
} from '../../../src/core/request-context.js';
import {
  createCaptureTap,
  type CapturedExchange,
  type ResponseCapture,
} from '../../../src/core/response-capture.js';
import type { ShadowAnswer } from '../../../src/shadow/compare.js';
import { candidateFromExecutor } from '../../../src/shadow/executor-candidate.js';
import { createShadowRunner, type ComputeFastAnswer } from '../../../src/shadow/shadow-runner.js';
import { createShadowStats } from '../../../src/shadow/shadow-stats.js';
import { createShadowExecutor } from '../../../src/pipeline/shadow-execute.js';
import { Readable } from 'node:stream';
import { testPrincipal } from '../../fakes/request-fixtures.js';

const warnings: Array<Record<string, unknown>> = [];
const log: EdgeLogger = {
  debug() {},
  info() {},
  warn: (obj) => warnings.push(obj as Record<string, unknown>),
  error() {},
  child: () => log,
};

const table = parseRouteTable(
  [
    'routes:',
    '  - id: list',
    '    method: GET',
    '    path: /v2/rezept',
    '    mode: shadow',
    '    shadow: { maxConcurrent: 2, sample: 0.5, timeoutMs: 50 }',
    '  - id: uuid',
    '    method: PATCH',
    '    path: /v2/rezept/statusuuid',
    '    mode: shadow',
    '    shadow: { calibrate: true, maxBodyBytes: 64 }',
  ].join('\n'),
  't.yaml',
);
const principal = testPrincipal(42);

function ctx(method: string, rawUrl: string): RequestContext {
  const base = createRequestContext({
    requestId: `req-${Math.random()}`,
    startedAtMs: 0,
    receivedAt: 0,
    method,
    rawUrl,
    headers: {},
    remoteAddress: '127.0.0.1',
    log,
  });
  return extendContext(base, { route: table.match(method, base.path), mode: 'shadow', principal });
}

const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const legacyExchange = (value: unknown): CapturedExchange => ({
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: body(value),
  requestBody: Buffer.alloc(0),
});
const answer = (value: unknown): ShadowAnswer => ({
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: body(value),
});

function setup(candidate: ComputeFastAnswer | undefined, random = () => 0) {
  const stats = createShadowStats();
  const counted: string[] = [];
  const runner = createShadowRunner({
    candidates: candidate ? { sql: candidate } : {},
    replayLegacy: async (_ctx, request) => answer({ replayed: request.body.toString() }),
    stats,
    onOutcome: (route, kind, outcome) => counted.push(`${route}/${kind}/${outcome}`),
    log,
    random,
  });
  return { runner, stats, counted };
}

const begin = (runner: ReturnType<typeof setup>['runner'], c: RequestContext) => {
  const capture = runner.begin(c);
  if (!capture) throw new Error('expected a capture');
  return capture;
};

describe('shadow runner', () => {
  it('counts a match and a mismatch, keeps a safe sample and logs the differing field', async () => {
    let status = 'NEU';
    const { runner, stats, counted } = setup(async () =>
      answer({ prescriptions: [{ id: 1, rezeptStatus: status }] }),
    );
    begin(runner, ctx('GET', '/v2/rezept')).complete(
      legacyExchange({ prescriptions: [{ id: 1, rezeptStatus: 'NEU' }] }),
    );
    await runner.idle();
    status = 'ABGERECHNET';
    warnings.length = 0;
    const request = ctx('GET', '/v2/rezept');
    begin(runner, request).complete(legacyExchange({ prescriptions: [{ id: 1, rezeptStatus: 'NEU' }] }));
    await runner.idle();
    expect(counted).toEqual(['list/candidate/match', 'list/candidate/mismatch']);
    const route = stats.report().routes[0];
    expect(route?.candidate).toMatchObject({ compared: 2, matched: 1, mismatched: 1, matchRate: 0.5 });
    expect(route?.recentMismatches[0]).toMatchObject({
      requestId: request.requestId,
      tenant: 42,
      kind: 'candidate',
      differenceCount: 1,
      differences: [{ path: '$.prescriptions[0].rezeptStatus', legacy: '"NEU"', candidate: '"ABGERECHNET"' }],
    });
    expect(warnings).toEqual([
      expect.objectContaining({ route: 'list', tenant: 42, shadow: 'candidate', differenceCount: 1 }),
    ]);
  });

  it('samples per request, shadows reads only, and bounds concurrency per route', async () => {
    let roll = 0.7;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { runner, counted } = setup(
      async () => {
        await gate;
        return answer({});
      },
      () => roll,
    );
    expect(runner.begin(ctx('GET', '/v2/rezept'))).toBeUndefined(); // 0.7 ≥ sample 0.5
    roll = 0.1;
    expect(runner.begin(ctx('POST', '/v2/rezept'))).toBeUndefined();
    expect(runner.begin(ctx('PATCH', '/v2/rezept/status'))).toBeUndefined();
    const first = begin(runner, ctx('GET', '/v2/rezept'));
    const second = begin(runner, ctx('GET', '/v2/rezept'));
    expect(runner.begin(ctx('GET', '/v2/rezept'))).toBeUndefined();
    expect(counted).toEqual(['list/candidate/busy']);
    first.complete(legacyExchange({}));
    second.skip('too-large');
    expect(runner.inFlight).toBe(1);
    expect(begin(runner, ctx('GET', '/v2/rezept'))).toBeDefined();
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(counted).toEqual(['list/candidate/busy', 'list/candidate/too-large', 'list/candidate/match']);
  });

  it('records declined, failed and slow candidates without comparing', async () => {
    const outcomes: Array<ShadowAnswer | undefined | Error | 'hang'> = [undefined, new Error('boom'), 'hang'];
    let hung: () => void = () => {};
    const { runner, counted } = setup(async () => {
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      if (next === 'hang') await new Promise<void>((r) => (hung = r));
      return next === 'hang' ? answer({}) : next;
    });
    for (let i = 0; i < 2; i += 1) {
      begin(runner, ctx('GET', '/v2/rezept')).complete(legacyExchange({}));
      await runner.idle();
    }
    begin(runner, ctx('GET', '/v2/rezept')).complete(legacyExchange({}));
    await expect.poll(() => counted.length).toBe(3);
    expect(counted).toEqual([
      'list/candidate/declined',
      'list/candidate/candidate-error',
      'list/candidate/candidate-timeout',
    ]);
    // The slot stays taken until the slow candidate really ends.
    expect(runner.inFlight).toBe(1);
    hung();
    await runner.idle();
    expect(runner.inFlight).toBe(0);
  });

  it('calibrates against a second legacy answer with the captured request body', async () => {
    const { runner, stats, counted } = setup(undefined);
    const capture = begin(runner, ctx('PATCH', '/v2/rezept/statusuuid'));
    expect(capture.requestBody).toBe(true);
    expect(capture.maxBytes).toBe(64);
    capture.complete({ ...legacyExchange({ replayed: '["u-1"]' }), requestBody: Buffer.from('["u-1"]') });
    await runner.idle();
    expect(counted).toEqual(['uuid/calibration/match']);
    expect(stats.report().routes[0]?.calibration.matchRate).toBe(1);
  });

  it('reports no-candidate when no fast executor is wired', () => {
    const { runner, counted } = setup(undefined);
    expect(runner.begin(ctx('GET', '/v2/rezept'))).toBeUndefined();
    expect(counted).toEqual(['list/candidate/no-candidate']);
  });
});

describe('capture tap', () => {
  const recorder = () => {
    const reports: unknown[] = [];
    const capture: ResponseCapture = {
      maxBytes: 10,
      requestBody: true,
      complete: (exchange) =>
        reports.push({
          ...exchange,
          body: exchange.body.toString(),
          requestBody: exchange.requestBody.toString(),
        }),
      skip: (reason) => reports.push(reason),
    };
    return { capture, reports };
  };

  it('reports the copy once when delivered, and skips when too large, interrupted or never answered', () => {
    const ok = recorder();
    const tap = createCaptureTap(ok.capture);
    tap.requestChunk(Buffer.from('["a"]'));
    tap.responseStarted(200, 'application/json');
    tap.responseChunk(Buffer.from('{"a":'));
    tap.responseChunk(Buffer.from('1}'));
    tap.finish(true);
    tap.finish(false);
    expect(ok.reports).toEqual([
      { status: 200, contentType: 'application/json', body: '{"a":1}', requestBody: '["a"]' },
    ]);

    const big = recorder();
    const bigTap = createCaptureTap(big.capture);
    bigTap.responseStarted(200, undefined);
    bigTap.responseChunk(Buffer.alloc(11));
    bigTap.finish(true);
    const cut = recorder();
    const cutTap = createCaptureTap(cut.capture);
    cutTap.responseStarted(200, undefined);
    cutTap.finish(false);
    const none = recorder();
    createCaptureTap(none.capture).finish(false);
    expect([big.reports, cut.reports, none.reports]).toEqual([
      ['too-large'],
      ['interrupted'],
      ['not-answered'],
    ]);
  });
});

describe('shadow executor and executor candidate', () => {
  it('forwards with X-Edge shadow, with a capture only when admitted, and survives a throwing admission', async () => {
    const capture = { maxBytes: 1, requestBody: false, complete() {}, skip() {} };
    const c = ctx('GET', '/v2/rezept');
    expect(await createShadowExecutor({ begin: () => capture })(c)).toEqual({
      kind: 'forward',
      edge: 'shadow',
      capture,
    });
    expect(await createShadowExecutor({ begin: () => undefined })(c)).toEqual({
      kind: 'forward',
      edge: 'shadow',
    });
    const throwing = createShadowExecutor({
      begin: () => {
        throw new Error('bug');
      },
    });
    expect(await throwing(c)).toEqual({ kind: 'forward', edge: 'shadow' });
  });

  it('turns an executor outcome into a candidate answer (streams collected, forward = declined)', async () => {
    const request = { body: Buffer.alloc(0), maxBodyBytes: 100 };
    const c = ctx('GET', '/v2/rezept');
    let seenMode: string | undefined;
    let seenBody: unknown;
    const streaming = candidateFromExecutor('sql', async (x) => {
      seenMode = x.mode;
      seenBody = await x.body?.read(100);
      return {
        kind: 'respond',
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: Readable.from([Buffer.from('{"a"'), Buffer.from(':1}')]),
        edge: 'sql',
      };
    });
    expect(await streaming(c, request)).toEqual({
      status: 200,
      contentType: 'application/json',
      body: Buffer.from('{"a":1}'),
    });
    expect(seenMode).toBe('sql');
    expect(seenBody).toEqual({ kind: 'complete', bytes: Buffer.alloc(0) });
    const withBody = candidateFromExecutor('sql', async (x) => {
      seenBody = await x.body?.read(100);
      return { kind: 'forward' };
    });
    await withBody(c, { body: Buffer.from('{"RezeptUuids":["u"]}'), maxBodyBytes: 100 });
    expect(seenBody).toEqual({ kind: 'complete', bytes: Buffer.from('{"RezeptUuids":["u"]}') });
    expect(await candidateFromExecutor('sql', async () => ({ kind: 'forward' }))(c, request)).toBeUndefined();
    await expect(
      candidateFromExecutor('sql', async () => ({
        kind: 'error',
        code: 'EDGE_SQL_TIMEOUT',
        status: 504,
        message: 'slow',
      }))(c, request),
    ).rejects.toMatchObject({ code: 'EDGE_SQL_TIMEOUT' });
    await expect(
      candidateFromExecutor('sql', async () => ({
        kind: 'respond',
        status: 200,
        headers: {},
        body: Readable.from([Buffer.alloc(101)]),
        edge: 'sql',
      }))(c, request),
    ).rejects.toThrow(/exceeds 100 bytes/);
  });
});
