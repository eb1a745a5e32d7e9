// Management changes reach the credential cache through 001_auth_notify (statement-level triggers →
// NOTIFY arzti_edge_auth → management listener) within a second; a killed LISTEN connection is noticed,
// re-established and followed by a full flush. The down migration removes exactly what up created.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { managementTriggersInstalled } from '../../../src/invalidation/management-triggers.js';
import { describeWith } from '../../support/needs.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';
import { basicAuth, bcryptHash, insertManagementUsers } from '../../support/emulator-fixtures.js';
import { createAuthStack, runAuthMigration, within, type AuthStack } from './auth-stack.js';

const TENANT_1 = 'Host=127.0.0.1;Database=tenant_one;Username=u;Password=p1;';
const TENANT_2 = 'Host=127.0.0.1;Database=tenant_two;Username=u;Password=p2;';

describeWith(['postgres'], 'management change feed', () => {
  let db: TestDatabase;
  let stack: AuthStack;
  let admin: pg.Client;

  const queries = () => stack.counter('edge_auth_management_queries_total');

  /** Authenticates once to warm the cache and proves the next call is a cache hit. */
  async function warm(header: string) {
    expect((await stack.auth(header)).ok).toBe(true);
    const before = await queries();
    expect((await stack.auth(header)).ok).toBe(true);
    expect(await queries()).toBe(before);
  }

  beforeAll(async () => {
    db = await createTestDatabase('auth_listen', ['arzsw']);
    await runAuthMigration(db.url, 'up');
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    stack = await createAuthStack({ managementUrl: db.url, listen: true });
    await insertManagementUsers(stack.management, [
      {
        loginName: 'mover',
        passwordCrypt: bcryptHash('pw', 4),
        connectionString: TENANT_1,
        mandantCode: 'M1',
      },
      { loginName: 'renamed', password: 'pw', connectionString: TENANT_1, mandantCode: 'M1' },
      { loginName: 'deleted', password: 'pw', connectionString: TENANT_1, mandantCode: 'M1' },
      { loginName: 'coded', password: 'pw', connectionString: TENANT_2, mandantCode: 'M2' },
      { loginName: 'moved_db', password: 'pw', connectionString: TENANT_2, mandantCode: 'M2' },
    ]);
    await within(2_000, async () => stack.listener?.status().state === 'connected');
  });

  afterAll(async () => {
    await admin?.end();
    await stack?.close();
    await db?.drop();
  });

  it('the listener reports connected', () => {
    expect(stack.listener?.status().state).toBe('connected');
    expect(stack.source?.state()).toBe('connected');
  });

  it('a changed password refuses the old one within 1 s', async () => {
    const old = basicAuth('mover', 'pw');
    await warm(old);
    await admin.query("UPDATE arzsw_benutzer SET login_passwort_crypt = $1 WHERE login_name = 'mover'", [
      bcryptHash('new-pw', 4),
    ]);
    const elapsed = await within(1_000, async () => !(await stack.auth(old)).ok);
    expect(elapsed).toBeLessThan(1_000);
    expect((await stack.auth(basicAuth('mover', 'new-pw'))).ok).toBe(true);
  });

  it('a user moved to another arzsw_datenbank sees the new tenant within 1 s', async () => {
    const header = basicAuth('mover', 'new-pw');
    await warm(header);
    await admin.query(
      `UPDATE arzsw_benutzer SET arzsw_datenbank_id =
         (SELECT arzsw_datenbank_id FROM arzsw_datenbank WHERE datenbank_connection_string = $1)
       WHERE login_name = 'mover'`,
      [TENANT_2],
    );
    await within(1_000, async () => {
      const r = await stack.auth(header);
      return r.ok && r.principal.tenant.connectionString === TENANT_2;
    });
  });

  it('a changed connection string reaches every user of that datenbank within 1 s', async () => {
    const header = basicAuth('moved_db', 'pw');
    await warm(header);
    const changed = `${TENANT_2}Timeout=7;`;
    await admin.query(
      'UPDATE arzsw_datenbank SET datenbank_connection_string = $1 WHERE datenbank_connection_string = $2',
      [changed, TENANT_2],
    );
    await within(1_000, async () => {
      const r = await stack.auth(header);
      return r.ok && r.principal.tenant.connectionString === changed;
    });
  });

  it('a changed mandant code, a renamed login and a deleted user take effect within 1 s', async () => {
    const coded = basicAuth('coded', 'pw');
    const renamed = basicAuth('renamed', 'pw');
    const deleted = basicAuth('deleted', 'pw');
    for (const h of [coded, renamed, deleted]) await warm(h);
    await admin.query("UPDATE arzsw_mandant SET code_kenner = 'M2-NEW' WHERE code_kenner = 'M2'");
    await admin.query("UPDATE arzsw_benutzer SET login_name = 'renamed2' WHERE login_name = 'renamed'");
    await admin.query("DELETE FROM arzsw_benutzer WHERE login_name = 'deleted'");
    await within(1_000, async () => {
      const [c, r, d] = await Promise.all([stack.auth(coded), stack.auth(renamed), stack.auth(deleted)]);
      return c.ok && c.principal.clientCode === 'M2-NEW' && !r.ok && !d.ok;
    });
    expect((await stack.auth(basicAuth('renamed2', 'pw'))).ok).toBe(true);
  });

  it('a new user is accepted within 1 s even right after a remembered failure', async () => {
    const header = basicAuth('newcomer', 'pw');
    expect(await stack.auth(header)).toMatchObject({ reason: 'unknown-user' });
    await insertManagementUsers(admin, [
      { loginName: 'newcomer', password: 'pw', connectionString: TENANT_1 },
    ]);
    await within(1_000, async () => (await stack.auth(header)).ok);
  });

  it('pg_terminate_backend of the listener: disconnected, reconnected, cache flushed', async () => {
    const header = basicAuth('renamed2', 'pw');
    await warm(header);
    const flushesBefore = stack.listener?.status().flushes ?? 0;
    const states: string[] = [];
    const poll = setInterval(() => states.push(stack.listener?.status().state ?? 'none'), 2);
    const { rows } = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'arzti-edge-auth-listen'",
      [db.name],
    );
    expect(rows).toHaveLength(1);
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    await within(
      3_000,
      async () => stack.source?.reconnects() === 1 && stack.listener?.status().state === 'connected',
    );
    clearInterval(poll);
    expect(states).toContain('disconnected');
    expect(stack.listener?.status().flushes).toBe(flushesBefore + 1);
    expect(stack.cache.size()).toBe(0);
    expect(await stack.counter('edge_auth_listener_reconnects_total')).toBe(1);
    expect(await stack.counter('edge_auth_listener_connected')).toBe(1);
    // The new connection LISTENs again: changes still arrive.
    await warm(header);
    await admin.query("UPDATE arzsw_benutzer SET login_passwort = 'changed' WHERE login_name = 'renamed2'");
    await within(1_000, async () => !(await stack.auth(header)).ok);
  });
});

