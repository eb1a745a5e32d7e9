// The demo's ready banner (src/demo/demo-banner.ts): copy-paste curl commands that a shell runs as
// intended, and wording that never promises a cache hit the build cannot deliver.
import { describe, expect, it } from 'vitest';
import {
  demoCurlCommands,
  formatDemoBanner,
  shellQuote,
  type DemoBannerInfo,
} from '../../../src/demo/demo-banner.js';

const info: DemoBannerInfo = {
  readySeconds: 12.34,
  proxyUrl: 'http://127.0.0.1:8080',
  adminUrl: 'http://127.0.0.1:9090',
  legacyUrl: 'http://127.0.0.1:5017',
  logins: [
    { login: 'apoti_user_rzstein', password: '123456', database: 'demo_apoti_1', prescriptions: 3000 },
    { login: 'apoti_user_t2', password: 'tenant-2-pw', database: 'demo_apoti_2', prescriptions: 2000 },
  ],
  sample: { rezeptUuid: '492e9219-b9e5-463f-b5ad-b4176b5042ca', type: 'eMuster16', totalCount: 600 },
  pageSize: 5,
  cacheActive: true,
};

describe('shellQuote', () => {
  it('leaves safe words alone and single-quotes the rest', () => {
    expect(shellQuote('user:123456')).toBe('user:123456');
    expect(shellQuote('http://h:1/v2/rezept?pageSize=5')).toBe(`'http://h:1/v2/rezept?pageSize=5'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('a b')).toBe(`'a b'`);
  });
});

describe('demoCurlCommands', () => {
  it('reads page 1 and PATCHes the sample as transferred', () => {
    const { read, write } = demoCurlCommands(info);
    expect(read).toBe(`curl -i -u apoti_user_rzstein:123456 'http://127.0.0.1:8080/v2/rezept?pageSize=5'`);
    expect(write).toBe(
      'curl -i -u apoti_user_rzstein:123456 -X PATCH http://127.0.0.1:8080/v2/rezept/status ' +
        `-H 'Content-Type: application/json' ` +
        `-d '{"updates":[{"rezeptUuid":"492e9219-b9e5-463f-b5ad-b4176b5042ca","type":"eMuster16","transferArz":true}]}'`,
    );
  });

  it('quotes credentials a shell would split', () => {
    const odd = { ...info, logins: [{ ...info.logins[0]!, login: 'apotheke_müller', password: 'a b' }] };
    expect(demoCurlCommands(odd).read).toContain(`-u 'apotheke_müller:a b'`);
  });
});

describe('formatDemoBanner', () => {
  it('lists URLs, credentials and the scenarios in order', () => {
    const text = formatDemoBanner(info).join('\n');
    expect(text).toContain('arzti-edge demo ready in 12.3 s');
    expect(text).toContain('  proxy        http://127.0.0.1:8080');
    expect(text).toContain('apoti_user_rzstein / 123456  → demo_apoti_1 (3000 prescriptions)');
    expect(text).toContain('apoti_user_t2 / tenant-2-pw  → demo_apoti_2 (2000 prescriptions)');
    const { read, write } = demoCurlCommands(info);
    const reads = text.split('\n').filter((line) => line.trim() === read);
    expect(reads).toHaveLength(3);
    expect(text.indexOf(write)).toBeGreaterThan(text.indexOf('X-Edge: cache-hit'));
  });

  it('says plainly when cache mode is not active, and promises no cache hit', () => {
    const text = formatDemoBanner({ ...info, cacheActive: false }).join('\n');
    expect(text).toContain('NOT ACTIVE in this build');
    expect(text).not.toContain('answered from the cache');
  });
});
