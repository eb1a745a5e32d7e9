// One contract suite for every implementation of the SqlDatabase + NotificationSource ports (pg pool +
// pg-listener, PGlite): the same assertions prove that query code written once sees the same values,
// errors, transactions and notifications on both. Each subject brings its own empty database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  queryEach,
  type NotificationSource,
  type SqlDatabase,
  type SqlExecutor,
} from '../../../src/core/sql-port.js';

export interface SqlPortSubject {
  readonly db: SqlDatabase;
  readonly notifications: NotificationSource;
  close(): Promise<void>;
}

/** Registers the contract tests; call inside a describe (or describeWith) block. */
export function sqlPortContract(open: () => Promise<SqlPortSubject>): void {
  let subject: SqlPortSubject;
  let db: SqlDatabase;
  let tables = 0;
  /** A fresh table per test: tests never share rows. */
  const table = async (columns = 'id int4 PRIMARY KEY, v text'): Promise<string> => {
    const name = `contract_t${++tables}`;
    await db.query(`CREATE TABLE ${name} (${columns})`);
    return name;
  };

  beforeAll(async () => {
    subject = await open();
    db = subject.db;
  });
  afterAll(async () => {
    if (!subject) return;
    // close() is idempotent on every implementation.
    await subject.db.close();
    await expect(subject.db.close()).resolves.toBeUndefined();
    await subject.close();
  });

  describe('values follow the port conventions', () => {
    it('int2/int4 are numbers; int8 and numeric are exact text', async () => {
      const { rows } = await db.query(
        `SELECT 7::int2 AS small, '-2147483648'::int4 AS int, 9007199254740993::int8 AS big,
                '-9223372036854775808'::int8 AS min8, 1.50::numeric AS dec,
                12345678901234567890.123456789::numeric AS bigdec, 42::int8 AS small8`,
      );
      expect(rows).toEqual([
        {
          small: 7,
          int: -2147483648,
          big: '9007199254740993',
          min8: '-9223372036854775808',
          dec: '1.50',
          bigdec: '12345678901234567890.123456789',
          small8: '42',
        },
      ]);
    });

    it('bool is boolean; text keeps non-BMP characters; NULL of every type is null', async () => {
      const text = 'Grüße 😀 𝔸 𝄞 \u2028 "q" \\';
      const { rows } = await db.query(
        `SELECT true AS t, false AS f, $1::text AS text, NULL::int4 AS i4, NULL::int8 AS i8,
                NULL::numeric AS n, NULL::bool AS b, NULL::date AS d, NULL::time AS tm,
                NULL::timestamp AS ts, NULL::text AS tx`,
        [text],
      );
      expect(rows[0]).toEqual({
        t: true,
        f: false,
        text,
        i4: null,
        i8: null,
        n: null,
        b: null,
        d: null,
        tm: null,
        ts: null,
        tx: null,
      });
    });

    it('date, time and timestamp come back as PostgreSQL ISO text, fractions as sent', async () => {
      const { rows } = await db.query(
        `SELECT '2024-02-29'::date AS d, '12:34:56.789'::time AS t3, '23:59:59.123456'::time AS t6,
                '08:15:30.25'::time AS t2, '14:22:05'::time AS t0,
                '2024-01-02 03:04:05.123456'::timestamp AS ts, '2024-01-02 03:04:05'::timestamp AS ts0`,
      );
      expect(rows[0]).toEqual({
        d: '2024-02-29',
        t3: '12:34:56.789',
        t6: '23:59:59.123456',
        t2: '08:15:30.25',
        t0: '14:22:05',
        ts: '2024-01-02 03:04:05.123456',
        ts0: '2024-01-02 03:04:05',
      });
    });

    it('timestamptz is text in the session time zone', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL TimeZone = 'UTC'`);
        const { rows } = await tx.query<{ v: unknown }>(
          `SELECT '2024-01-02 03:04:05.5+01'::timestamptz AS v`,
        );
        return rows[0]?.v;
      });
      expect(value).toBe('2024-01-02 02:04:05.5+00');
    });

    it('values round-trip through a table, int8 beyond 2^53 included', async () => {
      const name = await table(
        'id int4 PRIMARY KEY, big int8, dec numeric(12,2), flag bool, day date, at time, stamp timestamp, note varchar(50)',
      );
      await db.query(`INSERT INTO ${name} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        1,
        '9223372036854775807',
        '0.10',
        true,
        '2025-11-03',
        '14:22:05.5',
        '2025-11-04 09:41:12.345678',
        'Müller & Söhne 😀',
      ]);
      await db.query(`INSERT INTO ${name} (id) VALUES ($1)`, [2]);
      const { rows } = await db.query(`SELECT * FROM ${name} ORDER BY id`);
      expect(rows).toEqual([
        {
          id: 1,
          big: '9223372036854775807',
          dec: '0.10',
          flag: true,
          day: '2025-11-03',
          at: '14:22:05.5',
          stamp: '2025-11-04 09:41:12.345678',
          note: 'Müller & Söhne 😀',
        },
        { id: 2, big: null, dec: null, flag: null, day: null, at: null, stamp: null, note: null },
      ]);
    });
  });

  describe('parameters are sent as node-postgres sends them', () => {
    it('numbers, bigints, booleans, strings, null and undefined', async () => {
      const { rows } = await db.query(
        `SELECT $1::int4 AS a, $2::int8 AS b, $3::int8 AS c, $4::bool AS d, $5::bool AS e,
                $6::text AS f, $7::int4 AS g, $8::text AS h, $9::numeric AS i`,
        [5, 9007199254740993n, '-9007199254740993', true, 'false', 'x', null, undefined, 1.25],
      );
      expect(rows[0]).toEqual({
        a: 5,
        b: '9007199254740993',
        c: '-9007199254740993',
        d: true,
        e: false,
        f: 'x',
        g: null,
        h: null,
        i: '1.25',
      });
    });

    it('arrays as array literals (= ANY) and Dates as the same instant', async () => {
      const name = await table();
      await db.query(`INSERT INTO ${name} VALUES (1, 'a'), (2, 'b"q'), (3, 'c\\d'), (4, NULL)`);
      const any = await db.query<{ id: number }>(
        `SELECT id FROM ${name} WHERE v = ANY($1::text[]) ORDER BY id`,
        [['b"q', 'c\\d', 'zzz']],
      );
      expect(any.rows).toEqual([{ id: 2 }, { id: 3 }]);
      const instant = new Date(Date.UTC(2024, 5, 30, 22, 15, 0, 250));
      const { rows } = await db.query<{ epoch: string }>(
        `SELECT extract(epoch FROM $1::timestamptz)::numeric AS epoch`,
        [instant],
      );
      expect(rows[0]?.epoch).toBe('1719785700.250000');
    });
  });

  describe('rowCount and errors', () => {
    it('rowCount counts selected and changed rows; 0 for DDL', async () => {
      const ddl = await db.query(`CREATE TABLE contract_ddl (id int4)`);
      expect(ddl.rowCount).toBe(0);
      const inserted = await db.query(`INSERT INTO contract_ddl SELECT g FROM generate_series(1, 5) g`);
      expect(inserted.rowCount).toBe(5);
      const updated = await db.query(`UPDATE contract_ddl SET id = id + 10 WHERE id > 3`);
      expect(updated.rowCount).toBe(2);
      const none = await db.query(`DELETE FROM contract_ddl WHERE id < 0`);
      expect(none.rowCount).toBe(0);
      const selected = await db.query(`SELECT * FROM contract_ddl`);
      expect(selected.rowCount).toBe(5);
      expect(selected.rows).toHaveLength(5);
    });

    it('database errors reject with the SQLSTATE in `code` and PostgreSQL’s message', async () => {
      const name = await table();
      await db.query(`INSERT INTO ${name} VALUES (1, 'a')`);
      await expect(db.query(`INSERT INTO ${name} VALUES (1, 'b')`)).rejects.toMatchObject({
        code: '23505',
        message: `duplicate key value violates unique constraint "${name}_pkey"`,
      });
      await expect(db.query(`SELEC 1`)).rejects.toMatchObject({ code: '42601' });
      await expect(db.query(`SELECT 1 OFFSET $1`, [-1])).rejects.toMatchObject({
        code: '2201X',
        message: 'OFFSET must not be negative',
      });
      // The database is usable afterwards.
      expect((await db.query(`SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
    });
  });

  describe('queryEach (streaming rows, or its fallback)', () => {
    const collect = async (executor: SqlExecutor, text: string, params?: unknown[]) => {
      const seen: Record<string, unknown>[] = [];
      const count = await queryEach(executor, text, params, (row) => seen.push(row));
      return { seen, count };
    };

    it('hands over the rows of `query`, in the order sent, with the same values; resolves with the count', async () => {
      const text = `SELECT g AS id, g::int8 * 4294967296 AS big, repeat('ü', g) AS v, NULL::date AS d
        FROM generate_series(1, $1::int4) g ORDER BY g DESC`;
      const { seen, count } = await collect(db, text, [300]);
      expect(count).toBe(300);
      expect(seen).toEqual((await db.query(text, [300])).rows);
      expect(seen[0]).toEqual({ id: 300, big: '1288490188800', v: 'ü'.repeat(300), d: null });
      expect(await collect(db, `SELECT 1 AS one WHERE false`)).toEqual({ seen: [], count: 0 });
    });

    it('an exception of onRow stops the deliveries and rejects with it; the database stays usable', async () => {
      const boom = new Error('row 3 rejected');
      const seen: number[] = [];
      await expect(
        queryEach<{ g: number }>(db, `SELECT g FROM generate_series(1, 10) g ORDER BY g`, [], (row) => {
          seen.push(row.g);
          if (row.g === 3) throw boom;
        }),
      ).rejects.toBe(boom);
      expect(seen).toEqual([1, 2, 3]);
      expect((await db.query(`SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
    });

    it('a database error rejects with its SQLSTATE', async () => {
      await expect(collect(db, `SELECT 1 / (g - 2) AS x FROM generate_series(1, 3) g`)).rejects.toMatchObject(
        {
          code: '22012',
        },
      );
      expect((await db.query(`SELECT 2 AS two`)).rows).toEqual([{ two: 2 }]);
    });

    it('inside a transaction it sees the transaction’s writes, and an onRow exception does not abort it', async () => {
      const name = await table();
      const result = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${name} VALUES (1, 'a'), (2, 'b')`);
        await expect(
          queryEach(tx, `SELECT id FROM ${name}`, [], () => {
            throw new Error('stop');
          }),
        ).rejects.toThrow('stop');
        return collect(tx, `SELECT id, v FROM ${name} ORDER BY id`);
      });
      expect(result).toEqual({
        seen: [
          { id: 1, v: 'a' },
          { id: 2, v: 'b' },
        ],
        count: 2,
      });
    });
  });

  describe('prepared statements (QueryOptions.prepare)', () => {
    it('give the rows of the plain statement, again and again, also streamed and in transactions', async () => {
      const name = await table();
      await db.query(`INSERT INTO ${name} SELECT g, 'v' || g FROM generate_series(1, 5) g`);
      const text = `SELECT id, v FROM ${name} WHERE id > $1 ORDER BY id`;
      const plain = (await db.query(text, [2])).rows;
      for (let i = 0; i < 3; i++) {
        expect((await db.query(text, [2], { prepare: true })).rows).toEqual(plain);
        const seen: unknown[] = [];
        await queryEach(db, text, [2], (row) => seen.push(row), { prepare: true });
        expect(seen).toEqual(plain);
        expect(
          await db.transaction((tx) => tx.query(text, [2], { prepare: true }).then((r) => r.rows)),
        ).toEqual(plain);
      }
      expect((await db.query(text, [4], { prepare: true })).rows).toEqual([{ id: 5, v: 'v5' }]);
    });
  });

  describe('transactions', () => {
    it('commit: returns fn’s value and makes its writes visible', async () => {
      const name = await table();
      const result = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${name} VALUES (1, 'x')`);
        const inside = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`);
        return inside.rows[0]?.n;
      });
      expect(result).toBe(1);
      expect((await db.query(`SELECT v FROM ${name}`)).rows).toEqual([{ v: 'x' }]);
    });

    it('rollback: fn’s error is rethrown and nothing it wrote remains', async () => {
      const name = await table();
      const boom = new Error('boom');
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${name} VALUES (1, 'x')`);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect((await db.query(`SELECT count(*)::int AS n FROM ${name}`)).rows).toEqual([{ n: 0 }]);
    });

    it('a failed statement aborts the transaction; the database stays usable', async () => {
      const name = await table();
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${name} VALUES (1, 'x')`);
          await tx.query(`INSERT INTO ${name} VALUES (1, 'dup')`).catch(() => undefined);
          await tx.query(`SELECT 1`);
        }),
      ).rejects.toMatchObject({ code: '25P02' });
      expect((await db.query(`SELECT count(*)::int AS n FROM ${name}`)).rows).toEqual([{ n: 0 }]);
    });

    it('queries outside a running transaction never see its uncommitted writes', async () => {
      const name = await table();
      let outside: Promise<unknown> | undefined;
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${name} VALUES (1, 'uncommitted')`);
          outside = db.query(`SELECT count(*)::int AS n FROM ${name}`).then((r) => r.rows);
          // Give a concurrent query every chance to interleave before the rollback.
          await new Promise((resolve) => setTimeout(resolve, 50));
          await tx.query(`SELECT 1`);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await outside).toEqual([{ n: 0 }]);
    });
  });

  describe('notifications', () => {
    const received = (into: string[], count: number, timeoutMs = 5000): Promise<void> =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          if (into.length >= count) resolve();
          else if (Date.now() - started > timeoutMs)
            reject(new Error(`got ${into.length} of ${count} notifications: ${JSON.stringify(into)}`));
          else setTimeout(poll, 10);
        };
        poll();
      });

    it('delivers NOTIFY payloads on the channel (case kept), reports connected, unsubscribes', async () => {
      const payloads: string[] = [];
      const states: string[] = [];
      const unsubscribe = await subject.notifications.listen(
        'Contract_Chan',
        (p) => payloads.push(p),
        (s) => states.push(s),
      );
      expect(states).toEqual(['connected']);
      await db.query(`SELECT pg_notify('contract_chan', 'lower-case channel: not ours')`);
      await db.query(`SELECT pg_notify('Contract_Chan', $1)`, ['tabelle:1719785700250 äöü 😀']);
      await received(payloads, 1);
      expect(payloads).toEqual(['tabelle:1719785700250 äöü 😀']);

      await unsubscribe();
      await db.query(`SELECT pg_notify('Contract_Chan', 'after unsubscribe')`);
      await db.query(`SELECT 1`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(payloads).toEqual(['tabelle:1719785700250 äöü 😀']);
    });

    it('delivers a transaction’s notifications after COMMIT only, none after ROLLBACK', async () => {
      const payloads: string[] = [];
      const unsubscribe = await subject.notifications.listen('contract_tx', (p) => payloads.push(p));
      try {
        await db
          .transaction(async (tx) => {
            await tx.query(`NOTIFY contract_tx, 'rolled back'`);
            throw new Error('undo');
          })
          .catch(() => undefined);
        await db.transaction(async (tx) => {
          await tx.query(`NOTIFY contract_tx, 'first'`);
          await tx.query(`SELECT pg_notify('contract_tx', 'second')`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          expect(payloads).toEqual([]);
        });
        await received(payloads, 2);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(payloads).toEqual(['first', 'second']);
      } finally {
        await unsubscribe();
      }
    });
  });
}
