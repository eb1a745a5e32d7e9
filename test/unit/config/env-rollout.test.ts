// The environment keys of issue #7: EDGE_KILL_SWITCH, EDGE_ADMIN_TOKEN (validated, never logged),
// EDGE_ROUTES_WATCH.
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../../src/config/env-config.js';
import { isEdgeError } from '../../../src/errors.js';

const base = { LEGACY_URL: 'http://iis-host/ArzTi3' };

describe('rollout-related environment', () => {
  it('defaults: kill switch off, no admin token (loopback only), watching on', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ killSwitch: false, adminToken: undefined, watchRoutes: true });
  });

  it('reads the kill switch and watch flags and masks the token in the logged config', () => {
    const config = loadConfig({
      ...base,
      EDGE_KILL_SWITCH: '1',
      EDGE_ROUTES_WATCH: 'false',
      EDGE_ADMIN_TOKEN: 's3cr3t-admin-token-0123',
    });
    expect(config).toMatchObject({
      killSwitch: true,
      watchRoutes: false,
      adminToken: 's3cr3t-admin-token-0123',
    });
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain('s3cr3t');
    expect(describeConfig(config)).toMatchObject({
      killSwitch: true,
      adminToken: '[redacted]',
      watchRoutes: false,
    });
  });

  it('refuses a short or spaced admin token and a non-boolean kill switch, together', () => {
    try {
      loadConfig({ ...base, EDGE_ADMIN_TOKEN: 'short', EDGE_KILL_SWITCH: 'maybe' });
      throw new Error('expected EDGE_CONFIG_INVALID');
    } catch (err) {
      if (!isEdgeError(err, 'EDGE_CONFIG_INVALID')) throw err;
      expect(err.message).toContain('EDGE_ADMIN_TOKEN: must be at least 16 visible ASCII characters');
      expect(err.message).toContain('EDGE_KILL_SWITCH: must be true or false');
      expect(err.message).not.toContain('short');
    }
    expect(() => loadConfig({ ...base, EDGE_ADMIN_TOKEN: 'a token with spaces inside' })).toThrow(
      /EDGE_ADMIN_TOKEN/,
    );
  });
});
