// pg-listener: a dedicated LISTEN connection shared by several channels and subscribers, late
// subscriptions, unsubscribe, state reports, backoff reconnects after a terminated backend, and close.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgListener, quoteIdent, type PgListener } from '../../../src/adapters/postgres/pg-listener.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, withAdmin, type TestDatabase } from '../../support/pg-databases.js';
import { within } from './auth-stack.js';

describeWith(['postgres'], 'pg-listener', () => {
  let db: TestDatabase;
  let listener: PgListener;
  let notifier: pg.Client;
  const notify = (channel: string, payload: string) =>
    notifier.query('SELECT pg_notify($1, $2)', [channel, payload]);

  beforeAll(async () => {
    db = await createTestDatabase('pg_listen');
    notifier = new pg.Client({ connectionString: db.url });
    await notifier.connect();
    listener = createPgListener({
      connection: { connectionString: db.url },
      name: 'edge-listener-test',
      initialDelayMs: 10,
      maxDelayMs: 100,
      healthCheckIntervalMs: 50,
      healthCheckTimeoutMs: 1_000,
    });
  });

  afterAll(async () => {
    await listener?.close();
    await notifier?.end();
    await db?.drop();
  });

  it('delivers per channel to every subscriber, including channels added later and odd names', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const odd: string[] = [];
    const states: string[] = [];
    await listener.listen(
      'chan_a',
      (p) => a.push(p),
      (s) => states.push(s),
    );
    expect(listener.state()).toBe('connected');
    expect(states).toEqual(['connected']);
    const offB = await listener.listen('chan_a', (p) => b.push(p));
    await listener.listen('Mixed Case"Chan', (p) => odd.push(p));
    await notify('chan_a', 'one');
    await notify('Mixed Case"Chan', 'two');
    await within(1_000, async () => a.length === 1 && b.length === 1 && odd.length === 1);
    expect([a, b, odd]).toEqual([['one'], ['one'], ['two']]);
    await offB();
    await notify('chan_a', 'three');
    await within(1_000, async () => a.length === 2);
    expect(b).toEqual(['one']);
    expect(quoteIdent('Mixed Case"Chan')).toBe('"Mixed Case""Chan"');
  });

  it('a terminated backend: disconnected, re-LISTENed after backoff, connected again', async () => {
    const got: string[] = [];
    const states: string[] = [];
    await listener.listen(
      'chan_c',
      (p) => got.push(p),
      (s) => states.push(s),
    );
    const before = listener.reconnects();
    await withAdmin((c) =>
      c.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
        [db.name, 'edge-listener-test'],
      ),
    );
    await within(3_000, async () => listener.reconnects() === before + 1 && listener.state() === 'connected');
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
    await notify('chan_c', 'after');
    await within(1_000, async () => got.includes('after'));
  });

  it('a subscriber that throws does not break delivery to the others', async () => {
    const got: string[] = [];
    await listener.listen('chan_d', () => {
      throw new Error('bad subscriber');
    });
    await listener.listen('chan_d', (p) => got.push(p));
    await notify('chan_d', 'x');
    await within(1_000, async () => got.length === 1);
  });

  it('close() ends the connection and refuses new subscriptions', async () => {
    const local = createPgListener({ connection: { connectionString: db.url }, name: 'edge-listener-close' });
    await local.listen('chan_e', () => undefined);
    expect(local.state()).toBe('connected');
    await local.close();
    await local.close();
    expect(local.state()).toBe('closed');
    await expect(local.listen('chan_e', () => undefined)).rejects.toThrow(/closed/);
    const count = await withAdmin(async (c) => {
      const { rows } = await c.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'edge-listener-close'",
      );
      return Number(rows[0]?.n);
    });
    expect(count).toBe(0);
  });
});