describeWith(['postgres'], 'management migration 001_auth_notify', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('auth_migr', ['arzsw']);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const catalog = async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const triggers = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_trigger WHERE tgname LIKE 'arzti_edge_auth_%'",
      );
      const functions = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_proc WHERE proname = 'arzti_edge_auth_notify'",
      );
      const columns = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM information_schema.columns WHERE table_name LIKE 'arzsw_%'",
      );
      return {
        triggers: Number(triggers.rows[0]?.n),
        functions: Number(functions.rows[0]?.n),
        columns: Number(columns.rows[0]?.n),
      };
    } finally {
      await client.end();
    }
  };

  describe('up and down', () => {
    it('adds 12 triggers and 1 function without touching any table, and down removes exactly them', async () => {
      const before = await catalog();
      const installed = async () => {
        const client = createPgDatabase({ connectionString: db.url, max: 1 });
        try {
          return await managementTriggersInstalled(client);
        } finally {
          await client.close();
        }
      };
      expect(await installed()).toBe(false);
      await runAuthMigration(db.url, 'up');
      const after = await catalog();
      expect(after).toEqual({ triggers: 12, functions: 1, columns: before.columns });
      expect(await installed()).toBe(true);
      await runAuthMigration(db.url, 'down');
      expect(await catalog()).toEqual(before);
      expect(await installed()).toBe(false);
      await runAuthMigration(db.url, 'up'); // re-applicable after down
      expect((await catalog()).triggers).toBe(12);
    });

    it('sends one compact notification per statement, "*" when the id list would be too long', async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const payloads: string[] = [];
      client.on('notification', (m) => payloads.push(m.payload ?? ''));
      await client.query('LISTEN arzti_edge_auth');
      try {
        await client.query(
          "INSERT INTO arzsw_mandant (arzsw_mandant_id, code_kenner, mandant_name) VALUES (1, 'A', 'a')",
        );
        await client.query(
          "INSERT INTO arzsw_datenbank (arzsw_datenbank_id, datenbank_name, datenbank_connection_string, arzsw_mandant_id) VALUES (1, 'd', 'Host=x', 1)",
        );
        await client.query(
          `INSERT INTO arzsw_benutzer (arzsw_benutzer_id, benutzer_name, login_name, login_passwort, arzsw_mandant_id, arzsw_datenbank_id)
           SELECT g, 'u' || g, 'u' || g, 'p', 1, 1 FROM generate_series(1, 2000) g`,
        );
        await client.query(
          'UPDATE arzsw_benutzer SET login_passwort = $1 WHERE arzsw_benutzer_id IN (5, 6)',
          ['q'],
        );
        await client.query('UPDATE arzsw_benutzer SET login_passwort = $1 WHERE false', ['q']);
        await client.query('DELETE FROM arzsw_benutzer WHERE arzsw_benutzer_id = 7');
        await client.query('TRUNCATE arzsw_benutzer');
        await client.query('SELECT 1'); // let the last notification arrive
        expect(payloads).toEqual([
          'arzsw_mandant:1',
          'arzsw_datenbank:1',
          'arzsw_benutzer:*',
          'arzsw_benutzer:5,6',
          'arzsw_benutzer:7',
          'arzsw_benutzer:*',
        ]);
      } finally {
        await client.end();
      }
    });
  });
});
