import { describe, expect, it } from 'vitest';
import { describeConfig, hasLegacy, loadConfig } from '../../../src/config/env-config.js';
import { isEdgeError } from '../../../src/errors.js';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (isEdgeError(err, 'EDGE_CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('expected EDGE_CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ LEGACY_URL: 'http://iis-host' });
    expect(config).toMatchObject({
      port: 8080,
      adminPort: 9090,
      routesFile: './routes.yaml',
      logLevel: 'info',
      drainMs: 10_000,
      preserveHost: false,
      clientKeepAliveMs: 120_000,
      host: undefined,
      upstream: { connectTimeoutMs: 3000, timeoutMs: 120_000, idleTimeoutMs: 30_000, maxSockets: 256 },
    });
    expect(config.upstream.idleTimeoutMs).toBeLessThan(120_000);
  });

  it('splits LEGACY_URL into origin, path base and Host header', () => {
    const config = loadConfig({ LEGACY_URL: 'http://IIS-Host:8081/ArzTi3/' });
    expect(config.legacy).toEqual({
      url: 'http://iis-host:8081/ArzTi3',
      protocol: 'http:',
      hostname: 'iis-host',
      port: 8081,
      basePath: '/ArzTi3',
      hostHeader: 'iis-host:8081',
    });
    expect(loadConfig({ LEGACY_URL: 'https://[::1]' }).legacy).toMatchObject({
      hostname: '::1',
      port: 443,
      basePath: '',
      hostHeader: '[::1]',
    });
  });

  it('reports every problem at once, naming each variable', () => {
    const message = problemsOf({
      LEGACY_URL: 'ftp://user:pw@host/x?y=1',
      EDGE_PORT: 'eighty',
      EDGE_ADMIN_PORT: '70000',
      LOG_LEVEL: 'loud',
      EDGE_UPSTREAM_TIMEOUT_MS: '-5',
      EDGE_PRESERVE_HOST: 'maybe',
      EDGE_UPSTREAM_IDLE_MS: '120000',
    });
    for (const fragment of [
      'LEGACY_URL: must use http: or https:',
      'LEGACY_URL: must not carry credentials',
      'LEGACY_URL: must not have a query',
      'EDGE_PORT: must be an integer',
      'EDGE_ADMIN_PORT: must be an integer',
      'LOG_LEVEL: must be one of',
      'EDGE_UPSTREAM_TIMEOUT_MS: must be an integer',
      'EDGE_PRESERVE_HOST: must be true or false',
      'EDGE_UPSTREAM_IDLE_MS: must be an integer from 1000 to 115000',
    ]) {
      expect(message).toContain(fragment);
    }
    expect(message).toMatch(/\(9 problems\)/);
  });

  it('rejects equal proxy and admin ports', () => {
    expect(problemsOf({ EDGE_PORT: '8080', EDGE_ADMIN_PORT: '8080' })).toContain(
      'EDGE_ADMIN_PORT: must differ',
    );
  });

  it('treats a missing LEGACY_URL as the (later) demo mode, not an error', () => {
    const config = loadConfig({});
    expect(config.legacy).toBeUndefined();
    expect(hasLegacy(config)).toBe(false);
  });

  it('returns a frozen config and a loggable description', () => {
    const config = loadConfig({ LEGACY_URL: 'http://iis-host/ArzTi3', EDGE_PRESERVE_HOST: 'true' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.upstream)).toBe(true);
    expect(Object.isFrozen(config.legacy)).toBe(true);
    expect(config.preserveHost).toBe(true);
    expect(describeConfig(config)).toMatchObject({ legacyUrl: 'http://iis-host/ArzTi3', port: 8080 });
  });
});
