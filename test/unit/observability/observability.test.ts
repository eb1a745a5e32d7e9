import { Writable } from 'node:stream';
import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestContext } from '../../../src/core/request-context.js';
import { createLogger, REDACTED } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createRequestObserver } from '../../../src/observability/request-observer.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('redacts credentials, passwords and connection strings at any depth up to 4, without mutating input', () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    const input = {
      headers: { authorization: 'Basic dXNlcjpwdw==', host: 'x', cookie: 'a=b' },
      Authorization: 'Basic top',
      tenant: { connectionString: 'Host=db;Password=secret1', datenbankId: 7 },
      principal: { tenant: { connectionString: 'Host=db;Password=secret2' } },
      user: { password: 'pw-one' },
      row: { login_passwort: '$2a$10$hash' },
    };
    logger.info(input, 'test');
    logger.child({ connectionString: 'Host=db;Password=secret3' }).info({ ok: true }, 'child');
    logger.child({ tenant: { connectionString: 'Host=db;Password=secret4' } }).info({ ok: true }, 'child');
    const text = JSON.stringify(out.lines());
    for (const secret of [
      'dXNlcjpwdw',
      'top',
      'secret1',
      'secret2',
      'secret3',
      'pw-one',
      '$2a$10$hash',
      'a=b',
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).toContain(REDACTED);
    expect(out.lines()[0]).toMatchObject({
      level: 'info',
      msg: 'test',
      service: 'arzti-edge',
      tenant: { datenbankId: 7 },
    });
    expect(input.headers.authorization).toBe('Basic dXNlcjpwdw==');
    expect(input.tenant.connectionString).toBe('Host=db;Password=secret1');
  });
});

describe('metrics', () => {
  it('uses its own registry, never the global one', async () => {
    const metrics = createMetrics({ openUpstreamSockets: () => 3 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('edge_upstream_open_sockets 3');
    expect(text).toContain('edge_upstream_errors_total{kind="timeout"} 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(await globalRegistry.metrics()).not.toContain('edge_');
    // Two apps in one process must not collide.
    expect(() => createMetrics({ openUpstreamSockets: () => 0 })).not.toThrow();
  });

  it('records one log line and bounded labels per request', async () => {
    const metrics = createMetrics({ openUpstreamSockets: () => 0 });
    const out = capture();
    const log = createLogger('info', out.stream).child({ requestId: 'req-1' });
    const ctx = createRequestContext({
      requestId: 'req-1',
      startedAtMs: 0,
      receivedAt: 0,
      method: 'GET',
      rawUrl: '/some/raw/path/12345?search=secret',
      headers: { authorization: ['Basic x'] },
      remoteAddress: '127.0.0.1',
      log,
    });
    createRequestObserver(metrics, createLogger('info', out.stream)).observe(ctx, {
      routeId: 'unmatched',
      mode: 'legacy',
      edge: 'legacy',
      status: 502,
      durationMs: 12.3456,
      upstreamMs: 10.1111,
      errorCode: 'EDGE_UPSTREAM_UNREACHABLE',
      upstreamError: 'unreachable',
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('edge_http_requests_total{route="unmatched",mode="legacy",status="502"} 1');
    expect(text).toContain('edge_upstream_errors_total{kind="unreachable"} 1');
    expect(text).toContain('edge_http_request_duration_seconds_count{route="unmatched",mode="legacy"} 1');
    expect(text).not.toContain('/some/raw/path');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      requestId: 'req-1',
      method: 'GET',
      path: '/some/raw/path/12345',
      route: 'unmatched',
      mode: 'legacy',
      status: 502,
      durationMs: 12.346,
      upstreamMs: 10.111,
      errorCode: 'EDGE_UPSTREAM_UNREACHABLE',
    });
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(JSON.stringify(lines)).not.toContain('Basic');
  });
});
