// Management DB trouble never becomes a 401 from the proxy or a crash: closed port, a server that never
// answers, terminated connections and a dropped database all yield `unavailable` (→ forward to legacy),
// and the LISTEN connection keeps retrying without giving up.
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/adapters/auth/authenticator.js';
import { createCredentialCache } from '../../../src/adapters/auth/credential-cache.js';
import {
  createManagementDatabase,
  managementListenConfig,
} from '../../../src/adapters/postgres/management-database.js';
import { createPgListener } from '../../../src/adapters/postgres/pg-listener.js';
import { startManagementListener } from '../../../src/invalidation/management-listener.js';
import { isEdgeError } from '../../../src/errors.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, withAdmin, type TestDatabase } from '../../support/pg-databases.js';
import { basicAuth, insertManagementUsers } from '../../support/emulator-fixtures.js';
import { createAuthStack, within } from './auth-stack.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describeWith(['postgres'], 'management DB unavailable', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('auth_down', ['arzsw']);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a closed port → unavailable (EDGE_AUTH_UNAVAILABLE), no throw, nothing cached', async () => {
    const port = await closedPort();
    const stack = await createAuthStack({ managementUrl: `postgres://postgres@127.0.0.1:${port}/nowhere` });
    try {
      const result = await stack.auth(basicAuth('u', 'p'));
      expect(result).toMatchObject({ ok: false, reason: 'unavailable' });
      if (!result.ok && result.reason === 'unavailable')
        expect(isEdgeError(result.error, 'EDGE_AUTH_UNAVAILABLE')).toBe(true);
      expect(stack.cache.size()).toBe(0);
      expect(await stack.counter('edge_auth_results_total', { outcome: 'unavailable' })).toBe(1);
      // Malformed headers are still decided without the database.
      expect(await stack.auth('Basic !!')).toMatchObject({ reason: 'invalid-header' });
    } finally {
      await stack.close();
    }
  });

  it('a server that accepts but never answers → unavailable after the connect timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as net.AddressInfo;
    const management = createManagementDatabase(`postgres://postgres@127.0.0.1:${port}/x`, {
      maxConnections: 2,
      connectTimeoutMs: 300,
      statementTimeoutMs: 300,
    });
    const authenticator = createAuthenticator({
      management,
      registry: new Registry(),
      cache: createCredentialCache({ maxEntries: 10, successTtlMs: 1_000, failureTtlMs: 1_000 }),
    });
    try {
      const started = performance.now();
      const result = await authenticator.authenticate({
        authorization: [basicAuth('u', 'p')],
        clientIp: '1.2.3.4',
      });
      expect(result).toMatchObject({ ok: false, reason: 'unavailable' });
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await management.close();
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });

  it('terminated connections and a dropped database: unavailable, never a crash; recovers after', async () => {
    const local = await createTestDatabase('auth_drop', ['arzsw']);
    const stack = await createAuthStack({ managementUrl: local.url });
    try {
      await insertManagementUsers(stack.management, [
        { loginName: 'a', password: 'pw', connectionString: 'Host=x;Username=u' },
        { loginName: 'b', password: 'pw', connectionString: 'Host=x;Username=u' },
      ]);
      expect((await stack.auth(basicAuth('a', 'pw'))).ok).toBe(true);
      await withAdmin((c) =>
        c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [local.name],
        ),
      );
      // The pool replaces its dead connections; either way the answer is a decision or "unavailable".
      const afterKill = await stack.auth(basicAuth('b', 'pw'));
      expect(afterKill.ok || (!afterKill.ok && afterKill.reason === 'unavailable')).toBe(true);
      await within(2_000, async () => (await stack.auth(basicAuth('b', 'pw'))).ok);

      await local.drop();
      expect(await stack.auth(basicAuth('a', 'wrong'))).toMatchObject({ reason: 'unavailable' });
      // Verified before the outage: still honoured until the TTL ends (the legacy would answer 401 here).
      expect((await stack.auth(basicAuth('a', 'pw'))).ok).toBe(true);
    } finally {
      await stack.close();
      await local.drop();
    }
  });

  it('the LISTEN connection keeps retrying while the DB is unreachable and reports disconnected', async () => {
    const port = await closedPort();
    const states: string[] = [];
    const source = createPgListener({
      connection: managementListenConfig(`postgres://postgres@127.0.0.1:${port}/x`),
      name: 'management',
      initialDelayMs: 10,
      maxDelayMs: 40,
      onStateChange: (s) => states.push(s),
    });
    const cache = createCredentialCache({ maxEntries: 10, successTtlMs: 1_000, failureTtlMs: 1_000 });
    const listener = await startManagementListener({ source, target: cache, registry: new Registry() });
    try {
      expect(listener.status().state).toBe('disconnected');
      await new Promise((r) => setTimeout(r, 300));
      expect(states.filter((s) => s === 'connecting').length).toBeGreaterThan(3);
      expect(source.state()).not.toBe('connected');
    } finally {
      await listener.stop();
      await source.close();
    }
    expect(source.state()).toBe('closed');
  });
});
