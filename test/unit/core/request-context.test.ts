import { describe, expect, it } from 'vitest';
import {
  createRequestContext,
  extendContext,
  isValidRequestId,
  normaliseRemoteAddress,
  resolveRequestId,
  splitRequestTarget,
  type EdgeLogger,
} from '../../../src/core/request-context.js';

const log: EdgeLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };

describe('request id', () => {
  it('keeps one printable id of at most 128 characters', () => {
    expect(resolveRequestId(['abc-123'], () => 'gen')).toBe('abc-123');
    expect(resolveRequestId(['x'.repeat(128)], () => 'gen')).toBe('x'.repeat(128));
  });

  it('generates one otherwise', () => {
    for (const values of [
      undefined,
      [],
      ['x'.repeat(129)],
      ['has space'],
      ['tab\t'],
      ['ümlaut'],
      [''],
      ['a', 'b'],
    ]) {
      expect(
        resolveRequestId(values, () => 'gen'),
        JSON.stringify(values),
      ).toBe('gen');
    }
    expect(isValidRequestId('00-abc-01')).toBe(true);
  });
});

describe('splitRequestTarget', () => {
  it('keeps origin-form targets byte-exact', () => {
    const raw = '/v2/rezept?type=E-Rezept&x=%2F&y=a+b&z=%C3%A4&';
    expect(splitRequestTarget(raw)).toEqual({ path: '/v2/rezept', target: raw });
    expect(splitRequestTarget('/a%2Fb/?')).toEqual({ path: '/a%2Fb/', target: '/a%2Fb/?' });
  });

  it('reduces absolute-form to origin-form', () => {
    expect(splitRequestTarget('http://host:81/v2/rezept?q=1')).toEqual({
      path: '/v2/rezept',
      target: '/v2/rezept?q=1',
    });
    expect(splitRequestTarget('http://host')).toEqual({ path: '/', target: '/' });
    expect(splitRequestTarget('http://host?q')).toEqual({ path: '/', target: '/?q' });
  });

  it('leaves asterisk-form alone', () => {
    expect(splitRequestTarget('*')).toEqual({ path: '*', target: '*' });
  });
});

describe('context', () => {
  it('is frozen and extended by copy', () => {
    const ctx = createRequestContext({
      requestId: 'r1',
      startedAtMs: 1,
      receivedAt: 2,
      method: 'GET',
      rawUrl: '/v2/rezept?page=1',
      headers: Object.freeze({ host: ['x'] }),
      remoteAddress: '127.0.0.1',
      log,
    });
    expect(ctx.path).toBe('/v2/rezept');
    expect(Object.isFrozen(ctx)).toBe(true);
    const next = extendContext(ctx, { mode: 'legacy' });
    expect(next).not.toBe(ctx);
    expect(next.mode).toBe('legacy');
    expect(ctx.mode).toBeUndefined();
    expect(Object.isFrozen(next)).toBe(true);
  });

  it('unwraps IPv4-mapped addresses', () => {
    expect(normaliseRemoteAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseRemoteAddress('::1')).toBe('::1');
    expect(normaliseRemoteAddress(undefined)).toBe('unknown');
  });
});
